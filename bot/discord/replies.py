"""Where an answer is shown, and how: typing, edits as sentences arrive, then the whole answer with its sources
and vote buttons.

There are two places: a channel (a mention's thread, a DM, a follow-up) and a slash command's response. They
differ only in how the first message is replaced and how more are added, so `finish` is written once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Hashable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import discord

from bot.discord.rendering import (
    FAILED,
    NO_PINGS,
    VOTE_NOT_RECORDED,
    VOTE_THANKS,
    VOTED_ALREADY,
    answer_sentences,
    partial_answer,
    sorry,
    sources_embed,
    split_message,
)
from bot.feedback import FeedbackLog, FeedbackVote, Vote, VotedSource, vote_on
from bot.models import Answer
from bot.text import InvalidQuestion

log = logging.getLogger("mlbot.discord")

FEEDBACK_WINDOW_S = 3600  # how long an answer is held for its votes; later clicks are read from the message

# Makes the answer on the answering thread; the callback it is given receives each sentence as it is accepted.
Ask = Callable[[Callable[[str], None]], Awaitable[Answer]]


class Reply(ABC):
    """A place an answer is shown; `conversation_key` says which conversation the question belongs to."""

    conversation_key: Hashable

    @abstractmethod
    def typing(self) -> contextlib.AbstractAsyncContextManager: ...

    @abstractmethod
    async def notice(self, text: str) -> None:
        """A word before the answer, e.g. the place in line."""

    @abstractmethod
    async def show(self, text: str) -> None:
        """The answer so far, replacing what was shown before."""

    @abstractmethod
    async def _replace(self, text: str, **extra: Any) -> Any:
        """Put `text` in the first message of the answer; returns the message."""

    @abstractmethod
    async def _add(self, text: str, **extra: Any) -> Any:
        """Send `text` as one more message of the answer; returns the message."""

    async def finish(self, parts: list[str], embed: discord.Embed | None, view: discord.ui.View | None) -> None:
        """The whole answer: the first part replaces what was shown, the rest follow; the last carries the sources
        and the vote buttons."""
        last = len(parts) - 1
        for number, part in enumerate(parts):
            extra = {k: v for k, v in (("embed", embed), ("view", view)) if v is not None} if number == last else {}
            await (self._replace(part, **extra) if number == 0 else self._add(part, **extra))


@contextlib.asynccontextmanager
async def typing_in(channel: discord.abc.Messageable):
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


class ChannelReply(Reply):
    """Answers in a channel, thread or DM: the first sentence is sent, later ones edit it, then the rest follows."""

    def __init__(self, channel: discord.abc.Messageable, key: Hashable, reference: discord.Message | None = None):
        self.channel = channel
        self.conversation_key = key
        self.reference = reference  # in a plain channel, the answer replies to the question
        self.message: discord.Message | None = None  # the answer's first message, once sent

    def typing(self):
        return typing_in(self.channel)

    async def notice(self, text: str) -> None:
        await self._add(text)

    async def show(self, text: str) -> None:
        self.message = await self._replace(text)

    async def _replace(self, text: str, **extra: Any) -> discord.Message:
        if self.message is None:
            return await self._add(text, **extra)
        return await self.message.edit(content=text, allowed_mentions=NO_PINGS, **extra)

    async def _add(self, text: str, **extra: Any) -> discord.Message:
        if self.reference is not None:
            extra.update(reference=self.reference, mention_author=False)
        return await self.channel.send(text, allowed_mentions=NO_PINGS, **extra)


class InteractionReply(Reply):
    """Answers a slash command: the deferred response is edited as sentences arrive; long answers get follow-ups."""

    def __init__(self, interaction: discord.Interaction, key: Hashable) -> None:
        self.interaction = interaction
        self.conversation_key = key

    def typing(self):
        return contextlib.nullcontext()  # the deferred response already shows "thinking…"

    async def notice(self, text: str) -> None:
        await self._replace(text)

    async def show(self, text: str) -> None:
        await self._replace(text)

    async def _replace(self, text: str, **extra: Any) -> Any:
        return await self.interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS, **extra)

    async def _add(self, text: str, **extra: Any) -> Any:
        return await self.interaction.followup.send(text, allowed_mentions=NO_PINGS, wait=True, **extra)


# --- one answer, from the first sentence to the vote buttons --------------------------------------------------------


async def deliver(reply: Reply, ask: Ask, *, feedback: FeedbackLog, edit_interval_s: float) -> None:
    """Show the answer while `ask` makes it, then in full. Every question ends with a message: the answer, the
    reason it was not answered, or an apology when the service failed."""
    loop = asyncio.get_running_loop()
    stream = _Stream()
    async with reply.typing():
        editor = loop.create_task(_show_progress(reply, stream, edit_interval_s))
        try:
            answer = await ask(partial(loop.call_soon_threadsafe, stream.add))
        except InvalidQuestion as error:
            answer, text = None, sorry(str(error))
        except Exception:
            log.exception("the answering service failed")
            answer, text = None, FAILED
        finally:
            stream.finish()
            await editor
        if answer is None:
            await reply.finish([text], None, None)
            return
        view = FeedbackView(answer, feedback)
        await reply.finish(split_message(answer_sentences(answer)), sources_embed(answer), view)


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


async def _show_progress(reply: Reply, stream: _Stream, interval_s: float) -> None:
    """Edit the reply as sentences arrive, at most once per `interval_s` (Discord's rate limits)."""
    shown = ""
    while True:
        await stream.changed.wait()
        if stream.finished.is_set():
            return
        stream.changed.clear()
        text = partial_answer(stream.sentences)
        if text != shown:
            try:
                await reply.show(text)
                shown = text
            except discord.HTTPException as error:
                log.warning("could not show a partial answer: %s", error)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stream.finished.wait(), interval_s)
            return


