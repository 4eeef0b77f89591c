"""The Discord adapter under a burst of questions at once, with the real answering service or a fake one.

    .venv/bin/python benchmarks/discord_load.py --service real [--questions 20] [--queue 20]
    .venv/bin/python benchmarks/discord_load.py [--questions 50] [--work sleep|cpu] [--seed 0]   # fake service

Each question is a `/ask` with a fake interaction (no network), from a different member, so no cooldown applies.
`--service real` loads the real models and index with the current settings (MLBOT_* variables apply, e.g.
MLBOT_MODEL_ROLE) and asks distinct questions from tests/data/judged.jsonl. The fake service takes 0.05-0.2 s
per answer: `sleep` stands for a model that releases the GIL (torch does), `cpu` for work that holds it.
Reports answers per second, how many were answered, told busy, or lost (must be 0), p50/p95 from question to
the full answer and to the first answer text shown, and the event-loop stall: the largest gap between ticks of a
100 ms asyncio timer running throughout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.discord import make_client  # noqa: E402
from bot.discord.rendering import BUSY, QUEUED  # noqa: E402
from tests.fakes import FakeInteraction, FakeService, make_settings, slash  # noqa: E402  (the tests' fakes)

COST_S = (0.05, 0.2)  # the fake service's time per answer, drawn uniformly
TICK_S = 0.1
QUIET_BEFORE_S = 0.35  # a few ticks before the burst
QUIET_AFTER_S = 0.25


def real_service():
    """The service `mlbot discord` would run, loaded once before the burst (model loading is not measured)."""
    from bot.runtime import load_service
    from bot.settings import load_settings

    settings, _ = load_settings()
    service = load_service(settings)
    service.answer("What is machine learning?")  # warm-up, then an empty cache for the burst
    service.current.cache = type(service.current.cache)(service.current.cache.size)
    return service


def judged_questions(count: int, distinct: int = 0) -> list[str]:
    """`count` questions from the judged set; with `distinct`, only that many different ones, asked in turn."""
    lines = (ROOT / "tests" / "data" / "judged.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    asked = [record["question"] for record in records if not record.get("history")]
    asked = asked[:distinct] if distinct else asked
    return [asked[i % len(asked)] for i in range(count)]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else 0.0


async def burst(questions: int, queue: int, work: str, seed: int, service=None, distinct: int = 0) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        settings = make_settings(
            Path(folder), discord_queue_size=queue, discord_cooldown_s=5, discord_edit_interval_s=1.0
        )
        real = service is not None
        if service is None:
            service = FakeService(delay=partial(random.Random(seed).uniform, *COST_S), work=work)
        asked = judged_questions(questions, distinct) if real else [f"What is topic {i}?" for i in range(questions)]
        bot = make_client(settings, service)
        await bot.prepare()
        ticks: list[float] = []
        stop = asyncio.Event()

        async def ticker() -> None:
            while not stop.is_set():
                ticks.append(time.perf_counter())
                await asyncio.sleep(TICK_S)

        timer = asyncio.create_task(ticker())
        await asyncio.sleep(QUIET_BEFORE_S)
        interactions = [FakeInteraction(1000 + i) for i in range(questions)]
        ask = slash(bot, "ask")
        started = time.perf_counter()
        await asyncio.gather(*(ask(it, question=q) for q, it in zip(asked, interactions, strict=True)))
        await bot.drain()
        drained = time.perf_counter() - started
        await asyncio.sleep(QUIET_AFTER_S)
        stop.set()
        await timer
        await bot.close()

    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    answered = [it.final for it in interactions if it.final is not None]  # the message with the vote buttons
    busy = [it for it in interactions if it.sent and it.sent[0].get("content") == BUSY]
    waits = [final["at"] - started for final in answered]
    place_notice = QUEUED.split("{", 1)[0]
    first_text = [
        next(s["at"] for s in it.sent if "at" in s and not (s.get("content") or "").startswith(place_notice)) - started
        for it in interactions
        if it.final is not None
    ]
    return {
        "questions": questions,
        "queue": queue,
        "work": "real models" if real else f"fake {work} work of 0.05-0.2 s",
        "answered": len(answered),
        "busy": len(busy),
        "lost": questions - len(answered) - len(busy),
        "answers_per_s": len(answered) / drained if drained else 0.0,
        "p50_answer_s": percentile(waits, 0.5),
        "p95_answer_s": percentile(waits, 0.95),
        "p50_first_text_s": percentile(first_text, 0.5),
        "p95_first_text_s": percentile(first_text, 0.95),
        "drain_s": drained,
        "last_answer_s": max(waits, default=0.0),
        "median_answer_s": statistics.median(waits) if waits else 0.0,
        "max_tick_gap_ms": 1000 * max(gaps, default=0.0),
        "median_tick_gap_ms": 1000 * statistics.median(gaps) if gaps else 0.0,
        "model_entered_at_once": getattr(service, "max_concurrent", 1),  # the real service: its queue's one thread
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--queue", type=int, default=20, help="MLBOT_DISCORD_QUEUE_SIZE")
    parser.add_argument("--work", choices=["sleep", "cpu"], default="sleep")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--service", choices=["fake", "real"], default="fake")
    parser.add_argument("--distinct", type=int, default=0, help="real service: ask only this many different questions")
    args = parser.parse_args()
    service = real_service() if args.service == "real" else None
    result = asyncio.run(burst(args.questions, args.queue, args.work, args.seed, service, args.distinct))
    print(
        f"{result['questions']} questions at once, queue {result['queue']}, {result['work']}:\n"
        f"  answered {result['answered']}, busy {result['busy']}, lost {result['lost']}; "
        f"{result['answers_per_s']:.2f} answers/s\n"
        f"  to the full answer p50 {result['p50_answer_s']:.2f} s, p95 {result['p95_answer_s']:.2f} s; "
        f"to the first answer text p50 {result['p50_first_text_s']:.2f} s, p95 {result['p95_first_text_s']:.2f} s\n"
        f"  queue drained in {result['drain_s']:.2f} s; answers at median {result['median_answer_s']:.2f} s, "
        f"last {result['last_answer_s']:.2f} s\n"
        f"  event loop: largest gap between 100 ms ticks {result['max_tick_gap_ms']:.1f} ms "
        f"(median {result['median_tick_gap_ms']:.1f} ms)\n"
        f"  model entered by {result['model_entered_at_once']} question(s) at once"
    )


if __name__ == "__main__":
    main()
