"""How an answer is shown: streamed by editing one message at a bounded rate, split between whole sentences,
and never pinging anyone."""

from __future__ import annotations

import asyncio
import time

import discord.ext.test as dpytest

from bot.discord.rendering import MESSAGE_LIMIT
from bot.models import Answer, AnswerSentence
from tests.discord.harness import ask_by_mention, bot_messages, slash_bot, start
from tests.fakes import FakeInteraction, FakeService, slash


async def test_answer_is_streamed_by_editing_one_message(tmp_path, running, payloads):
    bot = await start(tmp_path, FakeService(delay=0.3))
    running.append(bot)
    channel = dpytest.get_config().channels[0]
    thread = await ask_by_mention(bot, "What is dropout?", channel)
    assert len(bot_messages(thread)) == 1
    contents = [p["content"] for p in payloads if "content" in p]
    assert contents[0].endswith("…")  # the partial answer, then the whole one in the same message
    assert not contents[-1].endswith("…")


async def test_streamed_edits_keep_to_the_edit_interval(tmp_path):
    class Trickle(FakeService):
        """Accepts a sentence every 50 ms, like a model streaming."""

        def answer(self, question, conversation=None, on_text=None):
            texts = [f"Sentence {i} about dropout." for i in range(10)]
            for text in texts:
                time.sleep(0.05)
                on_text(text)
            sentences = [AnswerSentence(text=t, source_ids=[], generated=True) for t in texts]
            return Answer(
                question=question,
                standalone_question=question,
                answer=" ".join(texts),
                refused=False,
                sentences=sentences,
            )

    bot = await slash_bot(tmp_path, Trickle(), discord_edit_interval_s=0.2)
    interaction = FakeInteraction()
    await slash(bot, "ask")(interaction, question="What is dropout?")
    await asyncio.wait_for(bot.drain(), 5)
    edits = [s for s in interaction.sent if s["kind"] == "edit"]
    partial, final = edits[:-1], edits[-1]
    assert 2 <= len(partial) <= 4  # 0.5 s of sentences at one edit per 0.2 s, not one edit per sentence
    assert all(b["at"] - a["at"] >= 0.19 for a, b in zip(partial, partial[1:], strict=False))
    assert all(e["content"].endswith("…") for e in partial) and final["content"].endswith("Sentence 9 about dropout.")
    await bot.close()


async def test_long_answers_are_split_at_sentence_boundaries(tmp_path, running):
    bot = await start(tmp_path, FakeService())
    running.append(bot)
    thread = await ask_by_mention(bot, "Give me a long answer about regularisation")
    parts = bot_messages(thread)
    assert len(parts) >= 3
    assert all(0 < len(p["content"]) <= MESSAGE_LIMIT for p in parts)
    assert all(p["content"].endswith(".") for p in parts)  # never cut inside a sentence
    assert " ".join(p["content"] for p in parts).count("Sentence ") == 30
    assert [bool(p.get("embeds")) for p in parts] == [False] * (len(parts) - 1) + [True]  # sources come last


async def test_long_slash_answers_continue_in_follow_ups_with_the_sources_last(tmp_path):
    bot = await slash_bot(tmp_path)
    interaction = FakeInteraction()
    await slash(bot, "ask")(interaction, question="Give me a long answer about regularisation")
    await asyncio.wait_for(bot.drain(), 5)
    followups = [s for s in interaction.sent if s["kind"] == "followup"]
    assert followups and all(s["wait"] for s in followups)
    assert interaction.final is followups[-1] and interaction.final["embed"].title == "Sources"
    assert all("view" not in s for s in interaction.sent[:-1])  # the vote buttons only under the last part
    await bot.close()


async def test_everyone_in_a_question_pings_nobody(tmp_path, running, payloads):
    bot = await start(tmp_path, FakeService())
    running.append(bot)
    thread = await ask_by_mention(bot, "@everyone what is ML? <@&123456789012345678>")
    (answer,) = bot_messages(thread)
    assert "@everyone" in answer["content"]  # the fake service echoes the question...
    assert payloads and all(p.get("allowed_mentions") == {"parse": []} for p in payloads)  # ...and nobody is pinged
