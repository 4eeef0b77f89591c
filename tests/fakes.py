"""Fakes for driving the Discord bot without a network or a model, shared by tests/discord and
benchmarks/discord_load.py: an answering service with the real one's contract, slash-command interactions that
record what the member would see, and a recorder of every message payload the bot builds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Literal

import discord

from bot.conversation import Conversation, Turn, standalone_question
from bot.models import About, Answer, AnswerSentence, Source
from bot.settings import Settings
from bot.text import validate_question

OFF_TOPIC_DECLINE = "Sorry, I can only help with machine learning and deep learning."
FAKE_MAX_QUESTION_CHARS = 1000
GATE_TIMEOUT_S = 10
CPU_WORK_CHUNK = 200  # a pure-Python loop this long between clock reads holds the GIL throughout


# --- the answering service -----------------------------------------------------------------------------------------


class FakeService:
    """Answers instantly, after `delay` seconds (a number, or a function drawing one per answer), or when `gate`
    opens, resolving follow-ups like the real one. `work="cpu"` spends the delay holding the GIL (pure-Python
    work) instead of sleeping (as torch does)."""

    def __init__(
        self,
        delay: float | Callable[[], float] = 0.0,
        gate: threading.Event | None = None,
        *,
        work: Literal["sleep", "cpu"] = "sleep",
        notes: int = 3,
        chunks: int = 12,
        built_at: datetime | None = None,
    ) -> None:
        self.delay = delay
        self.gate = gate
        self.work = work
        self.notes, self.chunks = notes, chunks
        self.built_at = built_at or datetime.now(UTC) - timedelta(hours=3)
        self.questions: list[str] = []
        self.concurrent = 0
        self.max_concurrent = 0
        self._lock = threading.Lock()

    def about(self) -> About:
        return About(
            notes=self.notes,
            chunks=self.chunks,
            built_at=self.built_at,
            embedder="fake-hash",
            model="fake-lm",
            role="off",
        )

    def answer(self, question: str, conversation: Conversation | None = None, on_text=None) -> Answer:
        with self._lock:
            self.concurrent += 1
            self.max_concurrent = max(self.max_concurrent, self.concurrent)
        try:
            return self._answer(question, conversation, on_text)
        finally:
            with self._lock:
                self.concurrent -= 1

    def _answer(self, question, conversation, on_text) -> Answer:
        question = validate_question(question, FAKE_MAX_QUESTION_CHARS)
        if self.gate is not None:
            self.gate.wait(timeout=GATE_TIMEOUT_S)
        self._spend(self.delay() if callable(self.delay) else self.delay)
        self.questions.append(question)
        standalone = standalone_question(question, conversation, lambda phrase: False)
        if "capital" in question.lower():
            if on_text:
                on_text(OFF_TOPIC_DECLINE)
            return Answer(question=question, standalone_question=standalone, answer=OFF_TOPIC_DECLINE, refused=True)
        source = Source(
            id="c1",
            source="knowledge/dropout.md",
            title="Dropout > How dropout works",
            score=0.71,
            text="Dropout randomly zeroes activations during training. It reduces overfitting.",
        )
        if "long" in question:
            texts = [f"Sentence {i} is a long sentence about regularisation. " + "word " * 40 for i in range(30)]
            texts = [" ".join(t.split()) + "." for t in texts]
        else:
            texts = [f"This answers: {standalone}.", "Dropout randomly zeroes activations during training."]
        sentences = [AnswerSentence(text=t, source_ids=["c1"], generated=i == 0) for i, t in enumerate(texts)]
        for sentence in sentences:
            if on_text:
                on_text(sentence.text)
        if conversation is not None:
            previous = conversation.last_topic()
            followup = standalone != question and previous is not None
            topic = previous.topic if followup else question.removeprefix("What is ").rstrip("?")
            conversation.add(Turn(question, standalone, topic))
        return Answer(
            question=question,
            standalone_question=standalone,
            answer=" ".join(texts),
            refused=False,
            sentences=sentences,
            sources=[source],
        )

    def _spend(self, seconds: float) -> None:
        if seconds <= 0:
            return
        if self.work == "sleep":
            time.sleep(seconds)
            return
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            sum(i * i for i in range(CPU_WORK_CHUNK))


def make_settings(folder: Path, **overrides) -> Settings:
    """Settings for a bot under test: no .env, no cooldown, quick edits, votes written under `folder`."""
    values = dict(
        feedback_file=folder / "feedback.jsonl",
        discord_cooldown_s=0,
        discord_edit_interval_s=0.2,
        discord_queue_size=20,
        discord_owner_ids=[4242],
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)


# --- slash commands ------------------------------------------------------------------------------------------------


class FakeResponse:
    def __init__(self, interaction: FakeInteraction) -> None:
        self.interaction = interaction
        self.done = False

    def is_done(self) -> bool:
        return self.done

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> None:
        self.done = True
        self.interaction.sent.append({"kind": "defer", "ephemeral": ephemeral, "thinking": thinking})

    async def send_message(self, content=None, **kwargs) -> None:
        self.done = True
        self.interaction.sent.append({"kind": "send", "content": content, **kwargs})


class FakeFollowup:
    def __init__(self, interaction: FakeInteraction) -> None:
        self.interaction = interaction

    async def send(self, content=None, **kwargs):
        self.interaction.sent.append({"kind": "followup", "at": time.perf_counter(), "content": content, **kwargs})
        return SimpleNamespace(id=len(self.interaction.sent))


class FakeInteraction:
    """What a slash command callback uses of discord.Interaction; records everything it is asked to show."""

    def __init__(self, user_id: int = 1, *, guild_id: int | None = 10, channel_id: int = 20, manage_guild=False):
        self.user = SimpleNamespace(id=user_id, name=f"user{user_id}")
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.channel = SimpleNamespace(id=channel_id)
        self.permissions = discord.Permissions(manage_guild=manage_guild)
        self.sent: list[dict] = []
        self.response = FakeResponse(self)
        self.followup = FakeFollowup(self)

    async def edit_original_response(self, **kwargs):
        self.sent.append({"kind": "edit", "at": time.perf_counter(), **kwargs})
        return SimpleNamespace(id=0)

    @property
    def shown(self) -> str:
        """What the member sees in the response now."""
        edits = [s for s in self.sent if s["kind"] in ("edit", "send")]
        return edits[-1].get("content") or "" if edits else ""

    @property
    def final(self) -> dict | None:
        """The message that completed the answer: the one carrying the vote buttons (None before that)."""
        return next((s for s in reversed(self.sent) if s.get("view") is not None), None)


def slash(bot, name: str):
    """The slash command `name` as discord.py would call it, bound to its cog: `slash(bot, "ask")(interaction, ...)`."""
    command = bot.tree.get_command(name)
    return partial(command.callback, command.binding)


def assert_no_pings(interaction: FakeInteraction) -> None:
    for sent in interaction.sent:
        if sent["kind"] != "defer":
            assert sent["allowed_mentions"].to_dict() == {"parse": []}, sent


# --- message payloads ----------------------------------------------------------------------------------------------


def record_payloads(monkeypatch) -> list[dict]:
    """Every message payload the bot builds from now on (sends and edits), to check allowed_mentions on each."""
    recorded: list[dict] = []
    original = discord.http.handle_message_parameters

    def recording(*args, **kwargs):
        params = original(*args, **kwargs)
        recorded.append(dict(params.payload or {}))
        return params

    for module in (discord.abc, discord.message, discord.channel):
        monkeypatch.setattr(module, "handle_message_parameters", recording)
    return recorded
