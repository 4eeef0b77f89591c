"""The index cog: /about from the service's own account of itself, and /reindex for managers and owners, which
swaps in the new index while questions keep being answered."""

from __future__ import annotations

import asyncio
import threading
import time

from bot.discord import make_client
from bot.discord.rendering import NOT_ALLOWED
from bot.models import BuildReport
from tests.discord.harness import slash_bot
from tests.fakes import FakeInteraction, FakeService, assert_no_pings, make_settings, slash


async def test_slash_about_reports_notes_chunks_age_and_model(tmp_path):
    bot = await slash_bot(tmp_path)
    interaction = FakeInteraction()
    await slash(bot, "about")(interaction)
    text = interaction.sent[0]["content"]
    assert "3 notes" in text and "12 chunks" in text and "3 hours ago" in text and "fake-lm" in text
    assert_no_pings(interaction)
    await bot.close()


async def test_slash_reindex_is_for_managers_and_owners_only(tmp_path):
    calls = []

    def rebuild(service):
        calls.append(1)
        return BuildReport(unchanged=["knowledge/a.md"]), None

    bot = make_client(make_settings(tmp_path), FakeService(), rebuild=rebuild)
    await bot.prepare()
    member = FakeInteraction(1)
    await slash(bot, "reindex")(member)
    assert member.sent[0]["content"] == NOT_ALLOWED and member.sent[0]["ephemeral"]
    owner_in_dm = FakeInteraction(4242, guild_id=None)
    await slash(bot, "reindex")(owner_in_dm)
    manager = FakeInteraction(2, manage_guild=True)
    await slash(bot, "reindex")(manager)
    assert len(calls) == 2
    assert "up to date" in manager.shown
    assert_no_pings(manager)
    await bot.close()


async def test_slash_reindex_swaps_the_index_while_answering_goes_on(tmp_path):
    old = FakeService(delay=0.05)
    new = FakeService(notes=4, chunks=15)
    rebuild_started = threading.Event()

    def rebuild(service):
        rebuild_started.set()
        time.sleep(0.3)  # a slow build: questions keep being answered by the old service meanwhile
        return BuildReport(added=["knowledge/new.md"], unchanged=["knowledge/a.md"], chunks_embedded=3), new

    bot = await slash_bot(tmp_path, old, rebuild=rebuild)
    manager = FakeInteraction(2, manage_guild=True)
    reindex = asyncio.create_task(slash(bot, "reindex")(manager))
    assert await asyncio.to_thread(rebuild_started.wait, 5)
    during = FakeInteraction(3)
    await slash(bot, "ask")(during, question="What is dropout?")
    await asyncio.wait_for(bot.drain(), 5)
    assert not reindex.done() and old.questions == ["What is dropout?"]  # answered while rebuilding
    await reindex
    assert "1 added" in manager.shown and "knowledge/new.md" in manager.shown and "4 notes (15 chunks)" in manager.shown
    after = FakeInteraction(4)
    await slash(bot, "ask")(after, question="What is pooling?")
    await asyncio.wait_for(bot.drain(), 5)
    assert new.questions == ["What is pooling?"] and bot.service is new
    await bot.close()
