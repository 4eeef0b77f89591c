"""Regression tests for reliability faults a tester found: unreadable notes, a read-only index, a damaged .env,
control bytes and links in the notes, a moved knowledge folder, errors longer than one line, odd input text.

Most run the CLI in a subprocess from a scratch folder, on the package of this checkout (PYTHONPATH), with the
knowledge and index folders named explicitly. Permission faults need the kernel to refuse: as root, the command
runs without the capabilities that let root read and write anything (`setpriv`).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from bot.chunking import chunk_note
from bot.index import build_index, stale_report
from bot.notes import parse_note
from tests.conftest import write_note

ROOT = Path(__file__).resolve().parent.parent
WITHOUT_ROOT_OVERRIDE = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]
MODEL_ENV = {"MLBOT_GENERATOR_BACKEND": "extractive", "HF_HUB_OFFLINE": "1"}


# --- helpers -------------------------------------------------------------------------------------------------------


def _permissions_bind() -> bool:
    """Whether a command run through `mlbot(..., honour_permissions=True)` is refused a chmod 000 file."""
    if os.geteuid() != 0:
        return True
    if shutil.which("setpriv") is None:
        return False
    return subprocess.run([*WITHOUT_ROOT_OVERRIDE, "true"], capture_output=True).returncode == 0


needs_permissions = pytest.mark.skipif(
    not _permissions_bind(), reason="running as root without setpriv: file permissions cannot be enforced"
)


def mlbot(args, *, cwd: Path, stdin: bytes = b"", honour_permissions: bool = False, **env):
    """`python -m bot ARGS` on this checkout's package; an env value of None removes that variable."""
    environment = {**os.environ, **MODEL_ENV, "PYTHONPATH": str(ROOT), **env}
    environment = {name: value for name, value in environment.items() if value is not None}
    command = [sys.executable, "-m", "bot", *args]
    if honour_permissions and os.geteuid() == 0:
        command = WITHOUT_ROOT_OVERRIDE + command
    return subprocess.run(command, input=stdin, capture_output=True, cwd=cwd, env=environment, timeout=600)


def err_lines(result) -> list[str]:
    """stderr as a person reads it: a progress bar's carriage returns start lines too."""
    return [line for line in result.stderr.decode(errors="replace").splitlines() if line.strip()]


def folders(knowledge: Path, index: Path) -> dict[str, str]:
    return {"MLBOT_KNOWLEDGE_DIR": str(knowledge), "MLBOT_INDEX_DIR": str(index)}


def built(knowledge: Path, tmp_path: Path, embedder) -> Path:
    """The test notes' index, built with the fake embedder (enough for `index status`)."""
    index_dir = tmp_path / "index"
    build_index(knowledge, index_dir, embedder)
    return index_dir


def copy_of_repo_notes(tmp_path: Path) -> tuple[Path, Path]:
    """The repository's notes and their index (real embeddings), in a scratch folder."""
    knowledge, index_dir = tmp_path / "knowledge", tmp_path / "index"
    shutil.copytree(ROOT / "knowledge", knowledge)
    shutil.copytree(ROOT / "index", index_dir)
    return knowledge, index_dir


@contextlib.contextmanager
def permissions(path: Path, bits: int):
    """`path` with permission bits `bits` inside the `with`, and its old mode again afterwards."""
    old = path.stat().st_mode
    path.chmod(bits)
    try:
        yield path
    finally:
        path.chmod(old)


def assert_one_line_failure(result) -> str:
    assert result.returncode == 2, result.stderr.decode(errors="replace")
    lines = err_lines(result)
    assert len(lines) == 1 and lines[0].startswith("mlbot: "), lines
    return lines[0]


# --- 2: an unreadable note -------------------------------------------------------------------------------------------


