"""The bot as discord.py sees it: its intents, its sharding, and its four slash commands synced at start."""

from __future__ import annotations

import discord
import pytest

from bot.discord import make_client, shard_problem
from tests.fakes import FakeService, make_settings


async def test_intents_are_only_what_the_bot_needs_and_pings_are_off_by_default(tmp_path):
    intents = make_client(make_settings(tmp_path), FakeService()).intents
    enabled = {name for name, on in intents if on}
    assert enabled == {"guilds", "guild_messages", "dm_messages", "message_content"}
    client = make_client(make_settings(tmp_path), FakeService())
    assert client.allowed_mentions.to_dict() == {"parse": []}  # the default, too


async def test_sharded_setting_uses_the_auto_sharded_client(tmp_path):
    settings = make_settings(tmp_path, discord_sharded=True, discord_shard_count=8, discord_shard_ids=[4, 5])
    client = make_client(settings, FakeService())
    assert isinstance(client, discord.AutoShardedClient)
    assert client.shard_ids == [4, 5] and client.shard_count == 8
    assert not isinstance(make_client(make_settings(tmp_path), FakeService()), discord.AutoShardedClient)
    assert shard_problem(make_settings(tmp_path, discord_sharded=True, discord_shard_ids=[0])) is not None
    assert "0..3" in shard_problem(
        make_settings(tmp_path, discord_sharded=True, discord_shard_count=4, discord_shard_ids=[4])
    )


async def test_all_four_commands_are_registered(tmp_path):
    bot = make_client(make_settings(tmp_path), FakeService())
    await bot.prepare()
    assert sorted(c.name for c in bot.tree.get_commands()) == ["about", "ask", "reindex", "reset"]
    assert [p.name for p in bot.tree.get_command("ask").parameters] == ["question"]
    await bot.close()


@pytest.mark.parametrize("dev_guild", [None, 777])
async def test_commands_sync_on_start_per_guild_when_a_dev_guild_is_set(tmp_path, monkeypatch, dev_guild):
    synced = []

    async def sync(*, guild=None):
        synced.append(guild.id if guild else None)
        return []

    bot = make_client(make_settings(tmp_path, discord_dev_guild_id=dev_guild), FakeService())
    monkeypatch.setattr(bot.tree, "sync", sync)
    await bot.setup_hook()
    assert synced == [dev_guild]
    if dev_guild:
        assert len(bot.tree.get_commands(guild=discord.Object(id=dev_guild))) == 4
    assert bot.queue.serving  # the queue is served from the start
    await bot.close()
    assert not bot.queue.serving  # and stops with the bot


def test_the_discord_front_end_prints_each_warning_once():
    import logging

    from bot.cli_common import show_warnings
    from bot.discord import configure_logging

    loggers = [logging.getLogger(name) for name in ("mlbot", "discord")]
    saved = [(logger, logger.handlers[:], logger.level, logger.propagate) for logger in loggers]
    try:
        show_warnings()  # what `mlbot` does before any command
        configure_logging()  # what `mlbot discord` does next
        assert len(logging.getLogger("mlbot").handlers) == 1
    finally:
        for logger, handlers, level, propagate in saved:
            logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate
