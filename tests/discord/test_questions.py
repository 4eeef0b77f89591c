"""The questions cog: mentions answered in threads, DMs, follow-ups, /ask and /reset, and every refusal a member
can meet (cooldown, full queue, too long, a failing service). Messages go through dpytest, slash commands
through their callbacks."""

from __future__ import annotations

import asyncio
import threading

import discord.ext.test as dpytest

from bot.discord.rendering import BUSY
from bot.discord.replies import FeedbackView
from tests.discord.harness import ask_by_mention, bot_messages, bot_threads, mention, settle, slash_bot, start
from tests.fakes import OFF_TOPIC_DECLINE, FakeInteraction, FakeService, assert_no_pings, slash

# --- mentions, DMs and follow-ups -----------------------------------------------------------------------------------


async def test_mention_is_answered_in_a_thread_with_sources(tmp_path, running, payloads):
    bot = await start(tmp_path, FakeService())
    running.append(bot)
    channel = dpytest.get_config().channels[0]
    thread = await ask_by_mention(bot, "What is dropout?", channel)
    assert thread.name == "What is dropout?"
    assert bot_messages(channel) == []  # the channel stays clean; the answer lives in the thread
    (answer,) = bot_messages(thread)
    assert answer["content"].startswith("This answers: What is dropout?")
    embed = answer["embeds"][0]
    assert embed["title"] == "Sources"
    assert "Dropout > How dropout works" in embed["fields"][0]["name"]
    assert "Dropout randomly zeroes activations" in embed["fields"][0]["value"]
    assert "knowledge/dropout.md" in embed["fields"][0]["value"]
    buttons = [c for row in answer["components"] for c in row["components"]]
    assert [b["emoji"]["name"] for b in buttons] == ["👍", "👎"]

    # A follow-up in the thread needs no mention, and the thread remembers the topic.
    await dpytest.message("What is it used for?", channel=thread)
    await settle(bot)
    assert "dropout" in bot_messages(thread)[-1]["content"].lower()
    assert all(p.get("allowed_mentions") == {"parse": []} for p in payloads)


async def test_dm_conversation_keeps_its_own_memory(tmp_path, running):
    service = FakeService()
    bot = await start(tmp_path, service)
    running.append(bot)
    member = dpytest.get_config().members[0]
    dm = await member.create_dm()
    await dpytest.message("What is a CNN?", channel=dm, member=member)
    await settle(bot)
    await dpytest.message("What is it used for?", channel=dm, member=member)
    await settle(bot)
    replies = bot_messages(dm)
    assert len(replies) == 2
    assert "a cnn used for" in replies[1]["content"].lower()
    assert bot_threads(bot) == []  # no thread in a DM

    # Another member's DM is another conversation.
    other = dpytest.get_config().members[1]
    other_dm = await other.create_dm()
    await dpytest.message("What is it used for?", channel=other_dm, member=other)
    await settle(bot)
    assert "cnn" not in bot_messages(other_dm)[-1]["content"].lower()


async def test_at_everyone_alone_does_not_summon_the_bot(tmp_path, running):
    service = FakeService()
    bot = await start(tmp_path, service)
    running.append(bot)
    await dpytest.message("@everyone what is ML?")
    await settle(bot)
    assert service.questions == [] and bot_threads(bot) == []


async def test_off_topic_question_gets_a_polite_decline_without_sources(tmp_path, running):
    bot = await start(tmp_path, FakeService())
    running.append(bot)
    thread = await ask_by_mention(bot, "What is the capital of Australia?")
    (reply,) = bot_messages(thread)
    assert reply["content"] == OFF_TOPIC_DECLINE
    assert not reply.get("embeds")


# --- refusals, and failures that still answer -----------------------------------------------------------------------


async def test_cooldown_answers_clearly(tmp_path, running):
    service = FakeService()
    bot = await start(tmp_path, service, discord_cooldown_s=30)
    running.append(bot)
    channel = dpytest.get_config().channels[0]
    await dpytest.message(mention(bot, "What is dropout?"), channel=channel)
    await dpytest.message(mention(bot, "What is pooling?"), channel=channel)
    await settle(bot)
    (refusal,) = bot_messages(channel)
    assert refusal["content"].startswith("Please wait 30 more seconds")
    assert service.questions == ["What is dropout?"]


async def test_a_burst_of_mentions_gets_one_answer_and_one_notice(tmp_path, running):
    """Fifteen mentions in a few seconds from one member, some empty: the bot posts twice, not fifteen times."""
    service = FakeService()
    bot = await start(tmp_path, service, discord_cooldown_s=30)
    running.append(bot)
    channel = dpytest.get_config().channels[0]
    for number in range(15):
        await dpytest.message(mention(bot, "" if number % 3 else f"What is topic {number}?"), channel=channel)
    await settle(bot)
    assert service.questions == ["What is topic 0?"]
    (notice,) = bot_messages(channel)
    assert notice["content"].startswith("Please wait")


