"""The Discord adapter with a fake answering service: message flows through dpytest, slash commands through their
callbacks with a fake interaction, and the queue under load. No network, no model."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext.test import backend
from discord.ext.test import factories as dpytest_factories

from bot.answering import validate_question
from bot.conversation import Conversation, Turn, standalone_question
from bot.discord_bot import (
    BUSY,
    MESSAGE_LIMIT,
    NO_PINGS,
    NOT_ALLOWED,
    ConversationMemory,
    Cooldown,
    FeedbackView,
    MLBot,
    make_client,
    shard_problem,
    split_message,
)
from bot.feedback import render, summarise
from bot.models import Answer, AnswerSentence, BuildReport, Manifest, Source
from bot.settings import Settings

OFF_TOPIC_DECLINE = "Sorry, I can only help with machine learning and deep learning."


# --- a fake answering service with the real service's answer() contract --------------------------------------------


class FakeService:
    """Answers instantly (or after `delay` seconds, or when `gate` opens), resolving follow-ups like the real one."""

    def __init__(self, delay: float = 0.0, gate: threading.Event | None = None) -> None:
        self.delay = delay
        self.gate = gate
        self.questions: list[str] = []
        self.generator = SimpleNamespace(name="fake-lm")
        self.index = SimpleNamespace(manifest=fake_manifest(notes=3, chunks=12))
        self.concurrent = 0
        self.max_concurrent = 0
        self._lock = threading.Lock()

    def answer(self, question: str, conversation: Conversation | None = None, on_text=None) -> Answer:
        with self._lock:
            self.concurrent += 1
            self.max_concurrent = max(self.max_concurrent, self.concurrent)
        try:
            return self._answer(question, conversation, on_text)
        finally:
            with self._lock:
                self.concurrent -= 1

    def _answer(self, question, conversation, on_text) -> Answer:
        question = validate_question(question, 1000)
        if self.gate is not None:
            self.gate.wait(timeout=10)
        if self.delay:
            time.sleep(self.delay)
        self.questions.append(question)
        standalone = standalone_question(question, conversation, lambda phrase: False)
        if "capital" in question.lower():
            if on_text:
                on_text(OFF_TOPIC_DECLINE)
            return Answer(question=question, standalone_question=standalone, answer=OFF_TOPIC_DECLINE, refused=True)
        source = Source(
            id="c1",
            source="knowledge/dropout.md",
            title="Dropout > How dropout works",
            score=0.71,
            text="Dropout randomly zeroes activations during training. It reduces overfitting.",
        )
        if "long" in question:
            texts = [f"Sentence {i} is a long sentence about regularisation. " + "word " * 40 for i in range(30)]
            texts = [" ".join(t.split()) + "." for t in texts]
        else:
            texts = [f"This answers: {standalone}.", "Dropout randomly zeroes activations during training."]
        sentences = [AnswerSentence(text=t, source_ids=["c1"], generated=i == 0) for i, t in enumerate(texts)]
        for sentence in sentences:
            if on_text:
                on_text(sentence.text)
        if conversation is not None:
            previous = conversation.last_topic()
            followup = standalone != question and previous is not None
            topic = previous.topic if followup else question.removeprefix("What is ").rstrip("?")
            conversation.add(Turn(question, standalone, topic))
        return Answer(
            question=question,
            standalone_question=standalone,
            answer=" ".join(texts),
            refused=False,
            sentences=sentences,
            sources=[source],
        )


def fake_manifest(notes: int, chunks: int, built_at: datetime | None = None) -> Manifest:
    return Manifest(
        embedder="fake-hash",
        dimension=64,
        index_type="Flat",
        chunk_count=chunks,
        sentence_count=chunks * 3,
        built_at=built_at or datetime.now(UTC) - timedelta(hours=3),
        files={
            path: {"path": path, "sha256": "0", "chunk_ids": []}
            for path in (f"knowledge/n{i}.md" for i in range(notes))
        },
    )


def make_settings(tmp_path: Path, **overrides) -> Settings:
    values = dict(
        feedback_file=tmp_path / "feedback.jsonl",
        discord_cooldown_s=0,
        discord_edit_interval_s=0.2,
        discord_queue_size=20,
        discord_owner_ids=[4242],
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)


# --- dpytest wiring --------------------------------------------------------------------------------------------------


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


@pytest.fixture
def payloads(monkeypatch) -> list[dict]:
    """Every message payload the bot builds (sends and edits), to check allowed_mentions on each."""
    recorded: list[dict] = []
    original = discord.http.handle_message_parameters

    def recording(*args, **kwargs):
        params = original(*args, **kwargs)
        recorded.append(dict(params.payload or {}))
        return params

    for module in (discord.abc, discord.message, discord.channel):
        monkeypatch.setattr(module, "handle_message_parameters", recording)
    return recorded


def dpytest_client(settings: Settings) -> discord.Client:
    """The bot's own client, plus the members intent: dpytest finds mentioned members in the member cache."""
    intents = make_client(settings).intents
    intents.members = True
    return discord.Client(intents=intents, allowed_mentions=NO_PINGS)


