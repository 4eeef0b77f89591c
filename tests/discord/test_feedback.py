"""The vote buttons under an answer, the file they append to, and `mlbot feedback` reading it."""

from __future__ import annotations

import asyncio
import json

from click.testing import CliRunner

from bot.cli import main
from bot.discord.replies import FeedbackView
from bot.feedback import render, summarise
from tests.discord.harness import slash_bot
from tests.fakes import FakeInteraction, slash


async def test_votes_are_appended_without_user_names_and_summarised(tmp_path):
    bot = await slash_bot(tmp_path)
    asked = FakeInteraction(7)
    await slash(bot, "ask")(asked, question="What is dropout?")
    await asyncio.wait_for(bot.drain(), 5)
    view: FeedbackView = asked.sent[-1]["view"]

    voter = FakeInteraction(99)
    await view.unhelpful.callback(voter)
    await view.helpful.callback(voter)  # one vote per member
    await view.helpful.callback(FakeInteraction(100))
    assert "Thanks" in voter.sent[0]["content"] and voter.sent[0]["ephemeral"]
    assert "already" in voter.sent[1]["content"]

    lines = bot.config.feedback_file.read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["vote"] for r in records] == ["down", "up"]
    assert set(records[0]) == {"time", "vote", "question", "answer", "refused", "sources"}
    assert records[0]["question"] == "What is dropout?" and records[0]["sources"][0]["source"] == "knowledge/dropout.md"
    assert "user99" not in lines[0] and "99" not in json.dumps(records[0]["sources"])

    summary = summarise(bot.config.feedback_file)
    assert (summary.up, summary.down) == (1, 1)
    text = render(summary, bot.config.feedback_file)
    assert "2 votes" in text and "knowledge/dropout.md" in text and "What is dropout?" in text
    await bot.close()


def test_feedback_command_summarises_the_file(tmp_path):
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


async def test_vote_buttons_keep_working_after_a_restart(tmp_path):
    """A fresh bot (a restart) holds no answers: its one persistent view takes the clicks on old answers' buttons
    and reads the answer and its sources from the message."""
    from types import SimpleNamespace

    from bot.discord.rendering import sources_embed
    from bot.discord.replies import VOTE_DOWN_ID, VOTE_UP_ID
    from tests.fakes import FakeService

    old = await slash_bot(tmp_path)
    asked = FakeInteraction(7)
    await slash(old, "ask")(asked, question="What is dropout?")
    await asyncio.wait_for(old.drain(), 5)
    answer_view: FeedbackView = asked.sent[-1]["view"]
    assert {item.custom_id for item in answer_view.children} == {VOTE_UP_ID, VOTE_DOWN_ID}
    assert answer_view.timeout is not None  # the answer itself is not held forever
    await old.close()

    restarted = await slash_bot(tmp_path)
    (persistent,) = restarted.persistent_views
    assert persistent.timeout is None and {i.custom_id for i in persistent.children} == {VOTE_UP_ID, VOTE_DOWN_ID}
    answer = FakeService().answer("What is dropout?")
    message = SimpleNamespace(
        id=42, content=asked.sent[-1]["content"], embeds=[sources_embed(answer)], channel=None, reference=None
    )
    voter = FakeInteraction(99)
    voter.message = message
    await persistent.unhelpful.callback(voter)
    await persistent.unhelpful.callback(voter)
    assert "Thanks" in voter.sent[0]["content"] and "already" in voter.sent[1]["content"]
    (record,) = [json.loads(line) for line in restarted.config.feedback_file.read_text().splitlines()]
    assert record["vote"] == "down" and record["answer"] == message.content
    assert record["sources"][0]["source"] == "knowledge/dropout.md" and not record["refused"]
    await restarted.close()
