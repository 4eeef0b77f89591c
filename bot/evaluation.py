"""`mlbot eval`: retrieval recall@k, refusal accuracy and answer survival on JSONL question sets.

Each line is `{"question": "...", "note": "<slug of the note that should answer>"}` or
`{"question": "...", "off_topic": true}` for a question the bot must decline.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError, model_validator


class EvalError(ValueError):
    pass


class EvalQuestion(BaseModel):
    question: str
    note: str | None = None
    off_topic: bool = False

    @model_validator(mode="after")
    def _one_expectation(self) -> EvalQuestion:
        if bool(self.note) == self.off_topic:
            raise ValueError("give either 'note' or 'off_topic': true")
        return self


class EvalResult(BaseModel):
    k: int
    in_scope: int = 0
    off_topic: int = 0
    hits_at_k: int = 0
    answered_in_scope: int = 0
    refused_off_topic: int = 0
    misses: list[str] = []
    wrong_refusals: list[str] = []
    wrong_answers: list[str] = []
    modes: dict[str, int] = {}
    generated_sentences: int = 0
    surviving_sentences: int = 0
    answer_ms: list[float] = []

    @property
    def recall(self) -> float:
        return self.hits_at_k / self.in_scope if self.in_scope else 0.0

    @property
    def refusal_accuracy(self) -> float:
        total = self.in_scope + self.off_topic
        return (self.answered_in_scope + self.refused_off_topic) / total if total else 0.0


Record = TypeVar("Record", bound=BaseModel)


def _load_jsonl(path: Path, record: type[Record]) -> list[Record]:
    """One record per non-blank line; the first bad line is named with its number and what is wrong."""
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(record.model_validate(json.loads(line)))
        except (ValueError, ValidationError) as error:
            message = error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)
            raise EvalError(f"{path}:{number}: {message}") from None
    return records


def load_questions(path: Path) -> list[EvalQuestion]:
    return _load_jsonl(path, EvalQuestion)


def evaluate(service, questions: list[EvalQuestion], k: int = 3, answers: bool = False) -> EvalResult:
    result = EvalResult(k=k)
    for item in questions:
        retrieval = service.retrieve(item.question, top_k=max(k, service.config.retrieval.top_k))
        if item.off_topic:
            result.off_topic += 1
            if retrieval.relevant:
                result.wrong_answers.append(f"{item.question} (evidence {retrieval.evidence:.2f})")
            else:
                result.refused_off_topic += 1
        else:
            result.in_scope += 1
            slugs = [Path(h.chunk.source).stem for h in retrieval.hits[:k]]
            if item.note in slugs:
                result.hits_at_k += 1
            else:
                result.misses.append(f"{item.question} -> expected {item.note}, got {', '.join(slugs)}")
            if retrieval.relevant:
                result.answered_in_scope += 1
            else:
                result.wrong_refusals.append(f"{item.question} (evidence {retrieval.evidence:.2f})")
        if answers:
            answer = service.answer(item.question)
            result.modes[answer.mode] = result.modes.get(answer.mode, 0) + 1
            result.generated_sentences += answer.generated_sentences
            result.surviving_sentences += answer.kept_sentences
            result.answer_ms.append(answer.timings_ms["total"])
    return result


class ConversationTurn(BaseModel):
    question: str
    notes: list[str] = []
    off_topic: bool = False


class EvalConversation(BaseModel):
    id: str
    turns: list[ConversationTurn]


class ConversationResult(BaseModel):
    turns: int = 0
    right: int = 0
    wrong: list[str] = []


def load_conversations(path: Path) -> list[EvalConversation]:
    return _load_jsonl(path, EvalConversation)


def evaluate_conversations(service, conversations: list[EvalConversation]) -> ConversationResult:
    """Each turn in its conversation: right when the answer's first cited note is one the turn allows (or when
    an off-topic turn is declined)."""
    from bot.conversation import Conversation

    result = ConversationResult()
    for item in conversations:
        memory = Conversation(max_turns=service.config.history_turns)
        for turn in item.turns:
            answer = service.answer(turn.question, memory)
            result.turns += 1
            cited = [Path(s.source).stem for s in answer.sources[:1]]
            ok = answer.refused if turn.off_topic else (not answer.refused and bool(set(cited) & set(turn.notes)))
            result.right += ok
            if not ok:
                got = "declined" if answer.refused else ", ".join(cited)
                result.wrong.append(f"{item.id}: {turn.question} -> expected {turn.notes or 'a decline'}, got {got}")
    return result


def render_conversations(result: ConversationResult) -> str:
    share = result.right / result.turns if result.turns else 0.0
    lines = [f"conversation turns answered about the right topic: {result.right}/{result.turns} ({share:.1%})"]
    lines.extend(f"  - {item}" for item in result.wrong)
    return "\n".join(lines)


def render(result: EvalResult) -> str:
    lines = [
        f"questions: {result.in_scope} in scope, {result.off_topic} off-topic",
        f"recall@{result.k}: {result.recall:.3f} ({result.hits_at_k}/{result.in_scope})",
        f"refusal accuracy: {result.refusal_accuracy:.3f} "
        f"(answered {result.answered_in_scope}/{result.in_scope} in scope, "
        f"declined {result.refused_off_topic}/{result.off_topic} off-topic)",
    ]
    if result.modes:
        survival = result.surviving_sentences / result.generated_sentences if result.generated_sentences else 0.0
        lines.append("answer modes: " + ", ".join(f"{m} {n}" for m, n in sorted(result.modes.items())))
        lines.append(
            f"generated sentences kept by the guard: {result.surviving_sentences}/{result.generated_sentences} "
            f"({survival:.1%})"
        )
        lines.append(f"answer time p50: {statistics.median(result.answer_ms):.0f} ms")
    for title, items in (
        ("misses", result.misses),
        ("declined but in scope", result.wrong_refusals),
        ("answered but off-topic", result.wrong_answers),
    ):
        if items:
            lines.append(f"{title}:")
            lines.extend(f"  - {item}" for item in items)
    return "\n".join(lines)
