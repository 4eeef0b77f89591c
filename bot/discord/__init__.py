"""The Discord front end: slash commands, mentions answered in threads, DMs, a bounded queue, streamed replies.

It is thin on purpose: every answer comes from the same answering service as the CLI. This package only decides
where a question came from, whether it may be queued, and how the answer is shown on Discord. Read it in the
order a question travels: `client` (the bot and what it holds), `cogs` (where questions and commands come in),
`queue` (waiting for a turn), `replies` (showing the answer) and `rendering` (the words and limits).
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import Any

import aiohttp
import discord

from bot.discord.client import MLBot, ShardedMLBot
from bot.discord.cogs import Rebuild
from bot.runtime import AnsweringService, rebuild_service
from bot.settings import Settings

__all__ = [
    "DiscordStartError",
    "MLBot",
    "ShardedMLBot",
    "discord_token",
    "make_client",
    "run",
    "shard_problem",
]

REJECTED_TOKEN_CLOSE_CODE = 4004  # the gateway's "authentication failed"


class DiscordStartError(RuntimeError):
    """The bot could not start (token rejected, intent not enabled, Discord unreachable); one line says why."""


def discord_token(settings: Settings) -> str | None:
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    return token or None


def shard_problem(settings: Settings) -> str | None:
    """Checked before the models load, so a wrong shard range costs one line, not a minute."""
    count, ids = settings.discord_shard_count, settings.discord_shard_ids
    if not settings.discord_sharded:
        return None
    if ids and not count:
        return "MLBOT_DISCORD_SHARD_IDS needs MLBOT_DISCORD_SHARD_COUNT (the total over all processes)"
    if ids and count and any(not 0 <= shard < count for shard in ids):
        return f"MLBOT_DISCORD_SHARD_IDS must lie in 0..{count - 1} for MLBOT_DISCORD_SHARD_COUNT={count}"
    return None


def make_client(
    settings: Settings,
    service: AnsweringService,
    *,
    rebuild: Rebuild | None = None,
    intents: discord.Intents | None = None,
) -> MLBot | ShardedMLBot:
    """The bot for these settings: sharded when `MLBOT_DISCORD_SHARDED` is set, over this process's shards.

    `rebuild` (tests) replaces /reindex's rebuild of the index from these settings' notes."""
    options: dict[str, Any] = {"rebuild": rebuild or partial(rebuild_service, settings), "intents": intents}
    config = settings.discord()
    if not settings.discord_sharded:
        return MLBot(config, service, **options)
    if settings.discord_shard_ids:
        options.update(shard_ids=settings.discord_shard_ids, shard_count=settings.discord_shard_count)
    elif settings.discord_shard_count:
        options.update(shard_count=settings.discord_shard_count)
    return ShardedMLBot(config, service, **options)


async def serve(bot: MLBot | ShardedMLBot, token: str) -> None:
    """Log in first, so a rejected token fails fast and quietly, then hold the gateway connection."""
    try:
        async with bot:  # closes the bot, its cogs and its queue on the way out, whatever happens
            try:
                await bot.login(token)
            except discord.LoginFailure:
                raise DiscordStartError(
                    "Discord rejected the token; check DISCORD_TOKEN (Bot > Reset Token in the developer portal)"
                ) from None
            try:
                await bot.connect(reconnect=True)
            except discord.PrivilegedIntentsRequired:
                raise DiscordStartError(
                    "Discord refused the Message Content intent; enable it under Bot > Privileged Gateway Intents "
                    "in the developer portal"
                ) from None
            except discord.ConnectionClosed as error:
                if error.code == REJECTED_TOKEN_CLOSE_CODE:
                    raise DiscordStartError("Discord rejected the token; check DISCORD_TOKEN") from None
                raise DiscordStartError(f"Discord closed the connection (code {error.code})") from None
    except (discord.GatewayNotFound, discord.HTTPException, aiohttp.ClientError, OSError) as error:
        name = error.__class__.__name__
        raise DiscordStartError(f"cannot reach Discord ({name}); check the network and try again") from None


def configure_logging() -> None:
    """Our own progress at INFO, discord.py only from WARNING: its INFO lines say nothing a user acts on."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"))
    for name, level in (("mlbot", logging.INFO), ("discord", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.handlers.clear()  # the CLI's `mlbot: ...` warning lines would print each warning a second time
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False


def run(settings: Settings, service: AnsweringService, token: str) -> None:
    """Blocking entry point for `mlbot discord`; the token is passed in and never logged."""

    async def main() -> None:
        bot = make_client(settings, service)
        configure_logging()  # after the client exists: its warnings about voice support concern no text bot
        await serve(bot, token)

    asyncio.run(main())
