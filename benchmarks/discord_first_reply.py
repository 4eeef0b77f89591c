"""Time from a mention to the bot's first visible reply, with the real models, through dpytest (no network).

    .venv/bin/python benchmarks/discord_first_reply.py [--questions 10]

Each question is a fresh mention in a channel; the clock stops when the first message appears in the thread
the bot opens (the answer's first sentence), and again when the answer is complete.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import discord.ext.test as dpytest  # noqa: E402

from bot.runtime import load_service  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.discord.harness import bot_messages, bot_threads, mention, start, stop  # noqa: E402  (dpytest harness)


async def measure(questions: list[str]) -> tuple[list[float], list[float]]:
    service = load_service(Settings())
    service.answer(questions[0])  # warm-up, as a running bot would be
    first, complete = [], []
    with tempfile.TemporaryDirectory() as scratch:
        bot = await start(Path(scratch), service, discord_edit_interval_s=0.2)
        channel = dpytest.get_config().channels[0]
        try:
            for question in questions:
                threads_before = len(bot_threads(bot))
                started = time.perf_counter()
                task = asyncio.create_task(dpytest.message(mention(bot, question), channel=channel))
                while True:
                    threads = bot_threads(bot)
                    if len(threads) > threads_before and bot_messages(threads[-1]):
                        first.append(time.perf_counter() - started)
                        break
                    await asyncio.sleep(0.005)
                await task
                await bot.drain()
                complete.append(time.perf_counter() - started)
        finally:
            await stop(bot)
    return first, complete


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=10)
    args = parser.parse_args()
    lines = (ROOT / "tests" / "data" / "golden.jsonl").read_text().splitlines()
    questions = [json.loads(line)["question"] for line in lines[:: max(1, len(lines) // args.questions)]]
    first, complete = asyncio.run(measure(questions[: args.questions]))
    print(
        f"mention -> first visible reply: median {statistics.median(first) * 1000:.0f} ms, "
        f"max {max(first) * 1000:.0f} ms"
    )
    print(f"mention -> complete answer:     median {statistics.median(complete) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
