"""The bot: a `commands.Bot` (or, sharded, a `commands.AutoShardedBot`) holding what its cogs share.

The state lives here (its config, the answering service, conversation memory, the queue, the feedback log); the
behaviour lives in the cogs. Both bot classes are the same mixin over discord.py's two bases.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord.ext import commands

from bot.configs import DiscordConfig
from bot.conversation import ConversationMemory
from bot.discord.cogs import IndexCog, QuestionsCog, Rebuild
from bot.discord.queue import Cooldown, QuestionQueue
from bot.discord.rendering import NO_PINGS
from bot.discord.replies import FeedbackView
from bot.feedback import FeedbackLog
from bot.runtime import AnsweringService

log = logging.getLogger("mlbot.discord")

NO_PREFIX = ()  # no prefix commands: questions are plain messages, commands are slash commands


def bot_intents() -> discord.Intents:
    """Only the intents it needs: guilds (threads, channels), guild and DM messages, and message content so that
    follow-ups in the bot's threads work without mentioning it again."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = True
    return intents


class _MLBotMixin:
    """Wires discord.py to the answering service. `prepare` adds the cogs; `setup_hook` also syncs the commands."""

    def __init__(
        self,
        config: DiscordConfig,
        service: AnsweringService,
        *,
        rebuild: Rebuild,
        intents: discord.Intents | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            command_prefix=NO_PREFIX,
            help_command=None,
            intents=intents or bot_intents(),
            allowed_mentions=NO_PINGS,
            **options,
        )
        self.config = config
        self.service = service  # replaced whole by /reindex: a question already being answered keeps the old one
        self.memory = ConversationMemory(config.history_turns, config.memory_ttl_s)
        cooldown = Cooldown(config.cooldown_s)
        self.queue = QuestionQueue(config.queue_size, cooldown, config.max_question_chars)
        self.feedback = FeedbackLog(config.feedback_file)
        self.rebuild = rebuild

    async def setup_hook(self) -> None:
        await self.prepare()
        await self.sync_commands()

    async def prepare(self) -> None:
        """Everything short of talking to Discord: the cogs, and with the questions cog the queue's worker."""
        await self.add_cog(QuestionsCog(self))
        await self.add_cog(IndexCog(self))
        self.add_view(FeedbackView.persistent(self.feedback))  # old answers' vote buttons, also after a restart

    async def sync_commands(self) -> None:
        guild_id = self.config.dev_guild_id
        try:
            if guild_id:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("synced %d slash commands to guild %d", len(synced), guild_id)
            else:
                synced = await self.tree.sync()
                log.info("synced %d slash commands globally (new ones can take a while to appear)", len(synced))
        except discord.HTTPException as error:
            log.warning("could not sync slash commands (%s); mentions and DMs still work", error)

    async def on_ready(self) -> None:
        log.info("connected as %s to %d servers; stop with Ctrl-C", self.user, len(self.guilds))

    async def on_message(self, message: discord.Message, /) -> None:
        """Replaces `commands.Bot`'s prefix-command parsing; the questions cog listens to messages itself."""

    async def drain(self) -> None:
        """Wait until every queued question has been answered (tests and shutdown)."""
        await self.queue.drain()


class MLBot(_MLBotMixin, commands.Bot):
    """One gateway connection."""


class ShardedMLBot(_MLBotMixin, commands.AutoShardedBot):
    """Several shards in one process (`MLBOT_DISCORD_SHARDED`): the same bot, on discord.py's sharded base."""
