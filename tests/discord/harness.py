"""How the tests (and benchmarks/discord_first_reply.py) drive the bot: messages through dpytest, which plays
Discord's side of the gateway, and slash commands through their callbacks with fake interactions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import discord
import discord.ext.test as dpytest
from discord.ext.test import backend
from discord.ext.test import factories as dpytest_factories

from bot.discord import MLBot, make_client
from bot.discord.client import bot_intents
from tests.fakes import FakeService, make_settings

DRAIN_TIMEOUT_S = 10


# --- messages, through dpytest ---------------------------------------------------------------------------------------


def add_thread_support(client: discord.Client) -> None:
    """dpytest 0.7 cannot open threads; this does what Discord does: a thread owned by the bot, cached in its guild."""

    async def start_thread_with_message(channel_id, message_id, *, name, auto_archive_duration, **_):
        state = client._connection
        parent = client.get_channel(channel_id)
        data = {
            "id": dpytest_factories.make_id(),
            "guild_id": parent.guild.id,
            "parent_id": channel_id,
            "owner_id": client.user.id,
            "name": name,
            "type": discord.ChannelType.public_thread.value,
            "message_count": 0,
            "member_count": 1,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": auto_archive_duration,
                "archive_timestamp": datetime.now(UTC).isoformat(),
            },
        }
        parent.guild._add_thread(discord.Thread(guild=parent.guild, state=state, data=data))
        return data

    client.http.start_thread_with_message = start_thread_with_message


def dpytest_intents() -> discord.Intents:
    """The bot's own intents, plus members: dpytest finds mentioned members in the member cache."""
    intents = bot_intents()
    intents.members = True
    return intents


async def start(tmp_path: Path, service, members: int = 3, **overrides) -> MLBot:
    """A bot connected to dpytest's fake guild, with its cogs loaded and its queue served."""
    bot = make_client(make_settings(tmp_path, **overrides), service, intents=dpytest_intents())
    await bot._async_setup_hook()
    dpytest.configure(bot, members=members)
    bot._connection.loop = asyncio.get_running_loop()  # dpytest's state misses it; typing() needs it
    add_thread_support(bot)
    await bot.prepare()
    return bot


async def stop(bot: MLBot) -> None:
    """Close a dpytest bot: its cogs, its queue, and the client."""
    bot.ws = None  # dpytest's fake gateway has no socket to close (asking whether it is open would fail)
    await bot.close()


async def settle(bot: MLBot) -> None:
    await asyncio.wait_for(bot.drain(), timeout=DRAIN_TIMEOUT_S)
    await dpytest.run_all_events()


def bot_messages(channel) -> list[dict]:
    """The bot's messages in a channel as Discord would now show them (edits applied)."""
    me = str(dpytest.get_config().client.user.id)
    return [m for m in backend._cur_config.messages.get(channel.id, []) if str(m["author"]["id"]) == me]


def bot_threads(bot: MLBot) -> list[discord.Thread]:
    return [t for g in bot.guilds for t in g.threads if t.owner_id == bot.user.id]


def mention(bot: MLBot, text: str) -> str:
    return f"<@{bot.user.id}> {text}"


# --- slash commands, through their callbacks ----------------------------------------------------------------------


async def ask_by_mention(bot: MLBot, text: str, channel=0) -> discord.Thread:
    """Mention the bot with a question (in dpytest's first channel unless told), let it answer, and return the
    one thread it opened."""
    await dpytest.message(mention(bot, text), channel=channel)
    await settle(bot)
    (thread,) = bot_threads(bot)
    return thread


async def slash_bot(tmp_path: Path, service=None, rebuild=None, **overrides) -> MLBot:
    """A bot that is never connected: its commands are called directly with fake interactions."""
    extra = {"rebuild": rebuild} if rebuild else {}
    bot = make_client(make_settings(tmp_path, **overrides), service or FakeService(), **extra)
    await bot.prepare()
    return bot