@needs_permissions
def test_index_status_names_an_unreadable_note_in_one_line(knowledge, tmp_path, fake_embedder):
    """A note nobody may read is a problem with that note, not a crash of every command."""
    index_dir = built(knowledge, tmp_path, fake_embedder)
    with permissions(knowledge / "dropout.md", 0o000):
        result = mlbot(["index", "status"], cwd=tmp_path, honour_permissions=True, **folders(knowledge, index_dir))
    lines = err_lines(result)
    assert "Traceback" not in result.stderr.decode(), lines
    assert result.returncode in (0, 1), lines
    assert len(lines) == 1 and lines[0].startswith("mlbot: ") and "dropout.md" in lines[0], lines
    assert result.stdout.decode().startswith("index: ")


@needs_permissions
@pytest.mark.model
def test_index_build_skips_an_unreadable_note_and_indexes_the_rest(tmp_path):
    """The build used to stop with "cannot write the index"; the rest of the notes must still be indexed."""
    knowledge, index_dir = copy_of_repo_notes(tmp_path)
    write_note(knowledge, "fresh-topic", "Fresh topic", sentences=4)
    with permissions(knowledge / "dropout.md", 0o000):
        result = mlbot(["index", "build"], cwd=tmp_path, honour_permissions=True, **folders(knowledge, index_dir))
    lines = err_lines(result)
    assert result.returncode == 0, lines
    assert len(lines) == 1 and lines[0].startswith("mlbot: ") and "dropout.md" in lines[0], lines
    assert "cannot write the index" not in lines[0]
    assert "fresh-topic.md" in result.stdout.decode()


@needs_permissions
@pytest.mark.model
def test_ask_answers_when_a_note_cannot_be_read(tmp_path):
    """`ask` checks the notes for staleness; an unreadable one must not turn into a PermissionError traceback."""
    knowledge, index_dir = copy_of_repo_notes(tmp_path)
    with permissions(knowledge / "dropout.md", 0o000):
        result = mlbot(
            ["ask", "What is pooling?"], cwd=tmp_path, honour_permissions=True, **folders(knowledge, index_dir)
        )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert "Traceback" not in result.stderr.decode()
    assert all(line.startswith("mlbot: ") for line in err_lines(result)), err_lines(result)
    assert "pool" in result.stdout.decode().lower()


# --- 3: MLBOT_REBUILD_IF_STALE with a read-only index ----------------------------------------------------------------


@needs_permissions
@pytest.mark.model
def test_rebuild_if_stale_on_a_read_only_index_answers_from_what_is_built(tmp_path):
    """The rebuild cannot take the index's lock file there: say so in one line and answer anyway."""
    knowledge, index_dir = copy_of_repo_notes(tmp_path)
    with open(knowledge / "dropout.md", "a", encoding="utf-8") as note:
        note.write("\nDropout has a cousin called DropConnect, which drops single weights instead of units.\n")
    with permissions(index_dir, 0o555):  # readable, not writable
        result = mlbot(
            ["ask", "What is dropout?"],
            cwd=tmp_path,
            honour_permissions=True,
            MLBOT_REBUILD_IF_STALE="true",
            **folders(knowledge, index_dir),
        )
    lines = err_lines(result)
    assert result.returncode == 0, lines
    assert "Traceback" not in result.stderr.decode(), lines
    assert all(line.startswith("mlbot: ") for line in lines), lines
    assert len([line for line in lines if "answering from what is built" in line]) == 1, lines
    assert "dropout" in result.stdout.decode().lower()


# --- 4: a damaged .env -----------------------------------------------------------------------------------------------


def _random_bytes() -> bytes:
    data = random.Random(4).randbytes(400)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    return data


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(_random_bytes(), id="random-bytes"),
        pytest.param(b"MLBOT_TOP_K=3\nMLBOT_MODEL_ROLE=\xff\xfe\n", id="non-utf8-value"),
    ],
)
def test_an_env_file_that_is_not_utf8_text_is_one_line_and_exit_2(tmp_path, content):
    """Every command reads .env first: a damaged one must say so once, not print a traceback."""
    (tmp_path / ".env").write_bytes(content)
    line = assert_one_line_failure(
        mlbot(["index", "status"], cwd=tmp_path, **folders(ROOT / "knowledge", ROOT / "index"))
    )
    assert ".env" in line