async def start(tmp_path: Path, service: FakeService, members: int = 3, **overrides) -> MLBot:
    settings = make_settings(tmp_path, **overrides)
    bot = MLBot(settings, service, client=dpytest_client(settings))
    await bot.client._async_setup_hook()
    dpytest.configure(bot.client, members=members)
    bot.client._connection.loop = asyncio.get_running_loop()  # dpytest's state misses it; typing() needs it
    add_thread_support(bot.client)
    bot.start_worker()
    return bot


@pytest.fixture
async def running():
    bots: list[MLBot] = []
    yield bots
    for bot in bots:
        await bot.close()
    await dpytest.empty_queue()


async def settle(bot: MLBot) -> None:
    await asyncio.wait_for(bot.drain(), timeout=10)
    await dpytest.run_all_events()


def bot_messages(channel) -> list[dict]:
    """The bot's messages in a channel as Discord would now show them (edits applied)."""
    me = str(dpytest.get_config().client.user.id)
    return [m for m in backend._cur_config.messages.get(channel.id, []) if str(m["author"]["id"]) == me]


def bot_threads(bot: MLBot) -> list[discord.Thread]:
    return [t for g in bot.client.guilds for t in g.threads if t.owner_id == bot.client.user.id]


def mention(bot: MLBot, text: str) -> str:
    return f"<@{bot.client.user.id}> {text}"


# --- message flows ---------------------------------------------------------------------------------------------------


async def test_intents_are_only_what_the_bot_needs_and_pings_are_off_by_default(tmp_path):
    intents = make_client(make_settings(tmp_path)).intents
    enabled = {name for name, on in intents if on}
    assert enabled == {"guilds", "guild_messages", "dm_messages", "message_content"}
    assert make_client(make_settings(tmp_path)).allowed_mentions.to_dict() == {"parse": []}  # the default, too


async def test_sharded_setting_uses_the_auto_sharded_client(tmp_path):
    client = make_client(make_settings(tmp_path, discord_sharded=True, discord_shard_count=8, discord_shard_ids=[4, 5]))
    assert isinstance(client, discord.AutoShardedClient)
    assert client.shard_ids == [4, 5] and client.shard_count == 8
    assert not isinstance(make_client(make_settings(tmp_path)), discord.AutoShardedClient)
    assert shard_problem(make_settings(tmp_path, discord_sharded=True, discord_shard_ids=[0])) is not None
    assert "0..3" in shard_problem(
        make_settings(tmp_path, discord_sharded=True, discord_shard_count=4, discord_shard_ids=[4])
    )


async def test_mention_is_answered_in_a_thread_with_sources(tmp_path, running, payloads):
    bot = await start(tmp_path, FakeService())
    running.append(bot)
    channel = dpytest.get_config().channels[0]
    await dpytest.message(mention(bot, "What is dropout?"), channel=channel)
    await settle(bot)

    (thread,) = bot_threads(bot)
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


async def test_answer_is_streamed_by_editing_one_message(tmp_path, running, payloads):
    bot = await start(tmp_path, FakeService(delay=0.3))
    running.append(bot)
    channel = dpytest.get_config().channels[0]
    await dpytest.message(mention(bot, "What is dropout?"), channel=channel)
    await settle(bot)
    (thread,) = bot_threads(bot)
    assert len(bot_messages(thread)) == 1
    contents = [p["content"] for p in payloads if "content" in p]
    assert contents[0].endswith("…")  # the partial answer, then the whole one in the same message
    assert not contents[-1].endswith("…")


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


