"""The CLI contract, end to end in a subprocess, as other tools will call it."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MLBOT = [sys.executable, "-m", "bot"]
CONTRACT = {"question", "answer", "refused", "sources", "timings_ms"}


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
