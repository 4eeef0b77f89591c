"""What the language model does in an answer: its role, on top of the quoted plan.

The plan (`plans`) always holds a complete, quoted answer, and its lead is shown before the model starts.
A role may then change the rest: replace sentences with ones the model wrote (every model sentence passes the
grounding guard against the facts it used, or the quoted sentences stay), or reorder the candidates the plan
chooses from. Roles are compared on the judged set (`benchmarks/roles.py`); `MLBOT_MODEL_ROLE` picks one.

- join (a): the model joins the answer's second and third sentences into one;
- lead (b): the model writes the first sentence from the plan's facts (shown only once it passed the guard);
- rerank (c): the model scores how likely each candidate makes the question (log P(question | sentence)),
  and the plan is made again with that score added;
- compose (d), in `composer_role`: a LoRA-tuned model continues the answer after the quoted lead, citing facts.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bot.candidates import Candidate
from bot.composer_role import compose_role
from bot.generation import GeneratorUnavailable
from bot.model_writer import ModelWriter, RoleInput, RoleReport, Written, numbered, quoted

SYSTEM_PROMPT = "You rewrite facts about machine learning. Use only the numbered facts. Never add information."
JOIN_INSTRUCTION = "Combine facts [1] and [2] into one sentence that answers the question. Use the facts' own words."
LEAD_INSTRUCTION = "Write one sentence that directly answers the question, using only the facts' own words."
RERANK_CANDIDATES = 10  # candidates the reranker scores: the plan's best by score
RERANK_WEIGHT = 0.05  # score added per standard deviation of the question's log-likelihood


def _written_from(
    writer: ModelWriter, question: str, facts: list[Candidate], instruction: str, report: RoleReport, avoid=None
) -> Written | None:
    """One sentence the model writes from `facts`, kept only when the guard finds each clause in them (and it
    does not repeat `avoid`); a rejected sentence is recorded in the report with its facts."""
    content = f"Facts:\n{numbered([f.text for f in facts])}\n\nQuestion: {question}\n{instruction}"
    sentence = writer.sentence([{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": content}])
    if sentence is None:
        return None
    report.tried = 1
    vector = writer.embed(sentence)
    support = writer.checked(sentence, vector, facts)
    if support is None or (avoid is not None and writer.repeats(vector, avoid)):
        report.rejected.append((sentence, [f.text for f in facts]))
        return None
    report.kept = 1
    return Written(sentence, [facts[i] for i in support], generated=True)


def join_role(writer: ModelWriter, given: RoleInput) -> RoleReport:
    """(a) The model joins the answer's second and third sentences into one; the lead stays quoted."""
    units = given.units
    report = RoleReport(quoted(units, given.texts))
    if len(units) < 3 or any(u.is_list for u in units[:3]):
        return report
    written = _written_from(writer, given.question, units[1:3], JOIN_INSTRUCTION, report, avoid=units[0])
    if written is not None:
        report.sentences[1:3] = [written]
    return report


def lead_role(writer: ModelWriter, given: RoleInput) -> RoleReport:
    """(b) The model writes the answer's first sentence from the plan's facts; the quoted lead is the fallback."""
    units = given.units
    report = RoleReport(quoted(units, given.texts))
    facts = [u for u in units if not u.is_list][:3]
    if not facts or units[0].is_list:
        return report
    written = _written_from(writer, given.question, facts, LEAD_INSTRUCTION, report)
    if written is None:
        return report
    used = {id(unit) for unit in written.units}
    report.sentences = [written, *(w for w in report.sentences if id(w.units[0]) not in used)]
    return report


def rerank_role(writer: ModelWriter, given: RoleInput) -> RoleReport:
    """(c) The model scores the best candidates by how likely each makes the question; the plan is made again.

    Zero-shot, as question-generation rerankers do: log P(question | "Passage: <sentence>"), per token, so a
    sentence that answers the question predicts it well. The plan keeps its lead when the new scores agree.
    """
    scorer = getattr(writer.generator, "log_likelihoods", None)
    if scorer is None:
        writer.unavailable(GeneratorUnavailable("the reranker needs the local lean engine"))
        return RoleReport(quoted(given.units, given.texts))
    pool = sorted((c for c in given.candidates if c.standalone), key=lambda c: c.score, reverse=True)
    pool = pool[:RERANK_CANDIDATES]
    if len(pool) < 2:
        return RoleReport(quoted(given.units, given.texts))
    pairs = [(f"Passage: {_flat(c)}\nA question this passage answers:", f" {given.question}") for c in pool]
    scores = scorer(pairs)
    if scores is None:
        return RoleReport(quoted(given.units, given.texts))
    spread = float(np.std(scores)) or 1.0
    mean = float(np.mean(scores))
    for candidate, value in zip(pool, scores, strict=True):
        candidate.score += RERANK_WEIGHT * (value - mean) / spread
    lead = given.units[0]  # already shown: the reranking chooses what follows it
    lead.score = max(c.score for c in given.candidates) + 1.0
    units = given.replan(given.candidates)
    if not units or units[0] is not lead:
        units = [lead, *[u for u in units if u is not lead]]
    return RoleReport(quoted(units, given.render(units)))


ROLES: dict[str, Callable[[ModelWriter, RoleInput], RoleReport]] = {
    "join": join_role,
    "lead": lead_role,
    "rerank": rerank_role,
    "compose": compose_role,
}


def _flat(candidate: Candidate) -> str:
    return f"{candidate.text} {'; '.join(candidate.items)}".strip()
