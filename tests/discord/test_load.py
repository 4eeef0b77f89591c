"""The queue under a burst: every question answered or told busy, in order, one at a time, and the event loop
(the gateway's heartbeat) never stalls."""

from __future__ import annotations

import asyncio
import time

from bot.discord.rendering import BUSY
from tests.discord.harness import slash_bot
from tests.fakes import FakeInteraction, FakeService, slash

TICK_S = 0.1


async def largest_tick_gap(during) -> tuple[float, object]:
    """Run `during` while a 100 ms timer ticks; the largest gap between ticks shows any event-loop stall."""
    ticks: list[float] = []
    stop = asyncio.Event()

    async def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            await asyncio.sleep(TICK_S)

    task = asyncio.create_task(ticker())
    try:
        result = await during
    finally:
        stop.set()
        await task
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    return max(gaps, default=0.0), result


async def test_fifty_questions_at_once_are_all_answered_or_told_busy_and_the_loop_stays_responsive(tmp_path):
    service = FakeService(delay=0.02)
    bot = await slash_bot(tmp_path, service, discord_queue_size=20)
    interactions = [FakeInteraction(user_id=1000 + i) for i in range(50)]

    async def burst():
        ask = slash(bot, "ask")
        await asyncio.gather(*(ask(it, question=f"What is topic {i}?") for i, it in enumerate(interactions)))
        await asyncio.wait_for(bot.drain(), 30)

    gap, _ = await largest_tick_gap(burst())
    answered = [it for it in interactions if it.shown.startswith("This answers:")]
    busy = [it for it in interactions if it.sent[0].get("content") == BUSY]
    assert len(answered) + len(busy) == 50  # none lost
    assert 20 <= len(answered) <= 21  # the queue's 20 places (+1 if the first was taken up before the rest came)
    assert service.max_concurrent == 1  # the model is never entered twice
    assert service.questions == [f"What is topic {i}?" for i in range(len(answered))]  # in order
    assert gap < 0.25, f"event loop stalled for {gap:.3f}s"
    await bot.close()
