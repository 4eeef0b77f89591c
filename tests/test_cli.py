"""The CLI contract, end to end in a subprocess, as other tools will call it; `mlbot discord`'s token errors
in-process, with Discord's login faked."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import discord
import pytest
from click.testing import CliRunner

import bot.discord
import bot.runtime
from bot.cli import main
from tests.fakes import FakeService

ROOT = Path(__file__).resolve().parent.parent
MLBOT = [sys.executable, "-m", "bot"]
CONTRACT = {"question", "answer", "refused", "sources", "sentences", "timings_ms"}


def run(args, stdin=b"", **env):
    environment = {**os.environ, "MLBOT_GENERATOR_BACKEND": "extractive", **env}
    return subprocess.run(MLBOT + args, input=stdin, capture_output=True, cwd=ROOT, env=environment, timeout=300)


def assert_one_line_error(result, fragment):
    assert result.returncode == 2, result.stderr
    err = result.stderr.decode()
    assert fragment in err
    assert "Traceback" not in err
    assert result.stdout == b""


@pytest.mark.model
def test_ask_json_prints_one_contract_object():
    result = run(["ask", "--json", "What is dropout?"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert set(record) == CONTRACT
    assert record["refused"] is False and record["answer"]
    assert set(record["timings_ms"]) == {"retrieve", "generate", "total"}
    source = record["sources"][0]
    assert set(source) == {"id", "source", "title", "score", "text"}
    assert source["source"].startswith("knowledge/") and (ROOT / source["source"]).is_file()
    sentences = record["sentences"]
    assert sentences and all(set(s) == {"text", "source_ids", "generated"} for s in sentences)
    assert {i for s in sentences for i in s["source_ids"]} <= {s["id"] for s in record["sources"]}
    assert all(s["text"] in record["answer"] for s in sentences)


@pytest.mark.model
def test_stdin_batch_answers_each_line_in_order_and_survives_bad_lines():
    lines = [
        b"What is overfitting?",
        b"",
        b"x" * 1200,
        b"What is the capital of Australia?",
        b"\xff\xfe bad",
        b"a\x07b",
    ]
    result = run(["ask", "--json"], stdin=b"\n".join(lines) + b"\n")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(records) == len(lines)
    assert set(records[0]) == CONTRACT and not records[0]["refused"]
    assert "empty" in records[1]["error"]
    assert "limit" in records[2]["error"]
    assert records[3]["refused"] is True
    assert "UTF-8" in records[4]["error"]
    assert "control" in records[5]["error"]


@pytest.mark.model
def test_chat_json_keeps_memory_across_lines():
    result = run(["chat", "--json"], stdin=b"What is a CNN?\nWhat is it used for?\n")
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.decode().splitlines())
    assert "convolutional" in second["sources"][0]["source"] or "cnn" in second["sources"][0]["source"]


@pytest.mark.parametrize(
    "question, fragment",
    [("", "empty"), ("   ", "empty"), ("x" * 1001, "limit is 1000"), ("what\x1b[31m is ml", "control characters")],
)
def test_bad_questions_exit_2_with_one_line(question, fragment):
    assert_one_line_error(run(["ask", question]), fragment)


def test_missing_index_says_how_to_build_it(tmp_path):
    assert_one_line_error(run(["ask", "What is ML?"], MLBOT_INDEX_DIR=str(tmp_path / "none")), "mlbot index build")


def test_corrupt_index_says_how_to_rebuild_it(tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(ROOT / "index", copy)
    version = (copy / "CURRENT").read_text().strip()
    (copy / version / "chunks.jsonl").write_text("{not json")
    assert_one_line_error(run(["ask", "What is ML?"], MLBOT_INDEX_DIR=str(copy)), "--full")


def test_missing_knowledge_folder(tmp_path):
    assert_one_line_error(run(["ask", "What is ML?"], MLBOT_KNOWLEDGE_DIR=str(tmp_path / "nowhere")), "knowledge")


def test_missing_embedding_model_says_which_setting(tmp_path):
    assert_one_line_error(run(["ask", "What is ML?"], MLBOT_EMBEDDING_MODEL=str(tmp_path)), "MLBOT_EMBEDDING_MODEL")


def test_invalid_settings_name_the_variable():
    assert_one_line_error(run(["ask", "What is ML?"], MLBOT_TOP_K="lots"), "MLBOT_TOP_K")


def test_index_status_reports_fresh_index():
    result = run(["index", "status"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert b"up to date" in result.stdout


def test_missing_token_is_one_line_and_exit_2(tmp_path, monkeypatch):
    for name in ("DISCORD_TOKEN", "MLBOT_DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    result = CliRunner().invoke(main, ["discord"])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "DISCORD_TOKEN" in result.stderr
    assert "Traceback" not in result.output


def test_rejected_token_is_one_line_exit_2_and_never_echoed(tmp_path, monkeypatch):
    secret = "MTIz.secret-token.value"

    async def reject(self, token):
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(discord.Client, "login", reject)
    monkeypatch.setattr(bot.discord, "configure_logging", lambda: None)
    monkeypatch.setattr(bot.runtime, "load_service", lambda settings, **_: FakeService())
    monkeypatch.setenv("DISCORD_TOKEN", secret)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["discord"])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "rejected the token" in result.stderr
    assert secret not in result.output and "Traceback" not in result.output


def test_library_warnings_reach_stderr_as_one_mlbot_line(capsys):
    """Stages log warnings (a stale index, a missing generator); the CLI shows each as one `mlbot:` line."""
    import logging

    from bot.cli_common import show_warnings

    show_warnings()
    show_warnings()  # idempotent: one line per warning, never two
    logging.getLogger("mlbot.index").warning("index is stale (%d notes differ); rebuilding first", 2)
    logging.getLogger("mlbot.answers").info("answer logs stay off the terminal")
    assert capsys.readouterr().err == "mlbot: index is stale (2 notes differ); rebuilding first\n"
