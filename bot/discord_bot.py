"""The Discord front end: slash commands, mentions answered in threads, DMs, a bounded queue, streamed replies.

It is thin on purpose: every answer comes from the same `AnswerService` as the CLI. This module only decides
where a question came from, whether it may be queued, and how the answer is shown on Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol

import aiohttp
import discord
from discord import app_commands

from bot.answering import InvalidQuestion, validate_question
from bot.conversation import Conversation
from bot.feedback import FeedbackLog, Vote, vote_on
from bot.models import Answer, BuildReport, Source
from bot.settings import Settings
from bot.text import split_sentences

log = logging.getLogger("mlbot.discord")

MESSAGE_LIMIT = 2000  # Discord's limit on a message's content
NO_PINGS = discord.AllowedMentions.none()  # every message: "@everyone what is ML?" must ping nobody
MAX_CONVERSATIONS = 10_000  # memory bound on top of the time-to-live
FEEDBACK_WINDOW_S = 24 * 3600  # how long an answer's vote buttons work (the answer is held in memory till then)
THREAD_NAME_CHARS = 90
QUOTE_CHARS = 200
EMBED_SOURCES = 5
STREAM_MARK = " …"
_MENTION_MARKUP = re.compile(r"<(?:@[!&]?|#)\d+>")

BUSY = "I'm busy answering other questions right now; please try again shortly."
COOLDOWN = "Please wait {wait} more second{s} before your next question (one question every {limit:g} s)."
QUEUED = "You're number {place} in line; I'll answer here as soon as it's your turn."
FAILED = "Sorry, something went wrong while I was answering; please try again."
NOT_ALLOWED = "Only members with the Manage Server permission, or the bot's owners, can rebuild the index."


class DiscordStartError(RuntimeError):
    """The bot could not start (token rejected, intent not enabled, Discord unreachable); one line says why."""


# --- conversation memory and cooldowns ------------------------------------------------------------------------------


class ConversationMemory:
    """Conversations by key (a thread, a DM, or a member in a channel), bounded in number and forgotten when idle."""

    def __init__(
        self,
        max_turns: int,
        ttl_s: float,
        max_conversations: int = MAX_CONVERSATIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_turns = max_turns
        self.ttl_s = ttl_s
        self.max_conversations = max_conversations
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, Conversation]] = OrderedDict()

    def get(self, key: Hashable) -> Conversation:
        self._expire()
        _, conversation = self._entries.pop(key, (0.0, None))
        conversation = conversation or Conversation(max_turns=self.max_turns)
        self._entries[key] = (self._clock(), conversation)
        while len(self._entries) > self.max_conversations:
            self._entries.popitem(last=False)
        return conversation

    def forget(self, key: Hashable) -> bool:
        self._expire()
        return self._entries.pop(key, None) is not None

    def __len__(self) -> int:
        self._expire()
        return len(self._entries)

    def _expire(self) -> None:
        oldest_allowed = self._clock() - self.ttl_s
        while self._entries:
            key, (used, _) = next(iter(self._entries.items()))
            if used >= oldest_allowed:
                break
            del self._entries[key]


class Cooldown:
    """At most one accepted question per member every `seconds`."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: dict[int, float] = {}

    def remaining(self, user_id: int) -> float:
        last = self._last.get(user_id)
        return 0.0 if last is None else max(0.0, last + self.seconds - self._clock())

    def start(self, user_id: int) -> None:
        now = self._clock()
        self._last[user_id] = now
        if len(self._last) > 10_000:  # drop members whose cooldown is long over, so the map stays small
            self._last = {uid: t for uid, t in self._last.items() if t + self.seconds > now}


def conversation_key(channel_id: int, user_id: int, *, private: bool, thread: bool) -> Hashable:
    """A thread or a DM is one conversation; in a plain channel each member has their own."""
    return channel_id if private or thread else (channel_id, user_id)


# --- presentation ---------------------------------------------------------------------------------------------------


def split_message(sentences: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Whole sentences per message, under Discord's limit; only a single over-long sentence is cut, at a space."""
    parts: list[str] = []
    current = ""
    for sentence in sentences:
        for piece in _cut(sentence.strip(), limit):
            candidate = f"{current} {piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def _cut(text: str, limit: int) -> list[str]:
    pieces = []
    while len(text) > limit:
        space = text.rfind(" ", 0, limit + 1)
        cut = space if space > 0 else limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text] if text else pieces


