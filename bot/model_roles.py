"""What the language model does in an answer: its role, on top of the quoted plan.

The plan (`plans`) always holds a complete, quoted answer. A role may replace some of its sentences with one
the model wrote; every model sentence passes the grounding guard against the facts it was given, or the
quoted sentences stay. Roles are compared on the judged set (`benchmarks/roles.py`); the default is the one
that judged best, and `MLBOT_MODEL_ROLE` picks another.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from bot.candidates import Candidate
from bot.embedding import Embedder
from bot.generation import Generator, GeneratorUnavailable
from bot.grounding import Fact, GroundingGuard
from bot.text import clean_markdown, split_sentences

SYSTEM_PROMPT = "You rewrite facts about machine learning. Use only the numbered facts. Never add information."
JOIN_INSTRUCTION = "Combine facts [1] and [2] into one sentence that answers the question. Use the facts' own words."
MIN_MODEL_WORDS = 6  # decoding stops at the first sentence end after this many words
SAME_AS_LEAD = 0.9  # a model sentence this close to the lead repeats it
_CITATION = re.compile(r"\s*\[\d+(?:,\s*\d+)*\]")
_SENTENCE_DONE = re.compile(r"(?<!e\.g)(?<!i\.e)[.!?][\"')\]]*\s*$")


@dataclass
class Written:
    """A sentence of the answer: quoted (`units` holds the one candidate) or written by the model from `units`."""

    text: str
    units: list[Candidate]
    generated: bool = False


@dataclass
class RoleReport:
    sentences: list[Written]
    tried: int = 0  # model sentences generated
    kept: int = 0  # ... and kept by the guard


class ModelWriter:
    """Asks the generator for one sentence at a time and checks it; warns once per distinct failure."""

    def __init__(
        self,
        generator: Generator,
        embedder: Embedder,
        guard: GroundingGuard,
        max_new_tokens: int,
        warn: Callable[[str], None],
    ) -> None:
        self.generator = generator
        self.embedder = embedder
        self.guard = guard
        self.max_new_tokens = max_new_tokens
        self._warn = warn
        self._warned: set[str] = set()

    def sentence(self, messages: list[dict[str, str]]) -> str | None:
        """The model's first complete sentence, or None when it wrote none or the generator failed."""
        buffer = ""
        stream: Iterator[str] = self.generator.stream(messages, self.max_new_tokens)
        try:
            for piece in stream:
                buffer += piece
                if _SENTENCE_DONE.search(buffer) and len(buffer.split()) >= MIN_MODEL_WORDS:
                    break
        except GeneratorUnavailable as error:
            if str(error) not in self._warned:  # one line per distinct problem, not one per question
                self._warned.add(str(error))
                self._warn(f"{error}; answering extractively")
            return None
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()
        if not buffer.strip():
            return None
        sentence = _tidy(split_sentences(buffer.replace("\n", " "))[0])
        return sentence if sentence.endswith((".", "!", "?")) else None

    def checked(self, sentence: str, units: list[Candidate]) -> list[int] | None:
        """The indices of the units that support the sentence, or None when the guard rejects it."""
        facts = [Fact(u.text, u.vector, u.chunk_id) for u in units]
        vector = self.embedder.embed([sentence])[0]
        verdict = self.guard.check(sentence, facts, vector)
        return verdict.facts if verdict.supported else None


def quoted(units: list[Candidate], texts: list[str]) -> list[Written]:
    return [Written(text, [unit]) for unit, text in zip(units, texts, strict=True)]


def join_role(writer: ModelWriter, question: str, units: list[Candidate], texts: list[str]) -> RoleReport:
    """(a) The model joins the answer's second and third sentences into one; the lead stays quoted."""
    report = RoleReport(quoted(units, texts))
    if len(units) < 3 or any(u.is_list for u in units[:3]):
        return report
    facts = units[1:3]
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {
            "role": "user",
            "content": f"Facts:\n[1] {facts[0].text}\n[2] {facts[1].text}\n\nQuestion: {question}\n{JOIN_INSTRUCTION}",
        },
    ]
    sentence = writer.sentence(messages)
    if sentence is None:
        return report
    report.tried = 1
    support = writer.checked(sentence, facts)
    if support is None or _repeats(writer, sentence, units[0]):
        return report
    report.kept = 1
    report.sentences[1:3] = [Written(sentence, [facts[i] for i in support], generated=True)]
    return report


ROLES: dict[str, Callable[[ModelWriter, str, list[Candidate], list[str]], RoleReport]] = {
    "join": join_role,
}


def _repeats(writer: ModelWriter, sentence: str, lead: Candidate) -> bool:
    return float(np.dot(writer.embedder.embed([sentence])[0], lead.vector)) >= SAME_AS_LEAD


def _tidy(sentence: str) -> str:
    sentence = _CITATION.sub("", clean_markdown(sentence))
    sentence = re.sub(r"^(answer|response)\s*:\s*", "", sentence, flags=re.I)
    return sentence.strip()
