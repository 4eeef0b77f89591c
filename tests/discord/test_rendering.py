"""What members read: answers cut to Discord's limits, refusals put into words, /about, /reindex's report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.discord.queue import Refusal, RefusalKind
from bot.discord.rendering import (
    BUSY,
    MESSAGE_LIMIT,
    about_text,
    age,
    refusal_text,
    reindex_report,
    split_message,
    thread_name,
)
from bot.models import BuildReport
from tests.fakes import FakeService


def test_split_message_keeps_sentences_whole_and_cuts_only_giants():
    sentences = ["A" * 900 + ".", "B" * 900 + ".", "C" * 900 + "."]
    parts = split_message(sentences)
    assert parts == [sentences[0] + " " + sentences[1], sentences[2]]
    giant = split_message(["word " * 1000])
    assert all(len(p) <= MESSAGE_LIMIT for p in giant) and "".join(giant).replace(" ", "") == "word" * 1000


def test_refusals_are_put_into_words_from_their_kind_and_numbers():
    assert refusal_text(Refusal(RefusalKind.BUSY)) == BUSY
    assert refusal_text(Refusal(RefusalKind.INVALID, reason="the question is empty")) == "Sorry, the question is empty."
    one = refusal_text(Refusal(RefusalKind.COOLDOWN, wait_s=0.2, limit_s=5))
    assert one == "Please wait 1 more second before your next question (one question every 5 s)."
    thirty = refusal_text(Refusal(RefusalKind.COOLDOWN, wait_s=29.5, limit_s=30))
    assert thirty.startswith("Please wait 30 more seconds")


def test_about_and_reindex_texts_come_from_the_service_about():
    about = FakeService(notes=4, chunks=15).about()
    text = about_text(about, waiting=2, queue_size=20)
    assert "**4 notes** (15 chunks)" in text and "3 hours ago" in text and "fake-lm" in text
    assert text.endswith("Questions waiting: 2 of 20.")
    report = BuildReport(added=["knowledge/new.md"], failed={"knowledge/bad.md": "no title"})
    rebuilt = reindex_report(report, about).splitlines()
    assert rebuilt[0] == "Rebuilt: now answering from 4 notes (15 chunks)."
    assert "added: `knowledge/new.md`" in rebuilt and "skipped `knowledge/bad.md`: no title" in rebuilt
    assert reindex_report(BuildReport(), None).startswith("Nothing changed in the notes")


def test_thread_names_and_ages_read_well():
    assert thread_name("<@123> <#456> What is dropout?") == "What is dropout?"
    assert thread_name("<@123>") == "question" and len(thread_name("why " * 100)) <= 90
    now = datetime(2026, 1, 2, tzinfo=UTC)
    assert age(now - timedelta(seconds=30), now) == "just now"
    assert age(now - timedelta(hours=1), now) == "1 hour ago" and age(now - timedelta(days=3), now) == "3 days ago"
