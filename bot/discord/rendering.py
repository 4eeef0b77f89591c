"""What members read: every message string, answers cut to Discord's limits, the sources embed, thread names.

Kept apart from the code that sends messages so that the wording can be read (and changed) in one place, and so
that the queue can refuse a question with plain data that only this module turns into words.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

import discord

from bot.discord.queue import Refusal, RefusalKind
from bot.models import About, Answer, BuildReport, Source
from bot.text import clip, split_sentences, strip_format_characters

MESSAGE_LIMIT = 2000  # Discord's limit on a message's content
EMBED_NAME_LIMIT = 256  # Discord's limit on an embed field's name
THREAD_NAME_CHARS = 90  # under Discord's 100-character limit on a thread's name
QUOTE_CHARS = 200
EMBED_SOURCES = 5
STREAM_MARK = " …"  # ends a partial answer while the rest is being written
NO_PINGS = discord.AllowedMentions.none()  # every message: "@everyone what is ML?" must ping nobody
_MENTION_MARKUP = re.compile(r"<(?:@[!&]?|#)\d+>")

BUSY = "I'm busy answering other questions right now; please try again shortly."
COOLDOWN = "Please wait {wait} more second{s} before your next question (one question every {limit:g} s)."
QUEUED = "You're number {place} in line; I'll answer here as soon as it's your turn."
FAILED = "Sorry, something went wrong while I was answering; please try again."
NOT_ALLOWED = "Only members with the Manage Server permission, or the bot's owners, can rebuild the index."
FORGOTTEN = "Done: I've forgotten this conversation."
NOTHING_TO_FORGET = "There was no conversation here to forget."
REBUILD_RUNNING = "A rebuild is already running; I keep answering meanwhile."
REBUILD_FAILED = "The rebuild failed: {error}. I'm still answering from the previous index."
REBUILD_CRASHED = "The rebuild failed unexpectedly (see the bot's log); I'm still answering from the previous index."
UP_TO_DATE = "Nothing changed in the notes; the index is up to date."
REBUILT = "Rebuilt: now answering from {notes} notes ({chunks} chunks)."
VOTED_ALREADY = "You already rated this answer; thank you."
VOTE_NOT_RECORDED = "Sorry, I couldn't record your vote just now."
VOTE_THANKS = "Thanks! Your vote helps the curators improve my notes."


# --- refusals and short replies -------------------------------------------------------------------------------------


def sorry(reason: str) -> str:
    """A question the bot will not try (`InvalidQuestion`'s one-line reason), as a reply."""
    return f"Sorry, {reason}."


def refusal_text(refusal: Refusal) -> str:
    """Why a question was not queued, in words: the queue only says which kind of refusal, with its numbers."""
    if refusal.kind is RefusalKind.INVALID:
        return sorry(refusal.reason)
    if refusal.kind is RefusalKind.COOLDOWN:
        seconds = math.ceil(refusal.wait_s)
        return COOLDOWN.format(wait=seconds, s="" if seconds == 1 else "s", limit=refusal.limit_s)
    return BUSY


def about_text(about: About, waiting: int, queue_size: int) -> str:
    """`/about`: what the bot answers from, how old the index is, and how busy it is."""
    built = about.built_at
    return "\n".join(
        [
            f"I answer machine learning and deep learning questions from **{about.notes} notes** "
            f"({about.chunks} chunks), and cite the notes I used.",
            f"Index built {built:%Y-%m-%d %H:%M} UTC ({age(built)}), embeddings: {about.embedder}.",
            f"Model: {about.model}; every sentence is checked against the notes.",
            f"Questions waiting: {waiting} of {queue_size}.",
        ]
    )


def reindex_report(report: BuildReport, now: About | None) -> str:
    """`/reindex`'s answer: what changed, and what the bot answers from now (`now` is None when nothing did)."""
    lines = [UP_TO_DATE if now is None else REBUILT.format(notes=now.notes, chunks=now.chunks), report.summary()]
    for label, paths in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        if paths:
            lines.append(f"{label}: " + ", ".join(f"`{p}`" for p in paths))
    lines += [f"skipped `{path}`: {problem}" for path, problem in report.failed.items()]
    return "\n".join(lines)


def age(moment: datetime, now: datetime | None = None) -> str:
    seconds = max(0.0, ((now or datetime.now(UTC)) - moment).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


# --- answers --------------------------------------------------------------------------------------------------------


def answer_sentences(answer: Answer) -> list[str]:
    return [s.text for s in answer.sentences] or split_sentences(answer.answer) or [answer.answer]


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


def partial_answer(sentences: list[str]) -> str:
    """The first message's worth of what is written so far, marked as unfinished."""
    return split_message(sentences, MESSAGE_LIMIT - len(STREAM_MARK))[0] + STREAM_MARK


def clip_message(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def _cut(text: str, limit: int) -> list[str]:
    pieces = []
    while len(text) > limit:
        space = text.rfind(" ", 0, limit + 1)
        cut = space if space > 0 else limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text] if text else pieces


# --- sources and threads --------------------------------------------------------------------------------------------


def source_quote(source: Source, answer: Answer) -> str:
    """The answer's own sentence when it was quoted from this passage, else the passage's opening sentence."""
    for sentence in answer.sentences:
        if sentence.text and sentence.text in source.text:
            return clip(sentence.text, QUOTE_CHARS)
    opening = split_sentences(source.text)
    return clip(opening[0] if opening else source.text, QUOTE_CHARS)


def sources_embed(answer: Answer) -> discord.Embed | None:
    """The notes behind an answer, with a quote each; ✓ marks those that support a sentence. None for a decline."""
    if answer.refused or not answer.sources:
        return None
    cited = {cid for s in answer.sentences for cid in s.source_ids}
    embed = discord.Embed(title="Sources", colour=discord.Colour.blurple())
    for number, source in enumerate(answer.sources[:EMBED_SOURCES], 1):
        mark = "✓ " if source.id in cited else ""
        embed.add_field(
            name=clip(f"{mark}{number}. {source.title}", EMBED_NAME_LIMIT),
            value=f"> {source_quote(source, answer)}\n`{source.source}` · similarity {source.score:.2f}",
            inline=False,
        )
    if cited:
        embed.set_footer(text="✓ supports a sentence of the answer")
    return embed


def thread_name(question: str) -> str:
    """The question, without raw mention markup such as <@123> or invisible format characters (a right-to-left
    override would flip the thread list), short enough for a thread's name."""
    return clip(_MENTION_MARKUP.sub("", strip_format_characters(question)), THREAD_NAME_CHARS) or "question"