async def test_long_answers_are_split_at_sentence_boundaries(tmp_path, running):
    bot = await start(tmp_path, FakeService())
    running.append(bot)
    await dpytest.message(mention(bot, "Give me a long answer about regularisation"))
    await settle(bot)
    (thread,) = bot_threads(bot)
    parts = bot_messages(thread)
    assert len(parts) >= 3
    assert all(0 < len(p["content"]) <= MESSAGE_LIMIT for p in parts)
    assert all(p["content"].endswith(".") for p in parts)  # never cut inside a sentence
    assert " ".join(p["content"] for p in parts).count("Sentence ") == 30
    assert [bool(p.get("embeds")) for p in parts] == [False] * (len(parts) - 1) + [True]  # sources come last


async def test_everyone_in_a_question_pings_nobody(tmp_path, running, payloads):
    bot = await start(tmp_path, FakeService())
    running.append(bot)
    await dpytest.message(mention(bot, "@everyone what is ML? <@&123456789012345678>"))
    await settle(bot)
    (thread,) = bot_threads(bot)
    (answer,) = bot_messages(thread)
    assert "@everyone" in answer["content"]  # the fake service echoes the question...
    assert payloads and all(p.get("allowed_mentions") == {"parse": []} for p in payloads)  # ...and nobody is pinged


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
    await dpytest.message(mention(bot, "What is the capital of Australia?"))
    await settle(bot)
    (thread,) = bot_threads(bot)
    (reply,) = bot_messages(thread)
    assert reply["content"] == OFF_TOPIC_DECLINE
    assert not reply.get("embeds")


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
    await dpytest.message(mention(bot, "What is dropout?"))
    await settle(bot)
    (thread,) = bot_threads(bot)
    assert bot_messages(thread)[-1]["content"].startswith("Sorry, something went wrong")


# --- slash commands, through their callbacks -------------------------------------------------------------------------


class FakeResponse:
    def __init__(self, interaction: FakeInteraction) -> None:
        self.interaction = interaction
        self.done = False

    def is_done(self) -> bool:
        return self.done

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> None:
        self.done = True
        self.interaction.sent.append({"kind": "defer", "ephemeral": ephemeral, "thinking": thinking})

    async def send_message(self, content=None, **kwargs) -> None:
        self.done = True
        self.interaction.sent.append({"kind": "send", "content": content, **kwargs})


class FakeFollowup:
    def __init__(self, interaction: FakeInteraction) -> None:
        self.interaction = interaction

    async def send(self, content=None, **kwargs):
        self.interaction.sent.append({"kind": "followup", "content": content, **kwargs})
        return SimpleNamespace(id=len(self.interaction.sent))


class FakeInteraction:
    """What a slash command callback uses of discord.Interaction; records everything it is asked to show."""

    def __init__(self, user_id: int = 1, *, guild_id: int | None = 10, channel_id: int = 20, manage_guild=False):
        self.user = SimpleNamespace(id=user_id, name=f"user{user_id}")
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.channel = SimpleNamespace(id=channel_id)
        self.permissions = discord.Permissions(manage_guild=manage_guild)
        self.sent: list[dict] = []
        self.response = FakeResponse(self)
        self.followup = FakeFollowup(self)

    async def edit_original_response(self, **kwargs):
        self.sent.append({"kind": "edit", "at": time.perf_counter(), **kwargs})
        return SimpleNamespace(id=0)

    @property
    def shown(self) -> str:
        """What the member sees in the response now."""
        edits = [s for s in self.sent if s["kind"] in ("edit", "send")]
        return edits[-1].get("content") or "" if edits else ""


def command(bot: MLBot, name: str):
    return bot.tree.get_command(name).callback


def assert_no_pings(interaction: FakeInteraction) -> None:
    for sent in interaction.sent:
        if sent["kind"] != "defer":
            assert sent["allowed_mentions"].to_dict() == {"parse": []}, sent


async def slash_bot(tmp_path, service=None, rebuild=None, **overrides) -> MLBot:
    extra = {"rebuild": rebuild} if rebuild else {}
    bot = MLBot(make_settings(tmp_path, **overrides), service or FakeService(), **extra)
    bot.start_worker()
    return bot