# --- feedback buttons -----------------------------------------------------------------------------------------------


VOTE_UP_ID, VOTE_DOWN_ID = "mlbot:vote:up", "mlbot:vote:down"  # stable, so buttons work after a restart
SOURCE_LINE = re.compile(r"`(?P<source>[^`]+)` · similarity (?P<score>-?[0-9.]+)")


class FeedbackView(discord.ui.View):
    """👍/👎 under an answer; each member votes once, and the vote goes to the curators' JSONL file.

    The buttons carry fixed custom ids. A view made for one answer holds that answer for FEEDBACK_WINDOW_S; after
    that, or after a restart, the one view registered without an answer (`persistent`) takes the clicks and
    reads what it needs from the message itself, so the buttons never stop working.
    """

    def __init__(self, answer: Answer | None, feedback: FeedbackLog, timeout: float | None = FEEDBACK_WINDOW_S):
        super().__init__(timeout=timeout)
        self.answer = answer
        self.feedback = feedback
        self.voters: set[tuple[int, int]] = set()  # (message, member), in memory only: the file never learns who

    @classmethod
    def persistent(cls, feedback: FeedbackLog) -> FeedbackView:
        """The view registered at start-up (`bot.add_view`) for every answer's buttons, old ones included."""
        return cls(None, feedback, timeout=None)

    @discord.ui.button(emoji="👍", style=discord.ButtonStyle.secondary, custom_id=VOTE_UP_ID)
    async def helpful(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._vote(interaction, "up")

    @discord.ui.button(emoji="👎", style=discord.ButtonStyle.secondary, custom_id=VOTE_DOWN_ID)
    async def unhelpful(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._vote(interaction, "down")

    async def _vote(self, interaction: discord.Interaction, vote: Vote) -> None:
        message = getattr(interaction, "message", None)
        voter = (message.id if message is not None else 0, interaction.user.id)
        if voter in self.voters:
            text = VOTED_ALREADY
        else:
            record = vote_on(self.answer, vote) if self.answer is not None else vote_from_message(message, vote)
            try:
                await asyncio.to_thread(self.feedback.append, record)
            except OSError as error:
                log.error("could not record feedback in %s: %s", self.feedback.path, error)
                text = VOTE_NOT_RECORDED
            else:
                self.voters.add(voter)
                text = VOTE_THANKS
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)


def vote_from_message(message: discord.Message | None, vote: Vote) -> FeedbackVote:
    """A vote on an answer no longer held in memory: the answer is the message, its sources are in the embed,
    and the question is the thread's name (a mention's thread is named after its question) or the replied-to
    message."""
    answer = message.content if message is not None else ""
    sources: list[VotedSource] = []
    for embed in message.embeds if message is not None else []:
        for field in embed.fields:
            if found := SOURCE_LINE.search(field.value or ""):
                title = re.sub(r"^(✓ )?\d+\. ", "", field.name or "")
                sources.append(VotedSource(source=found["source"], title=title, score=float(found["score"])))
    question = ""
    if message is not None:
        if isinstance(message.channel, discord.Thread):
            question = message.channel.name
        elif message.reference is not None and isinstance(message.reference.resolved, discord.Message):
            question = message.reference.resolved.content
    return FeedbackVote(
        time=datetime.now(UTC), vote=vote, question=question, answer=answer, refused=not sources, sources=sources
    )
