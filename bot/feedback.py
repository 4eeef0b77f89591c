"""Votes on answers: appended to a JSONL file a curator can read, and summarised by `mlbot feedback`.

A vote keeps what a curator needs to judge the answer (question, answer, sources, vote, time) and nothing about
who voted: no user names or ids are written.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from bot.models import Answer
from bot.text import clip

Vote = Literal["up", "down"]


class VotedSource(BaseModel):
    source: str
    title: str
    score: float


class FeedbackVote(BaseModel):
    """One line of the feedback file."""

    time: datetime
    vote: Vote
    question: str
    answer: str
    refused: bool
    sources: list[VotedSource]


def vote_on(answer: Answer, vote: Vote, now: datetime | None = None) -> FeedbackVote:
    return FeedbackVote(
        time=now or datetime.now(UTC),
        vote=vote,
        question=answer.question,
        answer=answer.answer,
        refused=answer.refused,
        sources=[VotedSource(source=s.source, title=s.title, score=s.score) for s in answer.sources],
    )


class FeedbackLog:
    """Appends whole lines under a lock, so concurrent votes never interleave inside a line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, vote: FeedbackVote) -> None:
        line = vote.model_dump_json() + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(line)


@dataclass
class FeedbackSummary:
    up: int = 0
    down: int = 0
    unreadable: int = 0
    first: datetime | None = None
    last: datetime | None = None
    votes_by_note: dict[str, Counter] = field(default_factory=dict)
    refused_down: int = 0
    recent_down: list[FeedbackVote] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.up + self.down


def summarise(path: Path, recent: int = 5) -> FeedbackSummary:
    """Counts per vote and per cited note, and the latest thumbs-down answers a curator should look at first."""
    summary = FeedbackSummary()
    downs: list[FeedbackVote] = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                vote = FeedbackVote.model_validate(json.loads(line))
            except (ValueError, ValidationError):
                summary.unreadable += 1
                continue
            if vote.vote == "up":
                summary.up += 1
            else:
                summary.down += 1
                downs.append(vote)
                summary.refused_down += vote.refused
            summary.first = min(summary.first or vote.time, vote.time)
            summary.last = max(summary.last or vote.time, vote.time)
            for note in {s.source for s in vote.sources}:
                summary.votes_by_note.setdefault(note, Counter())[vote.vote] += 1
    summary.recent_down = sorted(downs, key=lambda v: v.time)[-recent:][::-1] if recent else []
    return summary


def render(summary: FeedbackSummary, path: Path, top: int = 10) -> str:
    if summary.total == 0:
        note = f" ({summary.unreadable} unreadable lines)" if summary.unreadable else ""
        return f"no votes in {path} yet{note}"
    share = 100 * summary.up / summary.total
    lines = [
        f"{summary.total} votes in {path}: {summary.up} up, {summary.down} down ({share:.0f}% helpful)",
        f"from {summary.first:%Y-%m-%d %H:%M} to {summary.last:%Y-%m-%d %H:%M} UTC",
    ]
    if summary.refused_down:
        lines.append(f"{summary.refused_down} thumbs-down on declined questions (maybe a missing note)")
    if summary.unreadable:
        lines.append(f"{summary.unreadable} unreadable lines skipped")
    worst = sorted(summary.votes_by_note.items(), key=lambda item: (-item[1]["down"], item[1]["up"], item[0]))
    worst = [(note, counts) for note, counts in worst if counts["down"]][:top]
    if worst:
        lines += ["", "notes cited in thumbs-down answers:"]
        lines += [f"  {counts['down']:3} down {counts['up']:3} up  {note}" for note, counts in worst]
    if summary.recent_down:
        lines += ["", "latest thumbs-down:"]
        for vote in summary.recent_down:
            lines.append(f"  {vote.time:%Y-%m-%d %H:%M}  Q: {clip(vote.question, 100)}")
            lines.append(f"  {'':16}  A: {clip(vote.answer, 100)}")
    return "\n".join(lines)
