"""The question queue: who may ask now, the order answers are made in, and the one thread that makes them.

Nothing here knows Discord. Admission is synchronous, so no other question can slip in between the checks and
taking a place; a refusal comes back as data (its kind and numbers), put into words by `rendering`. A single
worker answers one question at a time on one thread: the model is not re-entrant, and the event loop (the
gateway's heartbeat) must never wait on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any, TypeVar

from bot.text import InvalidQuestion, validate_question

log = logging.getLogger("mlbot.discord")

MAX_TRACKED_MEMBERS = 10_000  # beyond this many, members whose cooldown is over are dropped from the map

T = TypeVar("T")


class Cooldown:
    """At most one question per member every `seconds`, and at most one notice about it per window.

    Every attempt counts, an empty or too-long one included: otherwise each would earn a visible reply, and one
    member could make the bot post without limit.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: dict[int, float] = {}
        self._noticed: dict[int, float] = {}  # member -> the window start they were last told about

    def remaining(self, user_id: int) -> float:
        last = self._last.get(user_id)
        return 0.0 if last is None else max(0.0, last + self.seconds - self._clock())

    def start(self, user_id: int) -> None:
        now = self._clock()
        self._last[user_id] = now
        if len(self._last) > MAX_TRACKED_MEMBERS:  # so the maps stay small
            self._last = {uid: t for uid, t in self._last.items() if t + self.seconds > now}
            self._noticed = {uid: t for uid, t in self._noticed.items() if uid in self._last}

    def first_notice(self, user_id: int) -> bool:
        """True once per window: the member hears about the cooldown once, later attempts pass in silence."""
        window = self._last.get(user_id)
        if window is None or self._noticed.get(user_id) == window:
            return False
        self._noticed[user_id] = window
        return True


class RefusalKind(StrEnum):
    INVALID = "invalid"  # empty, too long, or control characters
    COOLDOWN = "cooldown"  # this member asked too recently
    BUSY = "busy"  # every place in the queue is taken


@dataclass(frozen=True)
class Refusal:
    """Why a question was not queued; the front end says so in its own words."""

    kind: RefusalKind
    reason: str = ""  # INVALID: the one-line reason from `validate_question`
    wait_s: float = 0.0  # COOLDOWN: how long this member still has to wait
    limit_s: float = 0.0  # COOLDOWN: one question per this many seconds
    quiet: bool = False  # COOLDOWN: this member was already told in this window; do not post again


@dataclass
class Job:
    """A queued question. `reply` resolves to where the answer goes once that place exists (a new thread takes a
    moment to open, and the question keeps its place in line meanwhile)."""

    question: str
    reply: asyncio.Future = field(repr=False)
    place: int = 0  # 1 means "answered next"


Answerer = Callable[[str, Any], Awaitable[None]]  # (question, where the answer goes) -> the answer has been shown


class QuestionQueue:
    """Bounded, first come first served, with a per-member cooldown; one worker answers on one thread."""

    def __init__(self, size: int, cooldown: Cooldown, max_question_chars: int) -> None:
        self.cooldown = cooldown
        self.max_question_chars = max_question_chars
        self._queue: asyncio.Queue[Job] = asyncio.Queue(maxsize=size)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlbot-answer")
        self._answering = False
        self._worker: asyncio.Task | None = None

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    @property
    def serving(self) -> bool:
        """Whether the worker is running: questions admitted now will be answered."""
        return self._worker is not None and not self._worker.done()

    def admit(self, user_id: int, question: str) -> Job | Refusal:
        """A place in line for the question, or why not. Synchronous on purpose (see the module's docstring).

        Every attempt starts the member's cooldown, an invalid one included; within it, only the first refusal is
        to be shown (`Refusal.quiet` marks the rest)."""
        wait = self.cooldown.remaining(user_id)
        if wait > 0:
            quiet = not self.cooldown.first_notice(user_id)
            return Refusal(RefusalKind.COOLDOWN, wait_s=wait, limit_s=self.cooldown.seconds, quiet=quiet)
        try:
            question = validate_question(question, self.max_question_chars)
        except InvalidQuestion as error:
            self.cooldown.start(user_id)
            return Refusal(RefusalKind.INVALID, reason=str(error))
        job = Job(question, asyncio.get_running_loop().create_future())
        try:
            self._queue.put_nowait(job)
        except asyncio.QueueFull:
            return Refusal(RefusalKind.BUSY)
        self.cooldown.start(user_id)
        job.place = self._queue.qsize() + int(self._answering)
        return job

    def start(self, answer: Answerer) -> None:
        """Serve the queue: `answer` is awaited for each question in turn, once its reply place exists."""
        if not self.serving:
            self._worker = asyncio.get_running_loop().create_task(self._work(answer), name="mlbot-queue")

    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `function` on the answering thread, the only one that may enter the model."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(function, *args, **kwargs))

    async def drain(self) -> None:
        """Wait until every queued question has been answered (tests and shutdown)."""
        await self._queue.join()

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _work(self, answer: Answerer) -> None:
        while True:
            job = await self._queue.get()
            self._answering = True
            try:
                await answer(job.question, await job.reply)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("answering a question failed")
            finally:
                self._answering = False
                self._queue.task_done()
