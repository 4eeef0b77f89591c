"""The Discord adapter under a burst: 50 questions at once, a fake answering service, no network.

    .venv/bin/python benchmarks/discord_load.py [--questions 50] [--queue 20] [--work sleep|cpu] [--seed 0]

Each question is a `/ask` with a fake interaction, from a different member (so no cooldown applies). The fake
service takes 0.05-0.2 s per answer: `sleep` stands for a model that releases the GIL (torch does), `cpu` for
pure-Python work that holds it. Reports how many were answered, told busy, or lost (must be 0), the time to
drain the queue, the wait of the last answered question, and the event-loop stall: the largest gap between
ticks of a 100 ms asyncio timer running throughout.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import discord  # noqa: E402

from bot.discord_bot import BUSY, MLBot  # noqa: E402
from bot.models import Answer, AnswerSentence, Source  # noqa: E402
from bot.settings import Settings  # noqa: E402


class FakeService:
    """The answering service's contract with a realistic, random cost per answer."""

    def __init__(self, work: str, seed: int) -> None:
        self.work = work
        self.random = random.Random(seed)
        self.generator = SimpleNamespace(name="fake")
        self.active = 0
        self.most_active = 0
        self._lock = threading.Lock()

    def answer(self, question, conversation=None, on_text=None) -> Answer:
        with self._lock:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        try:
            cost = self.random.uniform(0.05, 0.2)
            sentences = [f"An answer to {question}", "It cites one note."]
            for sentence in sentences:
                self._spend(cost / len(sentences))
                if on_text:
                    on_text(sentence)
            source = Source(id="c1", source="knowledge/x.md", title="X", score=0.7, text="X is a thing.")
            return Answer(
                question=question,
                standalone_question=question,
                answer=" ".join(sentences),
                refused=False,
                sentences=[AnswerSentence(text=s, source_ids=["c1"], generated=False) for s in sentences],
                sources=[source],
            )
        finally:
            with self._lock:
                self.active -= 1

    def _spend(self, seconds: float) -> None:
        if self.work == "sleep":
            time.sleep(seconds)
            return
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            sum(i * i for i in range(200))


class FakeInteraction:
    """Records what the member would see; `finished_at` marks the final answer."""

    def __init__(self, user_id: int) -> None:
        self.user = SimpleNamespace(id=user_id)
        self.guild_id = 1
        self.channel_id = 2
        self.channel = SimpleNamespace(id=2)
        self.permissions = discord.Permissions.none()
        self.refusal: str | None = None
        self.answer: str | None = None
        self.finished_at: float | None = None
        self.response = SimpleNamespace(defer=self._defer, send_message=self._send_message)
        self.followup = SimpleNamespace(send=self._followup)

    async def _defer(self, **_) -> None:
        pass

    async def _send_message(self, content=None, **_) -> None:
        self.refusal = content

    async def _followup(self, content=None, **_):
        return SimpleNamespace(id=0)

    async def edit_original_response(self, content=None, view=None, **_):
        if view is not None:  # the final edit carries the feedback buttons
            self.answer, self.finished_at = content, time.perf_counter()
        return SimpleNamespace(id=0)


async def burst(questions: int, queue: int, work: str, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,
            feedback_file=Path(folder) / "feedback.jsonl",
            discord_queue_size=queue,
            discord_cooldown_s=5,
            discord_edit_interval_s=1.0,
        )
        service = FakeService(work, seed)
        bot = MLBot(settings, service)
        bot.start_worker()
        ticks: list[float] = []
        stop = asyncio.Event()

        async def ticker() -> None:
            while not stop.is_set():
                ticks.append(time.perf_counter())
                await asyncio.sleep(0.1)

        timer = asyncio.create_task(ticker())
        await asyncio.sleep(0.35)  # a few ticks before the burst
        interactions = [FakeInteraction(1000 + i) for i in range(questions)]
        ask = bot.tree.get_command("ask").callback
        started = time.perf_counter()
        await asyncio.gather(*(ask(it, question=f"What is topic {i}?") for i, it in enumerate(interactions)))
        await bot.drain()
        drained = time.perf_counter() - started
        await asyncio.sleep(0.25)
        stop.set()
        await timer
        await bot.close()

    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    answered = [it for it in interactions if it.answer]
    busy = [it for it in interactions if it.refusal == BUSY]
    waits = [it.finished_at - started for it in answered]
    return {
        "questions": questions,
        "queue": queue,
        "work": work,
        "answered": len(answered),
        "busy": len(busy),
        "lost": questions - len(answered) - len(busy),
        "drain_s": drained,
        "last_answer_s": max(waits, default=0.0),
        "median_answer_s": statistics.median(waits) if waits else 0.0,
        "max_tick_gap_ms": 1000 * max(gaps, default=0.0),
        "median_tick_gap_ms": 1000 * statistics.median(gaps) if gaps else 0.0,
        "model_entered_at_once": service.most_active,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--queue", type=int, default=20, help="MLBOT_DISCORD_QUEUE_SIZE")
    parser.add_argument("--work", choices=["sleep", "cpu"], default="sleep")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    result = asyncio.run(burst(args.questions, args.queue, args.work, args.seed))
    print(
        f"{result['questions']} questions at once, queue {result['queue']}, {result['work']} work of 0.05-0.2 s:\n"
        f"  answered {result['answered']}, busy {result['busy']}, lost {result['lost']}\n"
        f"  queue drained in {result['drain_s']:.2f} s; answers at median {result['median_answer_s']:.2f} s, "
        f"last {result['last_answer_s']:.2f} s\n"
        f"  event loop: largest gap between 100 ms ticks {result['max_tick_gap_ms']:.1f} ms "
        f"(median {result['median_tick_gap_ms']:.1f} ms)\n"
        f"  model entered by {result['model_entered_at_once']} question(s) at once"
    )


if __name__ == "__main__":
    main()
