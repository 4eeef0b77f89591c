"""The bot's commands, as two cogs: questions (mentions, DMs, follow-ups, /ask, /reset) and the index (/about,
/reindex).

A question's path: `QuestionsCog.on_message` or `/ask` takes a place in the queue and decides where the answer
goes; when its turn comes the queue calls `QuestionsCog.answer`, which makes the answer on the queue's thread and
has `replies.deliver` show it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Hashable
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.ext import commands

from bot.configs import DiscordConfig
from bot.conversation import ConversationMemory
from bot.discord.queue import QuestionQueue, Refusal
from bot.discord.rendering import (
    FORGOTTEN,
    NO_PINGS,
    NOT_ALLOWED,
    NOTHING_TO_FORGET,
    QUEUED,
    REBUILD_CRASHED,
    REBUILD_FAILED,
    REBUILD_RUNNING,
    about_text,
    clip_message,
    refusal_text,
    reindex_report,
    thread_name,
)
from bot.discord.replies import ChannelReply, InteractionReply, Reply, deliver
from bot.feedback import FeedbackLog
from bot.index import IndexUnavailable
from bot.models import BuildReport
from bot.runtime import AnsweringService

log = logging.getLogger("mlbot.discord")

THREAD_ARCHIVE_MINUTES = 1440  # a question's thread is archived after a day without messages

# Builds the index from the notes for the given service and returns (report, a fresh service on the new index,
# or None when nothing changed); `make_client` binds it to the settings.
Rebuild = Callable[[Any], tuple[BuildReport, Any]]


class Host(Protocol):
    """What the cogs use of the bot (`client.MLBot`): the state both share."""

    config: DiscordConfig
    service: AnsweringService  # replaced whole by /reindex
    memory: ConversationMemory
    queue: QuestionQueue
    feedback: FeedbackLog
    rebuild: Rebuild

    @property
    def user(self) -> discord.ClientUser | None: ...


def conversation_key(channel_id: int, user_id: int, *, private: bool, thread: bool) -> Hashable:
    """A thread or a DM is one conversation; in a plain channel each member has their own."""
    return channel_id if private or thread else (channel_id, user_id)


def interaction_key(interaction: discord.Interaction) -> Hashable:
    private = interaction.guild_id is None
    thread = isinstance(interaction.channel, discord.Thread)
    return conversation_key(interaction.channel_id or 0, interaction.user.id, private=private, thread=thread)


class QuestionsCog(commands.Cog, name="Questions"):
    """Questions in, answers out; the queue is served while this cog is loaded."""

    def __init__(self, bot: Host) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.queue.start(self.answer)

    async def cog_unload(self) -> None:
        await self.bot.queue.close()

    # --- a question arrives: a mention (answered in a thread), a DM, or a follow-up in the bot's thread ------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if not self._is_for_me(message):
            return
        admitted = self.bot.queue.admit(message.author.id, self._question_text(message))
        if isinstance(admitted, Refusal):
            if not admitted.quiet:  # one notice per cooldown window; the rest of a burst gets no reply
                await self._refuse(message, refusal_text(admitted))
            return
        reply: Reply | None = None
        try:
            reply = await self._reply_place(message, admitted.question)
            if admitted.place > 1:
                await reply.notice(QUEUED.format(place=admitted.place))
        except discord.HTTPException as error:
            log.warning("could not prepare the reply in channel %s: %s", message.channel.id, error)
        finally:
            admitted.reply.set_result(reply or self._inline_reply(message))

    def _is_for_me(self, message: discord.Message) -> bool:
        me = self.bot.user
        if me is None or message.author.bot:
            return False
        if message.guild is None:
            return True
        if isinstance(message.channel, discord.Thread) and message.channel.owner_id == me.id:
            return True
        return me.id in message.raw_mentions  # not `mentioned_in`: @everyone does not count as asking the bot

    def _question_text(self, message: discord.Message) -> str:
        me = self.bot.user
        return re.sub(rf"<@!?{me.id}>", " ", message.content).strip() if me else message.content

    async def _reply_place(self, message: discord.Message, question: str) -> Reply:
        """A mention in a channel opens a thread, which then holds the conversation; elsewhere, answer in place."""
        if isinstance(message.channel, discord.TextChannel):
            try:
                thread = await message.create_thread(
                    name=thread_name(question), auto_archive_duration=THREAD_ARCHIVE_MINUTES
                )
            except discord.HTTPException as error:
                log.warning("could not open a thread in channel %s (%s); answering inline", message.channel.id, error)
            else:
                return ChannelReply(thread, thread.id)
        return self._inline_reply(message)

    def _inline_reply(self, message: discord.Message) -> ChannelReply:
        private = message.guild is None
        thread = isinstance(message.channel, discord.Thread)
        key = conversation_key(message.channel.id, message.author.id, private=private, thread=thread)
        return ChannelReply(message.channel, key, reference=None if private or thread else message)

    async def _refuse(self, message: discord.Message, text: str) -> None:
        try:
            if message.guild is None:
                await message.channel.send(text, allowed_mentions=NO_PINGS)
            else:
                await message.reply(text, mention_author=False, allowed_mentions=NO_PINGS)
        except discord.HTTPException as error:
            log.warning("could not reply in channel %s: %s", message.channel.id, error)

    # --- or as a slash command --------------------------------------------------------------------------------------

    @app_commands.command(name="ask", description="Ask a machine learning or deep learning question.")
    @app_commands.describe(question="Your question, e.g. What is overfitting?")
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        admitted = self.bot.queue.admit(interaction.user.id, question)
        if isinstance(admitted, Refusal):
            await interaction.response.send_message(refusal_text(admitted), ephemeral=True, allowed_mentions=NO_PINGS)
            return
        reply = InteractionReply(interaction, interaction_key(interaction))
        try:
            await interaction.response.defer(thinking=True)
            if admitted.place > 1:
                await reply.notice(QUEUED.format(place=admitted.place))
        except discord.HTTPException as error:
            log.warning("could not acknowledge /ask: %s", error)
        finally:
            admitted.reply.set_result(reply)

    @app_commands.command(name="reset", description="Forget this conversation; the next question starts fresh.")
    async def reset(self, interaction: discord.Interaction) -> None:
        forgot = self.bot.memory.forget(interaction_key(interaction))
        text = FORGOTTEN if forgot else NOTHING_TO_FORGET
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    # --- its turn comes -----------------------------------------------------------------------------------------------

    async def answer(self, question: str, reply: Reply) -> None:
        """Called by the queue's worker: answer in the reply's conversation, on the answering thread."""
        service = self.bot.service  # a /reindex meanwhile swaps in a new service for the next question, not this one
        conversation = self.bot.memory.get(reply.conversation_key)

        def ask(on_text: Callable[[str], None]):
            return self.bot.queue.run(service.answer, question, conversation, on_text=on_text)

        interval = self.bot.config.edit_interval_s
        await deliver(reply, ask, feedback=self.bot.feedback, edit_interval_s=interval)


class IndexCog(commands.Cog, name="Index"):
    """What the bot knows (/about), and rebuilding it from the notes while answering goes on (/reindex)."""

    def __init__(self, bot: Host) -> None:
        self.bot = bot
        self._reindex_lock = asyncio.Lock()

    @app_commands.command(name="about", description="What I know: notes, chunks, index age and model.")
    async def about(self, interaction: discord.Interaction) -> None:
        size = self.bot.config.queue_size
        text = about_text(self.bot.service.about(), self.bot.queue.waiting, size)
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="reindex", description="Rebuild the index from the notes (server managers only).")
    async def reindex(self, interaction: discord.Interaction) -> None:
        if not self.may_reindex(interaction):
            await interaction.response.send_message(NOT_ALLOWED, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        if self._reindex_lock.locked():
            await interaction.response.send_message(REBUILD_RUNNING, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        async with self._reindex_lock:
            await interaction.response.defer(ephemeral=True, thinking=True)
            text = await self._rebuild()
            await interaction.edit_original_response(content=clip_message(text), allowed_mentions=NO_PINGS)

    def may_reindex(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id in self.bot.config.owner_ids:
            return True
        return interaction.guild_id is not None and interaction.permissions.manage_guild

    async def _rebuild(self) -> str:
        """Build in a thread while the queue keeps answering from the old index, then swap in one assignment."""
        try:
            report, fresh = await asyncio.to_thread(self.bot.rebuild, self.bot.service)
        except IndexUnavailable as error:
            return REBUILD_FAILED.format(error=error)
        except Exception:
            log.exception("rebuilding the index failed")
            return REBUILD_CRASHED
        if fresh is None:
            return reindex_report(report, None)
        self.bot.service = fresh  # atomic: the next question uses the new index
        return reindex_report(report, fresh.about())