def answer_sentences(answer: Answer) -> list[str]:
    return [s.text for s in answer.sentences] or split_sentences(answer.answer) or [answer.answer]


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def source_quote(source: Source, answer: Answer) -> str:
    """The answer's own sentence when it was quoted from this passage, else the passage's opening sentence."""
    for sentence in answer.sentences:
        if sentence.text and sentence.text in source.text:
            return _clip(sentence.text, QUOTE_CHARS)
    opening = split_sentences(source.text)
    return _clip(opening[0] if opening else source.text, QUOTE_CHARS)


def sources_embed(answer: Answer) -> discord.Embed | None:
    if answer.refused or not answer.sources:
        return None
    cited = {cid for s in answer.sentences for cid in s.source_ids}
    embed = discord.Embed(title="Sources", colour=discord.Colour.blurple())
    for number, source in enumerate(answer.sources[:EMBED_SOURCES], 1):
        mark = "✓ " if source.id in cited else ""
        embed.add_field(
            name=_clip(f"{mark}{number}. {source.title}", 256),
            value=f"> {source_quote(source, answer)}\n`{source.source}` · similarity {source.score:.2f}",
            inline=False,
        )
    if cited:
        embed.set_footer(text="✓ supports a sentence of the answer")
    return embed


def thread_name(question: str) -> str:
    """The question, without raw mention markup such as <@123>, short enough for Discord's 100-character limit."""
    return _clip(_MENTION_MARKUP.sub("", question), THREAD_NAME_CHARS) or "question"


def _age(moment: datetime, now: datetime | None = None) -> str:
    seconds = max(0.0, ((now or datetime.now(UTC)) - moment).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def _sorry(error: InvalidQuestion) -> str:
    return f"Sorry, {error}."


# --- where an answer goes -------------------------------------------------------------------------------------------


class Reply(Protocol):
    """A place an answer is shown: a channel (mention, DM, thread) or a slash command's response."""

    conversation_key: Hashable

    def typing(self) -> contextlib.AbstractAsyncContextManager: ...

    async def notice(self, text: str) -> None: ...

    async def show(self, text: str) -> None: ...

    async def finish(self, parts: list[str], embed: discord.Embed | None, view: discord.ui.View | None) -> None: ...


@contextlib.asynccontextmanager
async def _typing_in(channel: discord.abc.Messageable):
    """Typing while the answer is made; failing to show it must never cost the answer."""
    indicator = channel.typing()
    try:
        await indicator.__aenter__()
    except discord.HTTPException:
        yield
        return
    try:
        yield
    finally:
        await indicator.__aexit__(None, None, None)


class ChannelReply:
    """Answers in a channel, thread or DM: the first sentence is sent, later ones edit it, then the rest follows."""

    def __init__(self, channel: discord.abc.Messageable, key: Hashable, reference: discord.Message | None = None):
        self.channel = channel
        self.conversation_key = key
        self.reference = reference
        self.message: discord.Message | None = None

    def typing(self):
        return _typing_in(self.channel)

    async def _send(self, content: str, **extra: Any) -> discord.Message:
        if self.reference is not None:
            extra.update(reference=self.reference, mention_author=False)
        return await self.channel.send(content, allowed_mentions=NO_PINGS, **extra)

    async def notice(self, text: str) -> None:
        await self._send(text)

    async def show(self, text: str) -> None:
        if self.message is None:
            self.message = await self._send(text)
        else:
            self.message = await self.message.edit(content=text, allowed_mentions=NO_PINGS)

    async def finish(self, parts: list[str], embed: discord.Embed | None, view: discord.ui.View | None) -> None:
        for number, part in enumerate(parts):
            extra: dict[str, Any] = {}
            if number == len(parts) - 1:
                extra = {k: v for k, v in (("embed", embed), ("view", view)) if v is not None}
            if number == 0 and self.message is not None:
                sent = await self.message.edit(content=part, allowed_mentions=NO_PINGS, **extra)
            else:
                sent = await self._send(part, **extra)
            if view is not None and "view" in extra:
                view.message = sent


class InteractionReply:
    """Answers a slash command: the deferred response is edited as sentences arrive; long answers get follow-ups."""

    def __init__(self, interaction: discord.Interaction, key: Hashable) -> None:
        self.interaction = interaction
        self.conversation_key = key

    def typing(self):
        return contextlib.nullcontext()  # the deferred response already shows "thinking…"

    async def notice(self, text: str) -> None:
        await self.interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS)

    async def show(self, text: str) -> None:
        await self.interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS)

    async def finish(self, parts: list[str], embed: discord.Embed | None, view: discord.ui.View | None) -> None:
        for number, part in enumerate(parts):
            extra: dict[str, Any] = {}
            if number == len(parts) - 1:
                extra = {k: v for k, v in (("embed", embed), ("view", view)) if v is not None}
            if number == 0:
                sent = await self.interaction.edit_original_response(content=part, allowed_mentions=NO_PINGS, **extra)
            else:
                sent = await self.interaction.followup.send(part, allowed_mentions=NO_PINGS, wait=True, **extra)
            if view is not None and "view" in extra:
                view.message = sent


