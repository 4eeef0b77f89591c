"""The queue on its own: admission returns refusals as data, cooldowns count down, and it knows nothing of
Discord."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest

import bot.discord.queue as queue_module
from bot.discord.queue import Cooldown, Job, QuestionQueue, Refusal, RefusalKind


def test_cooldown_counts_down():
    now = [100.0]
    cooldown = Cooldown(5, clock=lambda: now[0])
    assert cooldown.remaining(1) == 0
    cooldown.start(1)
    now[0] = 102.0
    assert cooldown.remaining(1) == pytest.approx(3.0) and cooldown.remaining(2) == 0


async def test_admission_gives_places_in_line_or_a_refusal_with_its_numbers():
    now = [0.0]
    questions = QuestionQueue(size=2, cooldown=Cooldown(10, clock=lambda: now[0]), max_question_chars=20)
    first = questions.admit(1, "  What is   dropout? ")
    assert isinstance(first, Job) and first.question == "What is dropout?" and first.place == 1
    assert questions.admit(1, "What is pooling?") == Refusal(RefusalKind.COOLDOWN, wait_s=10.0, limit_s=10)
    too_long = questions.admit(2, "x" * 21)
    assert too_long.kind is RefusalKind.INVALID and "limit is 20" in too_long.reason
    now[0] = 10.0
    assert questions.admit(2, "What is a CNN?").place == 2
    assert questions.admit(3, "What is an RNN?") == Refusal(RefusalKind.BUSY)
    assert questions.waiting == 2
    await questions.close()


async def test_the_worker_answers_in_order_once_each_reply_place_exists():
    questions = QuestionQueue(size=5, cooldown=Cooldown(0), max_question_chars=100)
    shown: list[tuple[str, str]] = []

    async def answer(question, reply):
        shown.append((question, await questions.run(str.upper, reply)))

    questions.start(answer)
    jobs = [questions.admit(user, f"question {user}") for user in range(3)]
    jobs[1].reply.set_result("b")
    jobs[0].reply.set_result("a")  # the first keeps its place while its thread is being opened
    jobs[2].reply.set_result("c")
    await asyncio.wait_for(questions.drain(), 5)
    assert shown == [("question 0", "A"), ("question 1", "B"), ("question 2", "C")]
    await questions.close()
    assert not questions.serving


def test_the_queue_module_does_not_import_discord():
    tree = ast.parse(Path(queue_module.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name == "discord" or name.startswith("discord.") for name in imported), imported


async def test_a_burst_gets_one_notice_per_window_and_every_attempt_counts():
    """Fifteen mentions in five seconds: one answer, one notice, and silence for the rest of the window. Empty or
    too-long questions start the cooldown too, or a member could make the bot post without limit."""
    now = [0.0]
    questions = QuestionQueue(size=20, cooldown=Cooldown(10, clock=lambda: now[0]), max_question_chars=50)
    outcomes = []
    for attempt in range(15):
        now[0] = attempt / 3
        outcomes.append(questions.admit(1, "What is dropout?"))
    shown = [o for o in outcomes if not (isinstance(o, Refusal) and o.quiet)]
    assert isinstance(shown[0], Job) and len(shown) == 2 and shown[1].kind is RefusalKind.COOLDOWN
    now[0] = 10.0  # a new window: a new notice is allowed
    empties = [questions.admit(1, " ") for _ in range(5)]
    assert empties[0].kind is RefusalKind.INVALID
    assert [e.quiet for e in empties[1:]] == [False, True, True, True]  # one cooldown notice, then silence
    await questions.close()