async def test_all_four_commands_are_registered(tmp_path):
    bot = MLBot(make_settings(tmp_path), FakeService())
    assert sorted(c.name for c in bot.tree.get_commands()) == ["about", "ask", "reindex", "reset"]
    assert [p.name for p in bot.tree.get_command("ask").parameters] == ["question"]
    await bot.close()


@pytest.mark.parametrize("dev_guild", [None, 777])
async def test_commands_sync_on_start_per_guild_when_a_dev_guild_is_set(tmp_path, monkeypatch, dev_guild):
    synced = []

    async def sync(*, guild=None):
        synced.append(guild.id if guild else None)
        return []

    bot = MLBot(make_settings(tmp_path, discord_dev_guild_id=dev_guild), FakeService())
    monkeypatch.setattr(bot.tree, "sync", sync)
    await bot.setup_hook()
    assert synced == [dev_guild]
    if dev_guild:
        assert len(bot.tree.get_commands(guild=discord.Object(id=dev_guild))) == 4
    assert bot._worker is not None and not bot._worker.done()  # the queue is served from the start
    await bot.close()


async def test_slash_ask_answers_with_sources_and_feedback_buttons(tmp_path):
    bot = await slash_bot(tmp_path)
    interaction = FakeInteraction()
    await command(bot, "ask")(interaction, question="@everyone What is dropout?")
    await asyncio.wait_for(bot.drain(), 5)
    assert interaction.sent[0] == {"kind": "defer", "ephemeral": False, "thinking": True}
    final = interaction.sent[-1]
    assert final["content"].startswith("This answers: @everyone What is dropout?")
    assert final["embed"].title == "Sources"
    assert isinstance(final["view"], FeedbackView)
    assert_no_pings(interaction)
    await bot.close()


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
    await command(bot, "ask")(interaction, question="What is dropout?")
    await asyncio.wait_for(bot.drain(), 5)
    edits = [s for s in interaction.sent if s["kind"] == "edit"]
    partial, final = edits[:-1], edits[-1]
    assert 2 <= len(partial) <= 4  # 0.5 s of sentences at one edit per 0.2 s, not one edit per sentence
    assert all(b["at"] - a["at"] >= 0.19 for a, b in zip(partial, partial[1:], strict=False))
    assert all(e["content"].endswith("…") for e in partial) and final["content"].endswith("Sentence 9 about dropout.")
    await bot.close()


async def test_slash_ask_refusals_are_ephemeral_and_clear(tmp_path):
    bot = await slash_bot(tmp_path, discord_cooldown_s=60)
    first, second, empty = FakeInteraction(1), FakeInteraction(1), FakeInteraction(2)
    await command(bot, "ask")(first, question="What is dropout?")
    await command(bot, "ask")(second, question="What is pooling?")
    await command(bot, "ask")(empty, question="   ")
    await asyncio.wait_for(bot.drain(), 5)
    assert second.sent[0]["ephemeral"] and "Please wait" in second.sent[0]["content"]
    assert empty.sent[0]["ephemeral"] and "empty" in empty.sent[0]["content"]
    await bot.close()


async def test_slash_reset_forgets_this_conversation(tmp_path):
    bot = await slash_bot(tmp_path)
    await command(bot, "ask")(FakeInteraction(1), question="What is a CNN?")
    await asyncio.wait_for(bot.drain(), 5)
    followup = FakeInteraction(1)
    await command(bot, "ask")(followup, question="What is it used for?")
    await asyncio.wait_for(bot.drain(), 5)
    assert "a cnn used for" in followup.shown.lower()

    reset = FakeInteraction(1)
    await command(bot, "reset")(reset)
    assert reset.sent[0]["ephemeral"] and "forgotten" in reset.sent[0]["content"]
    after = FakeInteraction(1)
    await command(bot, "ask")(after, question="What is it used for?")
    await asyncio.wait_for(bot.drain(), 5)
    assert "cnn" not in after.shown.lower()
    assert_no_pings(reset)
    await bot.close()


async def test_slash_about_reports_notes_chunks_age_and_model(tmp_path):
    bot = await slash_bot(tmp_path)
    interaction = FakeInteraction()
    await command(bot, "about")(interaction)
    text = interaction.sent[0]["content"]
    assert "3 notes" in text and "12 chunks" in text and "3 hours ago" in text and "fake-lm" in text
    assert_no_pings(interaction)
    await bot.close()


