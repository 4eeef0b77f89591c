"""Role (d): a LoRA-tuned SmolLM2 continues the answer after the quoted lead, from numbered facts, citing them.

The adapter (bot/adapters/composer, trained by training/train_lora.py on question + facts -> answer examples
written from our notes) is merged into the weights at load; see `generation.adapter_for`.
"""

from __future__ import annotations

import re

import numpy as np

from bot.candidates import Candidate
from bot.model_writer import MIN_MODEL_WORDS, ModelWriter, RoleInput, RoleReport, Written, numbered, quoted, tidy

COMPOSER_SYSTEM = (
    "You answer machine learning questions for students. Use only the numbered facts. "
    "After each sentence, give the numbers of the facts it uses in brackets."
)
REPEAT_COSINE = 0.85  # a candidate this close to a chosen fact adds nothing as another fact
MAX_FACTS = 8  # facts shown to the composer: the plan's sentences, then the best of the rest
COMPOSER_TOKENS = 110  # the composer's continuation: two or three sentences with their citations
_CITED = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def composer_facts(units: list[Candidate], candidates: list[Candidate]) -> list[Candidate] | None:
    """The numbered facts for the composer: the quoted lead first, the plan's other sentences, then the best
    remaining sentences that are not repeats; None when the answer leads with a list or has no lead."""
    if not units or units[0].is_list:
        return None
    chosen = [u for u in units if not u.is_list]
    seen = {id(u) for u in chosen}
    for candidate in sorted(candidates, key=lambda c: c.score, reverse=True):
        if len(chosen) >= MAX_FACTS:
            break
        if id(candidate) in seen or candidate.is_list or not candidate.standalone:
            continue
        if any(float(np.dot(candidate.vector, c.vector)) > REPEAT_COSINE for c in chosen):
            continue
        chosen.append(candidate)
        seen.add(id(candidate))
    return chosen


def composer_messages(question: str, facts: list[str]) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": COMPOSER_SYSTEM},
        {"role": "user", "content": f"Question: {question}\nFacts:\n{numbered(facts)}"},
    ]


def composer_prefix(lead: str) -> str:
    """The reply's given start: the lead the bot has already shown, cited as fact [1]."""
    return f"{lead} [1]"


def compose_role(writer: ModelWriter, given: RoleInput) -> RoleReport:
    """(d) The tuned composer continues the answer after the quoted lead, citing the facts it uses.

    Each sentence is checked against the facts it cites; a sentence the guard rejects is dropped, and its facts
    stay unused. The plan's quoted sentences the model did not use follow, up to the plan's length, so a short
    continuation never makes a shorter answer.
    """
    facts = composer_facts(given.units, given.candidates)
    report = RoleReport(quoted(given.units, given.texts))
    if facts is None or len(facts) < 2:
        return report
    reply = writer.text(
        composer_messages(given.question, [f.text for f in facts]),
        prefix=composer_prefix(facts[0].text),
        tokens=COMPOSER_TOKENS,
        one=False,
    )
    written: list[Written] = [report.sentences[0]]
    kept_vectors = []  # of the model's kept sentences, each embedded once
    for sentence, cited in parse_cited(reply, len(facts)):
        report.tried += 1
        sources = [facts[i] for i in cited if i > 0] or facts[1:]
        vector = writer.embed(sentence)
        support = writer.checked(sentence, vector, sources)
        if support is None or any(writer.repeats(vector, w.units[0]) for w in written if not w.generated):
            report.rejected.append((sentence, [f.text for f in sources]))
            continue
        report.kept += 1
        kept_vectors.append(vector)
        written.append(Written(sentence, [sources[i] for i in support], generated=True))
    if report.tried:
        # The plan's other quoted sentences keep the answer complete where the model covered less than the plan.
        plan = report.sentences
        used = {id(unit) for w in written for unit in w.units}
        for quote in plan[1:]:
            if len(written) >= len(plan):
                break
            unit = quote.units[0]
            if id(unit) not in used and not any(writer.repeats(vector, unit) for vector in kept_vectors):
                written.append(quote)
        report.sentences = written
    return report


def parse_cited(reply: str, fact_count: int) -> list[tuple[str, list[int]]]:
    """'Sentence one. [2] Sentence two. [3, 4]' -> [('Sentence one.', [1]), ('Sentence two.', [2, 3])]
    (zero-based fact indices; citations outside the facts are dropped)."""
    pieces = _CITED.split(reply.replace("\n", " "))
    result = []
    for text, numbers in zip(pieces[0::2], pieces[1::2], strict=False):
        sentence = tidy(text)
        indices = [int(n) - 1 for n in re.findall(r"\d+", numbers) if 0 < int(n) <= fact_count]
        if len(sentence.split()) >= MIN_MODEL_WORDS and sentence.endswith((".", "!", "?")):
            result.append((sentence, indices))
    return result