@needs_permissions
def test_an_unreadable_env_file_is_one_line_and_exit_2(tmp_path):
    (tmp_path / ".env").write_text("MLBOT_TOP_K=3\n")
    with permissions(tmp_path / ".env", 0o000):
        result = mlbot(
            ["index", "status"], cwd=tmp_path, honour_permissions=True, **folders(ROOT / "knowledge", ROOT / "index")
        )
    assert ".env" in assert_one_line_failure(result)


def test_garbage_lines_in_env_are_skipped_with_an_mlbot_line_each(knowledge, tmp_path, fake_embedder):
    """python-dotenv's own warnings lacked the `mlbot:` prefix every other message has."""
    index_dir = built(knowledge, tmp_path, fake_embedder)
    (tmp_path / ".env").write_text("this line is not a setting\nMLBOT_TOP_K=3\nneither is this one\n")
    result = mlbot(["index", "status"], cwd=tmp_path, **folders(knowledge, index_dir))
    lines = err_lines(result)
    assert result.returncode == 0, lines
    assert len(lines) == 2 and all(line.startswith("mlbot: ") and ".env" in line for line in lines), lines
    assert "line 1" in lines[0] and "line 3" in lines[1]


# --- 8: control bytes in a note --------------------------------------------------------------------------------------


def test_control_bytes_in_a_note_never_reach_its_chunks(knowledge):
    """NUL was the sentence splitter's placeholder, so a NUL in a note came back as "."; BEL stayed in the text."""
    path = knowledge / "control.md"
    path.write_bytes(
        b"---\ntitle: Dropout\ntags: [test]\n---\n"
        b"Dropout\x00 is a regularization method for neural networks e.g. large ones.\x00\x00 It drops\x07 units at "
        b"random during training. Dropout reduces overfitting in practice.\n"
    )
    chunks = chunk_note(parse_note(path, knowledge))
    texts = [text for chunk in chunks for text in (chunk.text, *chunk.sentences)]
    assert texts
    for text in texts:
        assert not [ch for ch in text if unicodedata.category(ch) == "Cc"], repr(text)
        assert ".." not in text and "Dropout." not in text, repr(text)
    assert any(text.startswith("Dropout is a regularization method") for text in texts)
    assert "It drops units at random during training." in [s for chunk in chunks for s in chunk.sentences]


# --- 9: link loops and dangling links -----------------------------------------------------------------------------


def _add_bad_links(knowledge: Path) -> None:
    (knowledge / "loop.md").symlink_to("loop.md")
    (knowledge / "dangling.md").symlink_to("missing-note.md")


def test_index_status_names_link_loops_and_dangling_links(knowledge, tmp_path, fake_embedder):
    """Links that lead nowhere were left out without a word; the owner could not tell a note was missing."""
    index_dir = built(knowledge, tmp_path, fake_embedder)
    _add_bad_links(knowledge)
    result = mlbot(["index", "status"], cwd=tmp_path, **folders(knowledge, index_dir))
    lines = err_lines(result)
    assert result.returncode == 0, lines
    assert "Traceback" not in result.stderr.decode()
    assert len([line for line in lines if "loop.md" in line]) == 1, lines
    assert len([line for line in lines if "dangling.md" in line]) == 1, lines
    assert all(line.startswith("mlbot: ") for line in lines), lines


@pytest.mark.model
def test_index_build_names_link_loops_and_dangling_links_and_indexes_the_rest(knowledge, tmp_path):
    """The build's own output names them too, and builds the notes around them."""
    _add_bad_links(knowledge)
    result = mlbot(["index", "build"], cwd=tmp_path, **folders(knowledge, tmp_path / "index"))
    lines = err_lines(result)
    assert result.returncode == 0, lines
    assert len([line for line in lines if "loop.md" in line]) == 1, lines
    assert len([line for line in lines if "dangling.md" in line]) == 1, lines
    assert all(line.startswith("mlbot: ") for line in lines), lines
    assert all(f"knowledge/{slug}.md" in result.stdout.decode() for slug in ("dropout", "pooling", "kmeans"))