async def test_slash_reindex_is_for_managers_and_owners_only(tmp_path):
    calls = []

    def rebuild(settings, service):
        calls.append(1)
        return BuildReport(unchanged=["knowledge/a.md"]), None

    bot = MLBot(make_settings(tmp_path), FakeService(), rebuild=rebuild)
    member = FakeInteraction(1)
    await command(bot, "reindex")(member)
    assert member.sent[0]["content"] == NOT_ALLOWED and member.sent[0]["ephemeral"]
    owner_in_dm = FakeInteraction(4242, guild_id=None)
    await command(bot, "reindex")(owner_in_dm)
    manager = FakeInteraction(2, manage_guild=True)
    await command(bot, "reindex")(manager)
    assert len(calls) == 2
    assert "up to date" in manager.shown
    assert_no_pings(manager)
    await bot.close()


async def test_slash_reindex_swaps_the_index_while_answering_goes_on(tmp_path):
    old = FakeService(delay=0.05)
    new = FakeService()
    new.index = SimpleNamespace(manifest=fake_manifest(notes=4, chunks=15))
    rebuild_started = threading.Event()

    def rebuild(settings, service):
        rebuild_started.set()
        time.sleep(0.3)  # a slow build: questions keep being answered by the old service meanwhile
        return BuildReport(added=["knowledge/new.md"], unchanged=["knowledge/a.md"], chunks_embedded=3), new

    bot = await slash_bot(tmp_path, old, rebuild=rebuild)
    manager = FakeInteraction(2, manage_guild=True)
    reindex = asyncio.create_task(command(bot, "reindex")(manager))
    assert await asyncio.to_thread(rebuild_started.wait, 5)
    during = FakeInteraction(3)
    await command(bot, "ask")(during, question="What is dropout?")
    await asyncio.wait_for(bot.drain(), 5)
    assert not reindex.done() and old.questions == ["What is dropout?"]  # answered while rebuilding
    await reindex
    assert "1 added" in manager.shown and "knowledge/new.md" in manager.shown and "4 notes (15 chunks)" in manager.shown
    after = FakeInteraction(4)
    await command(bot, "ask")(after, question="What is pooling?")
    await asyncio.wait_for(bot.drain(), 5)
    assert new.questions == ["What is pooling?"] and bot.service is new
    await bot.close()


# --- feedback -------------------------------------------------------------------------------------------------------


async def test_votes_are_appended_without_user_names_and_summarised(tmp_path):
    bot = await slash_bot(tmp_path)
    asked = FakeInteraction(7)
    await command(bot, "ask")(asked, question="What is dropout?")
    await asyncio.wait_for(bot.drain(), 5)
    view: FeedbackView = asked.sent[-1]["view"]

    voter = FakeInteraction(99)
    await view.unhelpful.callback(voter)
    await view.helpful.callback(voter)  # one vote per member
    await view.helpful.callback(FakeInteraction(100))
    assert "Thanks" in voter.sent[0]["content"] and voter.sent[0]["ephemeral"]
    assert "already" in voter.sent[1]["content"]

    lines = bot.settings.feedback_file.read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["vote"] for r in records] == ["down", "up"]
    assert set(records[0]) == {"time", "vote", "question", "answer", "refused", "sources"}
    assert records[0]["question"] == "What is dropout?" and records[0]["sources"][0]["source"] == "knowledge/dropout.md"
    assert "user99" not in lines[0] and "99" not in json.dumps(records[0]["sources"])

    summary = summarise(bot.settings.feedback_file)
    assert (summary.up, summary.down) == (1, 1)
    text = render(summary, bot.settings.feedback_file)
    assert "2 votes" in text and "knowledge/dropout.md" in text and "What is dropout?" in text
    await bot.close()