async def test_full_queue_says_busy_and_in_line_members_hear_their_place(tmp_path, running):
    gate = threading.Event()
    service = FakeService(gate=gate)
    bot = await start(tmp_path, service, members=4, discord_queue_size=1)
    running.append(bot)
    config = dpytest.get_config()
    channel = config.channels[0]
    for number, member in enumerate(config.members[:3]):
        await dpytest.message(mention(bot, f"What is topic {number}?"), channel=channel, member=member)
        await asyncio.sleep(0.05)  # the first question is taken up before the next arrives
    await dpytest.run_all_events()

    (busy,) = bot_messages(channel)
    assert busy["content"] == BUSY
    threads = sorted(bot_threads(bot), key=lambda t: t.name)
    assert len(threads) == 2
    assert bot_messages(threads[1])[0]["content"].startswith("You're number 2 in line")

    gate.set()
    await settle(bot)
    assert service.questions == ["What is topic 0?", "What is topic 1?"]  # in order, none lost
    assert bot_messages(threads[0])[-1]["content"].startswith("This answers: What is topic 0?")
    assert bot_messages(threads[1])[-1]["content"].startswith("This answers: What is topic 1?")


async def test_too_long_question_is_refused_with_the_limit(tmp_path, running):
    service = FakeService()
    bot = await start(tmp_path, service, max_question_chars=50)
    running.append(bot)
    channel = dpytest.get_config().channels[0]
    await dpytest.message(mention(bot, "What is " + "very " * 20 + "deep learning?"), channel=channel)
    await settle(bot)
    (refusal,) = bot_messages(channel)
    assert "the limit is 50" in refusal["content"]
    assert service.questions == []


async def test_a_failing_service_still_answers_the_member(tmp_path, running):
    class BrokenService(FakeService):
        def answer(self, question, conversation=None, on_text=None):
            raise RuntimeError("model crashed")

    bot = await start(tmp_path, BrokenService())
    running.append(bot)
    thread = await ask_by_mention(bot, "What is dropout?")
    assert bot_messages(thread)[-1]["content"].startswith("Sorry, something went wrong")


# --- /ask and /reset ------------------------------------------------------------------------------------------------


async def test_slash_ask_answers_with_sources_and_feedback_buttons(tmp_path):
    bot = await slash_bot(tmp_path)
    interaction = FakeInteraction()
    await slash(bot, "ask")(interaction, question="@everyone What is dropout?")
    await asyncio.wait_for(bot.drain(), 5)
    assert interaction.sent[0] == {"kind": "defer", "ephemeral": False, "thinking": True}
    final = interaction.sent[-1]
    assert final["content"].startswith("This answers: @everyone What is dropout?")
    assert final["embed"].title == "Sources"
    assert isinstance(final["view"], FeedbackView)
    assert_no_pings(interaction)
    await bot.close()


async def test_slash_ask_refusals_are_ephemeral_and_clear(tmp_path):
    bot = await slash_bot(tmp_path, discord_cooldown_s=60)
    first, second, empty = FakeInteraction(1), FakeInteraction(1), FakeInteraction(2)
    await slash(bot, "ask")(first, question="What is dropout?")
    await slash(bot, "ask")(second, question="What is pooling?")
    await slash(bot, "ask")(empty, question="   ")
    await asyncio.wait_for(bot.drain(), 5)
    assert second.sent[0]["ephemeral"] and "Please wait" in second.sent[0]["content"]
    assert empty.sent[0]["ephemeral"] and "empty" in empty.sent[0]["content"]
    await bot.close()


async def test_slash_reset_forgets_this_conversation(tmp_path):
    bot = await slash_bot(tmp_path)
    await slash(bot, "ask")(FakeInteraction(1), question="What is a CNN?")
    await asyncio.wait_for(bot.drain(), 5)
    followup = FakeInteraction(1)
    await slash(bot, "ask")(followup, question="What is it used for?")
    await asyncio.wait_for(bot.drain(), 5)
    assert "a cnn used for" in followup.shown.lower()

    reset = FakeInteraction(1)
    await slash(bot, "reset")(reset)
    assert reset.sent[0]["ephemeral"] and "forgotten" in reset.sent[0]["content"]
    after = FakeInteraction(1)
    await slash(bot, "ask")(after, question="What is it used for?")
    await asyncio.wait_for(bot.drain(), 5)
    assert "cnn" not in after.shown.lower()
    assert_no_pings(reset)
    await bot.close()
