"""Fixtures for the Discord tests: payload recording, and closing the dpytest bots each test starts."""

from __future__ import annotations

import discord.ext.test as dpytest
import pytest

from tests.discord.harness import stop
from tests.fakes import record_payloads


@pytest.fixture
def payloads(monkeypatch) -> list[dict]:
    """Every message payload the bot builds (sends and edits), to check allowed_mentions on each."""
    return record_payloads(monkeypatch)


@pytest.fixture
async def running():
    """The dpytest bots a test starts, closed afterwards (their queues' workers and threads with them)."""
    bots = []
    yield bots
    for bot in bots:
        await stop(bot)
    await dpytest.empty_queue()