def test_feedback_command_summarises_the_file(tmp_path):
    from click.testing import CliRunner

    from bot.cli import main

    path = tmp_path / "feedback.jsonl"
    runner = CliRunner()
    result = runner.invoke(main, ["feedback", "--file", str(path)])
    assert result.exit_code == 0 and "no feedback yet" in result.output
    record = {
        "time": "2026-01-02T03:04:05Z",
        "vote": "down",
        "question": "What is ML?",
        "answer": "ML is ...",
        "refused": False,
        "sources": [{"source": "knowledge/ml.md", "title": "ML", "score": 0.5}],
    }
    path.write_text(json.dumps(record) + "\n{broken\n")
    result = runner.invoke(main, ["feedback", "--file", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 votes" in result.output or "1 vote" in result.output
    assert "knowledge/ml.md" in result.output and "1 unreadable" in result.output


# --- the token ------------------------------------------------------------------------------------------------------


def test_missing_token_is_one_line_and_exit_2(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from bot.cli import main

    for name in ("DISCORD_TOKEN", "MLBOT_DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    result = CliRunner().invoke(main, ["discord"])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "DISCORD_TOKEN" in result.stderr
    assert "Traceback" not in result.output


def test_rejected_token_is_one_line_exit_2_and_never_echoed(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import bot.discord_bot
    import bot.runtime
    from bot.cli import main

    secret = "MTIz.secret-token.value"

    async def reject(self, token):
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(discord.Client, "login", reject)
    monkeypatch.setattr(bot.discord_bot, "configure_logging", lambda: None)
    monkeypatch.setattr(bot.runtime, "load_service", lambda settings, **_: FakeService())
    monkeypatch.setenv("DISCORD_TOKEN", secret)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["discord"])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "rejected the token" in result.stderr
    assert secret not in result.output and "Traceback" not in result.output


# --- load ----------------------------------------------------------------------------------------------------------


async def largest_tick_gap(during) -> tuple[float, object]:
    """Run `during` while a 100 ms timer ticks; the largest gap between ticks shows any event-loop stall."""
    ticks: list[float] = []
    stop = asyncio.Event()

    async def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.1)

    task = asyncio.create_task(ticker())
    try:
        result = await during
    finally:
        stop.set()
        await task
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    return max(gaps, default=0.0), result


async def test_fifty_questions_at_once_are_all_answered_or_told_busy_and_the_loop_stays_responsive(tmp_path):
    service = FakeService(delay=0.02)
    bot = await slash_bot(tmp_path, service, discord_queue_size=20)
    interactions = [FakeInteraction(user_id=1000 + i) for i in range(50)]

    async def burst():
        ask = command(bot, "ask")
        await asyncio.gather(*(ask(it, question=f"What is topic {i}?") for i, it in enumerate(interactions)))
        await asyncio.wait_for(bot.drain(), 30)

    gap, _ = await largest_tick_gap(burst())
    answered = [it for it in interactions if it.shown.startswith("This answers:")]
    busy = [it for it in interactions if it.sent[0].get("content") == BUSY]
    assert len(answered) + len(busy) == 50  # none lost
    assert 20 <= len(answered) <= 21  # the queue's 20 places (+1 if the first was taken up before the rest came)
    assert service.max_concurrent == 1  # the model is never entered twice
    assert service.questions == [f"What is topic {i}?" for i in range(len(answered))]  # in order
    assert gap < 0.25, f"event loop stalled for {gap:.3f}s"
    await bot.close()


# --- units ----------------------------------------------------------------------------------------------------------


def test_split_message_keeps_sentences_whole_and_cuts_only_giants():
    sentences = ["A" * 900 + ".", "B" * 900 + ".", "C" * 900 + "."]
    parts = split_message(sentences)
    assert parts == [sentences[0] + " " + sentences[1], sentences[2]]
    giant = split_message(["word " * 1000])
    assert all(len(p) <= MESSAGE_LIMIT for p in giant) and "".join(giant).replace(" ", "") == "word" * 1000


def test_memory_is_bounded_and_expires():
    now = [0.0]
    memory = ConversationMemory(max_turns=2, ttl_s=60, max_conversations=3, clock=lambda: now[0])
    first = memory.get("a")
    assert memory.get("a") is first
    for key in "bcd":
        memory.get(key)
    assert len(memory) == 3 and memory.get("a") is not first  # the oldest was dropped
    now[0] = 61.0
    assert len(memory) == 0
    assert memory.get("b").max_turns == 2


def test_cooldown_counts_down():
    now = [100.0]
    cooldown = Cooldown(5, clock=lambda: now[0])
    assert cooldown.remaining(1) == 0
    cooldown.start(1)
    now[0] = 102.0
    assert cooldown.remaining(1) == pytest.approx(3.0) and cooldown.remaining(2) == 0