# --- 10: the stale check and the folder's name -------------------------------------------------------------------


def test_a_copy_of_the_notes_and_index_in_another_folder_is_up_to_date(knowledge, tmp_path, fake_embedder):
    """Notes are matched by their path inside the knowledge folder, not by the folder's own name."""
    built(knowledge, tmp_path, fake_embedder)
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(knowledge, elsewhere / "notes")
    shutil.copytree(tmp_path / "index", elsewhere / "search-index")
    report = stale_report(elsewhere / "notes", elsewhere / "search-index")
    assert not report.stale, report


# --- 11: errors longer than one line ------------------------------------------------------------------------------


@pytest.mark.model
def test_a_build_error_is_one_line_without_a_progress_bar_before_it(tmp_path):
    """The embedder's "Loading weights" bar came before the error, so the error was not the only thing shown."""
    (tmp_path / "empty").mkdir()
    result = mlbot(
        ["index", "build"],
        cwd=tmp_path,
        HF_HUB_DISABLE_PROGRESS_BARS=None,
        **folders(tmp_path / "empty", tmp_path / "index"),
    )
    assert "no note" in assert_one_line_failure(result)


@pytest.mark.model
def test_an_empty_generator_model_folder_is_a_one_line_warning(tmp_path):
    (tmp_path / "empty-model").mkdir()
    result = mlbot(
        ["ask", "What is dropout?"],
        cwd=tmp_path,
        MLBOT_GENERATOR_BACKEND=None,  # the default local backend, which loads the model folder
        MLBOT_GENERATOR_MODEL=str(tmp_path / "empty-model"),
        MLBOT_MODEL_ROLE="join",  # with the role off (the default) the model is never loaded
        **folders(ROOT / "knowledge", ROOT / "index"),
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert "dropout" in result.stdout.decode().lower()
    lines = err_lines(result)
    assert all(line.startswith("mlbot: ") for line in lines), lines
    assert len([line for line in lines if "empty-model" in line]) == 1, lines


# --- 12: input edge cases ------------------------------------------------------------------------------------------


@pytest.mark.model
def test_a_typed_replacement_character_on_stdin_is_answered(tmp_path):
    """U+FFFD typed as text is valid UTF-8; only undecodable bytes are "not valid UTF-8"."""
    stdin = "What is dropout \ufffd in a neural network?\n".encode() + b"\xff\xfe broken\n"
    result = mlbot(["ask", "--json"], cwd=tmp_path, stdin=stdin, **folders(ROOT / "knowledge", ROOT / "index"))
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    typed, broken = (json.loads(line) for line in result.stdout.decode().splitlines())
    assert "error" not in typed and typed["answer"], typed
    assert "UTF-8" in broken["error"]


def test_a_question_of_only_zero_width_spaces_is_refused_as_empty(tmp_path):
    """Invisible characters are not a question: refuse it like an empty one, before loading any model."""
    result = mlbot(["ask", "\u200b\u200b\u200b"], cwd=tmp_path, **folders(ROOT / "knowledge", ROOT / "index"))
    assert "empty" in assert_one_line_failure(result)
    assert result.stdout == b""


async def test_a_right_to_left_override_never_reaches_a_thread_name(tmp_path):
    """U+202E in a mention would reverse the thread's name in every member's channel list."""
    import discord.ext.test as dpytest

    from tests.discord.harness import bot_threads, mention, settle, start, stop
    from tests.fakes import FakeService

    bot = await start(tmp_path, FakeService())
    try:
        channel = dpytest.get_config().channels[0]
        await dpytest.message(mention(bot, "What is \u202edropout\u200b?"), channel=channel)
        await settle(bot)
        (thread,) = bot_threads(bot)
        assert thread.name == "What is dropout?"
    finally:
        await stop(bot)
        await dpytest.empty_queue()


def test_thread_name_drops_bidirectional_overrides():
    from bot.discord.rendering import thread_name

    assert "\u202e" not in thread_name("What is \u202edropout?")