# --- feedback buttons -----------------------------------------------------------------------------------------------


class FeedbackView(discord.ui.View):
    """👍/👎 under an answer; each member votes once, and the vote goes to the curators' JSONL file."""

    def __init__(self, answer: Answer, feedback: FeedbackLog, timeout: float = FEEDBACK_WINDOW_S) -> None:
        super().__init__(timeout=timeout)
        self.answer = answer
        self.feedback = feedback
        self.voters: set[int] = set()  # in memory only: the file never learns who voted
        self.message: discord.Message | None = None

    @discord.ui.button(emoji="👍", style=discord.ButtonStyle.secondary)
    async def helpful(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._vote(interaction, "up")

    @discord.ui.button(emoji="👎", style=discord.ButtonStyle.secondary)
    async def unhelpful(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._vote(interaction, "down")

    async def _vote(self, interaction: discord.Interaction, vote: Vote) -> None:
        if interaction.user.id in self.voters:
            text = "You already rated this answer; thank you."
        else:
            try:
                await asyncio.to_thread(self.feedback.append, vote_on(self.answer, vote))
            except OSError as error:
                log.error("could not record feedback in %s: %s", self.feedback.path, error)
                text = "Sorry, I couldn't record your vote just now."
            else:
                self.voters.add(interaction.user.id)
                text = "Thanks! Your vote helps the curators improve my notes."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    async def on_timeout(self) -> None:
        if self.message is not None:
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=None, allowed_mentions=NO_PINGS)


# --- the bot --------------------------------------------------------------------------------------------------------


@dataclass
class Job:
    question: str
    reply: asyncio.Future  # resolves to a Reply once the place to answer exists (a new thread takes a moment)


@dataclass
class Admission:
    job: Job | None = None
    place: int = 0  # 1 means "answered next"
    refusal: str | None = None  # why the question was not queued, for the member


Rebuild = Callable[[Settings, Any], tuple[BuildReport, Any]]


def rebuild_service(settings: Settings, service) -> tuple[BuildReport, Any]:
    """In a worker thread: embed what changed, load the new version, and wire a fresh service around it."""
    from bot.answering import AnswerService
    from bot.embedding import make_embedder
    from bot.index import build_index, load_index

    builder = make_embedder(settings, for_build=True)  # the reference embedder writes index vectors
    report = build_index(settings.knowledge_dir, settings.index_dir, builder, show_progress=False)
    if not report.touched:
        return report, None
    fresh = AnswerService(settings, load_index(settings.index_dir), service.embedder, service.generator)
    return report, fresh


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


def make_client(settings: Settings) -> discord.Client:
    """Only the intents it needs: guilds (threads, channels), guild and DM messages, and message content so that
    follow-ups in the bot's threads work without mentioning it again."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = True
    options: dict[str, Any] = {"intents": intents, "allowed_mentions": NO_PINGS}
    if not settings.discord_sharded:
        return discord.Client(**options)
    if settings.discord_shard_ids:
        options.update(shard_ids=settings.discord_shard_ids, shard_count=settings.discord_shard_count)
    elif settings.discord_shard_count:
        options.update(shard_count=settings.discord_shard_count)
    return discord.AutoShardedClient(**options)


class MLBot:
    """Wires a discord.py client to the answering service; holds the queue, the memory and the cooldowns."""

    def __init__(
        self,
        settings: Settings,
        service,
        *,
        client: discord.Client | None = None,
        rebuild: Rebuild = rebuild_service,
    ) -> None:
        self.settings = settings
        self.service = service  # replaced whole by /reindex: a question already being answered keeps the old one
        self.client = client or make_client(settings)
        self.tree = app_commands.CommandTree(self.client)
        self.memory = ConversationMemory(settings.history_turns, settings.discord_memory_ttl_s)
        self.cooldown = Cooldown(settings.discord_cooldown_s)
        self.feedback = FeedbackLog(settings.feedback_file)
        self.rebuild = rebuild
        self._queue: asyncio.Queue[Job] = asyncio.Queue(maxsize=settings.discord_queue_size)
        # One thread: the model is not re-entrant, and the event loop (gateway heartbeat) never waits on it.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlbot-answer")
        self._answering = False
        self._worker: asyncio.Task | None = None
        self._reindex_lock = asyncio.Lock()
        self.client.setup_hook = self.setup_hook
        self.client.event(self.on_ready)
        self.client.event(self.on_message)
        self._register_commands()

    # --- lifecycle ----------------------------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        self.start_worker()
        await self.sync_commands()

    def start_worker(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work(), name="mlbot-queue")

    async def sync_commands(self) -> None:
        guild_id = self.settings.discord_dev_guild_id
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
        user = self.client.user
        log.info("connected as %s to %d servers; stop with Ctrl-C", user, len(self.client.guilds))

    async def drain(self) -> None:
        """Wait until every queued question has been answered (tests and shutdown)."""
        await self._queue.join()

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        self._executor.shutdown(wait=False, cancel_futures=True)

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    # --- admission: every question gets an answer, a decline, or a clear busy/cooldown reply -------------------------

    def admit(self, user_id: int, question: str) -> Admission:
        """Synchronous on purpose: no other question can slip in between the checks and taking the place."""
        try:
            question = validate_question(question, self.settings.max_question_chars)
        except InvalidQuestion as error:
            return Admission(refusal=_sorry(error))
        wait = self.cooldown.remaining(user_id)
        if wait > 0:
            seconds = math.ceil(wait)
            limit = self.settings.discord_cooldown_s
            return Admission(refusal=COOLDOWN.format(wait=seconds, s="" if seconds == 1 else "s", limit=limit))
        job = Job(question, asyncio.get_running_loop().create_future())
        try:
            self._queue.put_nowait(job)
        except asyncio.QueueFull:
            return Admission(refusal=BUSY)
        self.cooldown.start(user_id)
        return Admission(job=job, place=self._queue.qsize() + int(self._answering))

    # --- messages: mentions (answered in a thread), DMs, and follow-ups in the bot's threads ------------------------

    def _is_for_me(self, message: discord.Message) -> bool:
        me = self.client.user
        if me is None or message.author.bot:
            return False
        if message.guild is None:
            return True
        if isinstance(message.channel, discord.Thread) and message.channel.owner_id == me.id:
            return True
        return me.id in message.raw_mentions  # not `mentioned_in`: @everyone does not count as asking the bot

    def _question_text(self, message: discord.Message) -> str:
        me = self.client.user
        return re.sub(rf"<@!?{me.id}>", " ", message.content).strip() if me else message.content

    async def on_message(self, message: discord.Message) -> None:
        if not self._is_for_me(message):
            return
        question = self._question_text(message)
        admission = self.admit(message.author.id, question)
        if admission.job is None:
            await self._reply_to(message, admission.refusal or BUSY)
            return
        reply: Reply | None = None
        try:
            reply = await self._reply_place(message, admission.job.question)
            if admission.place > 1:
                await reply.notice(QUEUED.format(place=admission.place))
        except discord.HTTPException as error:
            log.warning("could not prepare the reply in channel %s: %s", message.channel.id, error)
        finally:
            admission.job.reply.set_result(reply or self._inline_reply(message))

    async def _reply_place(self, message: discord.Message, question: str) -> Reply:
        """A mention in a channel opens a thread, which then holds the conversation; elsewhere, answer in place."""
        if isinstance(message.channel, discord.TextChannel):
            try:
                thread = await message.create_thread(name=thread_name(question), auto_archive_duration=1440)
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

    async def _reply_to(self, message: discord.Message, text: str) -> None:
        try:
            if message.guild is None:
                await message.channel.send(text, allowed_mentions=NO_PINGS)
            else:
                await message.reply(text, mention_author=False, allowed_mentions=NO_PINGS)
        except discord.HTTPException as error:
            log.warning("could not reply in channel %s: %s", message.channel.id, error)

    # --- the queue worker --------------------------------------------------------------------------------------------

    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            self._answering = True
            try:
                await self._serve(job, await job.reply)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("answering a question failed")
            finally:
                self._answering = False
                self._queue.task_done()

    async def _serve(self, job: Job, reply: Reply) -> None:
        loop = asyncio.get_running_loop()
        service = self.service
        conversation = self.memory.get(reply.conversation_key)
        stream = _Stream()
        on_text = partial(loop.call_soon_threadsafe, stream.add)
        async with reply.typing():
            editor = loop.create_task(self._show_progress(reply, stream))
            try:
                answer = await loop.run_in_executor(
                    self._executor, partial(service.answer, job.question, conversation, on_text=on_text)
                )
            except InvalidQuestion as error:
                answer, text = None, _sorry(error)
            except Exception:
                log.exception("the answering service failed")
                answer, text = None, FAILED
            finally:
                stream.finish()
                await editor
            if answer is None:
                await reply.finish([text], None, None)
                return
            view = FeedbackView(answer, self.feedback)
            await reply.finish(split_message(answer_sentences(answer)), sources_embed(answer), view)

    async def _show_progress(self, reply: Reply, stream: _Stream) -> None:
        """Edit the reply as sentences arrive, at most once per `discord_edit_interval_s` (Discord's rate limits)."""
        shown = ""
        while True:
            await stream.changed.wait()
            if stream.finished.is_set():
                return
            stream.changed.clear()
            text = split_message(stream.sentences, MESSAGE_LIMIT - len(STREAM_MARK))[0] + STREAM_MARK
            if text != shown:
                try:
                    await reply.show(text)
                    shown = text
                except discord.HTTPException as error:
                    log.warning("could not show a partial answer: %s", error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stream.finished.wait(), self.settings.discord_edit_interval_s)
                return

    # --- slash commands ------------------------------------------------------------------------------------------

    def _register_commands(self) -> None:
        @self.tree.command(name="ask", description="Ask a machine learning or deep learning question.")
        @app_commands.describe(question="Your question, e.g. What is overfitting?")
        async def ask(interaction: discord.Interaction, question: str) -> None:
            await self.ask(interaction, question)

        @self.tree.command(name="reset", description="Forget this conversation; the next question starts fresh.")
        async def reset(interaction: discord.Interaction) -> None:
            await self.reset(interaction)

        @self.tree.command(name="about", description="What I know: notes, chunks, index age and model.")
        async def about(interaction: discord.Interaction) -> None:
            await self.about(interaction)

        @self.tree.command(name="reindex", description="Rebuild the index from the notes (server managers only).")
        async def reindex(interaction: discord.Interaction) -> None:
            await self.reindex(interaction)

    @staticmethod
    def _interaction_key(interaction: discord.Interaction) -> Hashable:
        private = interaction.guild_id is None
        thread = isinstance(interaction.channel, discord.Thread)
        return conversation_key(interaction.channel_id or 0, interaction.user.id, private=private, thread=thread)

    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        admission = self.admit(interaction.user.id, question)
        if admission.job is None:
            await interaction.response.send_message(admission.refusal, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        reply = InteractionReply(interaction, self._interaction_key(interaction))
        try:
            await interaction.response.defer(thinking=True)
            if admission.place > 1:
                await reply.notice(QUEUED.format(place=admission.place))
        except discord.HTTPException as error:
            log.warning("could not acknowledge /ask: %s", error)
        finally:
            admission.job.reply.set_result(reply)

    async def reset(self, interaction: discord.Interaction) -> None:
        forgot = self.memory.forget(self._interaction_key(interaction))
        text = "Done: I've forgotten this conversation." if forgot else "There was no conversation here to forget."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    def about_text(self) -> str:
        manifest = self.service.index.manifest
        built = manifest.built_at
        return "\n".join(
            [
                f"I answer machine learning and deep learning questions from **{len(manifest.files)} notes** "
                f"({manifest.chunk_count} chunks), and cite the notes I used.",
                f"Index built {built:%Y-%m-%d %H:%M} UTC ({_age(built)}), embeddings: {manifest.embedder}.",
                f"Model: {self.service.generator.name}; every sentence is checked against the notes.",
                f"Questions waiting: {self.waiting} of {self.settings.discord_queue_size}.",
            ]
        )

    async def about(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(self.about_text(), ephemeral=True, allowed_mentions=NO_PINGS)

    def may_reindex(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id in self.settings.discord_owner_ids:
            return True
        return interaction.guild_id is not None and interaction.permissions.manage_guild

    async def reindex(self, interaction: discord.Interaction) -> None:
        if not self.may_reindex(interaction):
            await interaction.response.send_message(NOT_ALLOWED, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        if self._reindex_lock.locked():
            text = "A rebuild is already running; I keep answering meanwhile."
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        async with self._reindex_lock:
            await interaction.response.defer(ephemeral=True, thinking=True)
            text = await self._rebuild()
            await interaction.edit_original_response(content=_clip_message(text), allowed_mentions=NO_PINGS)

    async def _rebuild(self) -> str:
        """Build in a thread while the queue keeps answering from the old index, then swap in one assignment."""
        from bot.index import IndexUnavailable, describe

        try:
            report, fresh = await asyncio.to_thread(self.rebuild, self.settings, self.service)
        except IndexUnavailable as error:
            return f"The rebuild failed: {error}. I'm still answering from the previous index."
        except Exception:
            log.exception("rebuilding the index failed")
            return "The rebuild failed unexpectedly (see the bot's log); I'm still answering from the previous index."
        if fresh is not None:
            self.service = fresh  # atomic: the next question uses the new index
        lines = [describe(report)]
        for label, paths in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
            if paths:
                lines.append(f"{label}: " + ", ".join(f"`{p}`" for p in paths))
        lines += [f"skipped `{path}`: {problem}" for path, problem in report.failed.items()]
        if fresh is None:
            lines.insert(0, "Nothing changed in the notes; the index is up to date.")
        else:
            manifest = self.service.index.manifest
            lines.insert(0, f"Rebuilt: now answering from {len(manifest.files)} notes ({manifest.chunk_count} chunks).")
        return "\n".join(lines)


def _clip_message(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


class _Stream:
    """Sentences accepted by the answering thread, handed to the event loop through `call_soon_threadsafe`."""

    def __init__(self) -> None:
        self.sentences: list[str] = []
        self.changed = asyncio.Event()
        self.finished = asyncio.Event()

    def add(self, sentence: str) -> None:
        self.sentences.append(sentence)
        self.changed.set()

    def finish(self) -> None:
        self.finished.set()
        self.changed.set()


# --- running --------------------------------------------------------------------------------------------------------


def discord_token(settings: Settings) -> str | None:
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    return token or None


async def serve(bot: MLBot, token: str) -> None:
    """Log in first, so a rejected token fails fast and quietly, then hold the gateway connection."""
    client = bot.client
    try:
        async with client:
            try:
                await client.login(token)
            except discord.LoginFailure:
                raise DiscordStartError(
                    "Discord rejected the token; check DISCORD_TOKEN (Bot > Reset Token in the developer portal)"
                ) from None
            try:
                await client.connect(reconnect=True)
            except discord.PrivilegedIntentsRequired:
                raise DiscordStartError(
                    "Discord refused the Message Content intent; enable it under Bot > Privileged Gateway Intents "
                    "in the developer portal"
                ) from None
            except discord.ConnectionClosed as error:
                if error.code == 4004:
                    raise DiscordStartError("Discord rejected the token; check DISCORD_TOKEN") from None
                raise DiscordStartError(f"Discord closed the connection (code {error.code})") from None
    except (discord.GatewayNotFound, discord.HTTPException, aiohttp.ClientError, OSError) as error:
        name = error.__class__.__name__
        raise DiscordStartError(f"cannot reach Discord ({name}); check the network and try again") from None
    finally:
        await bot.close()


def configure_logging() -> None:
    """Our own progress at INFO, discord.py only from WARNING: its INFO lines say nothing a user acts on."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"))
    for name, level in (("mlbot", logging.INFO), ("discord", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False


def run(settings: Settings, service, token: str) -> None:
    """Blocking entry point for `mlbot discord`; the token is passed in and never logged."""

    async def main() -> None:
        bot = MLBot(settings, service)
        configure_logging()  # after the client exists: its warnings about voice support concern no text bot
        await serve(bot, token)

    asyncio.run(main())
