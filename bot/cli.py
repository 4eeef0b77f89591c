"""The `mlbot` command line: ask, chat, index, eval, discord, feedback. Heavy imports live inside the commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def _fail(message: str) -> None:
    click.echo(f"mlbot: {message}", err=True)
    sys.exit(2)


def _settings():
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from bot.settings import Settings

    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        _fail(f"invalid setting MLBOT_{field.upper()}: {first['msg']}")
    except SettingsError as error:  # e.g. a list setting that is not JSON
        _fail(f"invalid setting: {error}")


def _service(settings, with_generator: bool = True):
    from bot.embedding import EmbedderUnavailable
    from bot.index import IndexUnavailable
    from bot.runtime import load_service

    try:
        return load_service(settings, with_generator=with_generator)
    except (IndexUnavailable, EmbedderUnavailable) as error:
        _fail(str(error))


@click.group()
@click.version_option(package_name="mlbot")
def main() -> None:
    """mlbot answers machine learning and deep learning questions from its notes, offline, with sources."""


@main.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line; without QUESTION, read stdin.")
def ask(question: str | None, as_json: bool) -> None:
    """Answer QUESTION (or, with --json and no QUESTION, every line of stdin, independently)."""
    from bot.answering import InvalidQuestion

    settings = _settings()
    if question is None and not as_json:
        _fail('give a question: mlbot ask "What is overfitting?" (or use --json to read stdin)')
    if question is not None:
        try:
            from bot.answering import validate_question

            validate_question(question, settings.max_question_chars)
        except InvalidQuestion as error:
            _fail(str(error))
    service = _service(settings)
    if question is not None:
        if as_json:
            answer = service.answer(question)
            click.echo(json.dumps(answer.contract(), ensure_ascii=False))
        else:
            _print_answer(service, question, None)
        return
    _json_lines(service, memory=False)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Read questions from stdin, print one JSON object each.")
def chat(as_json: bool) -> None:
    """Talk with mlbot; follow-up questions remember the conversation."""
    settings = _settings()
    service = _service(settings)
    if as_json:
        _json_lines(service, memory=True)
        return
    from bot.conversation import Conversation

    conversation = Conversation(max_turns=settings.history_turns)
    click.echo("mlbot: ask about machine learning and deep learning. /reset forgets, /quit or Ctrl-D leaves.")
    while True:
        try:
            line = input("you> ")
        except (EOFError, KeyboardInterrupt):
            click.echo()
            return
        if line.strip() in ("/quit", "/exit"):
            return
        if line.strip() == "/reset":
            conversation.clear()
            click.echo("mlbot: conversation forgotten.")
            continue
        if not line.strip():
            continue
        _print_answer(service, line, conversation)


def _print_answer(service, question: str, conversation) -> None:
    from bot.answering import InvalidQuestion

    streaming = sys.stdout.isatty()
    printed: list[str] = []

    def show(sentence: str) -> None:
        if streaming:
            click.echo(("" if not printed else " ") + sentence, nl=False)
            sys.stdout.flush()
        printed.append(sentence)

    try:
        answer = service.answer(question, conversation, on_text=show)
    except InvalidQuestion as error:
        click.echo(f"mlbot: {error}", err=True)
        if conversation is None:
            sys.exit(2)
        return
    if streaming:
        click.echo()
    else:
        click.echo(answer.answer)
    if answer.sources:
        click.echo("\nSources:")
        cited = {cid for s in answer.sentences for cid in s.source_ids}
        for number, source in enumerate(answer.sources, 1):
            mark = "*" if source.id in cited else " "
            click.echo(f" {mark}[{number}] {source.title} ({source.source}, score {source.score:.2f})")
    click.echo()


def _json_lines(service, memory: bool) -> None:
    from bot.answering import InvalidQuestion
    from bot.conversation import Conversation

    conversation = Conversation(max_turns=service.settings.history_turns) if memory else None
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        try:
            if "\ufffd" in line:
                raise InvalidQuestion("the question is not valid UTF-8 text")
            record = service.answer(line, conversation).contract()
        except InvalidQuestion as error:
            record = {"question": line[:200], "error": str(error)}
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()


@main.group()
def index() -> None:
    """Build or inspect the search index over knowledge/."""


@index.command("build")
@click.option("--full", is_flag=True, help="Re-embed everything instead of only what changed.")
def index_build(full: bool) -> None:
    """Embed added or changed notes, drop removed ones, reuse the rest."""
    from bot.embedding import EmbedderUnavailable, make_embedder
    from bot.index import IndexUnavailable, build_index, describe

    settings = _settings()
    try:
        embedder = make_embedder(settings, for_build=True)
        report = build_index(settings.knowledge_dir, settings.index_dir, embedder, full=full)
    except (IndexUnavailable, EmbedderUnavailable) as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"cannot write the index in {settings.index_dir}: {error.strerror or error}")
    for path, problem in report.failed.items():
        click.echo(f"mlbot: skipped {path}: {problem.split(': ', 1)[-1]}", err=True)
    for label, paths in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        for path in paths:
            click.echo(f"  {label:8} {path}")
    click.echo(describe(report))


@index.command("status")
def index_status() -> None:
    """List notes that changed since the last build (exit 1 when stale)."""
    from bot.index import IndexUnavailable, read_manifest, stale_report

    settings = _settings()
    try:
        report = stale_report(settings.knowledge_dir, settings.index_dir)
    except IndexUnavailable as error:
        _fail(str(error))
    manifest = read_manifest(settings.index_dir)
    if manifest is None:
        _fail(f"no index in {settings.index_dir}; run `mlbot index build`")
    click.echo(
        f"index: {manifest.chunk_count} chunks from {len(manifest.files)} notes, {manifest.index_type}, "
        f"{manifest.embedder}, built {manifest.built_at:%Y-%m-%d %H:%M} UTC"
    )
    for label, paths in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        for path in paths:
            click.echo(f"  {label:8} {path}")
    if report.stale:
        click.echo("stale: run `mlbot index build`")
        sys.exit(1)
    click.echo("up to date")


@main.command("eval")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-k", "k", default=3, show_default=True, help="Recall@k cut-off.")
@click.option("--answers", is_flag=True, help="Also compose answers and report how much generated text survives.")
# Conversation files ({"id", "turns": [{"question", "notes"} | {"question", "off_topic": true}]}) are
# answered turn by turn with memory, and scored by whether each answer is about the right note.
def eval_command(files: tuple[Path, ...], k: int, answers: bool) -> None:
    """Recall@k, refusal accuracy and misses for JSONL question files (see README for the format)."""
    from bot.evaluation import (
        EvalError,
        evaluate,
        evaluate_conversations,
        load_conversations,
        load_questions,
        render,
        render_conversations,
    )

    settings = _settings()
    if not files:
        _fail("give one or more JSONL files, e.g. mlbot eval tests/data/golden.jsonl tests/data/offtopic.jsonl")
    try:
        conversation_files = [f for f in files if _holds_conversations(f)]
        questions = [q for f in files if f not in conversation_files for q in load_questions(f)]
        conversations = [c for f in conversation_files for c in load_conversations(f)]
    except EvalError as error:
        _fail(str(error))
    service = _service(settings, with_generator=answers)
    if questions:
        click.echo(render(evaluate(service, questions, k=k, answers=answers)))
    if conversations:
        click.echo(render_conversations(evaluate_conversations(service, conversations)))


def _holds_conversations(path: Path) -> bool:
    """A JSONL file of conversations ({"id", "turns": [...]}) rather than of single questions."""
    try:
        first = next((line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()), "")
        return '"turns"' in first
    except (OSError, UnicodeDecodeError):
        return False


@main.command("import-source")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--guide", required=True, help="Name of the original guide, kept in the note's `source` field.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def import_source(path: Path, guide: str, out: Path) -> None:
    """Convert a saved web article into a note, dropping the page furniture around it."""
    from bot.notes import convert_source_article

    try:
        note = convert_source_article(path.read_text(encoding="utf-8"), source_name=path.name, guide=guide)
        out.write_text(note, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        _fail(f"cannot convert {path} to {out}: {error}")
    click.echo(f"wrote {out}")


@main.command("discord")
def discord_command() -> None:
    """Run the Discord bot (token from DISCORD_TOKEN, MLBOT_DISCORD_TOKEN or .env; see README)."""
    settings = _settings()
    from bot.discord_bot import DiscordStartError, discord_token, run, shard_problem

    token = discord_token(settings)
    if token is None:
        _fail("no Discord token: set DISCORD_TOKEN (or MLBOT_DISCORD_TOKEN, or put it in .env)")
    if problem := shard_problem(settings):
        _fail(problem)
    service = _service(settings)
    try:
        run(settings, service, token)
    except DiscordStartError as error:
        _fail(str(error))
    except KeyboardInterrupt:
        click.echo("mlbot: stopped", err=True)


@main.command()
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path), help="Default: MLBOT_FEEDBACK_FILE.")
@click.option("--recent", default=5, show_default=True, help="How many of the latest thumbs-down answers to list.")
def feedback(path: Path | None, recent: int) -> None:
    """Summarise the thumbs-up/down votes from Discord: totals, notes behind bad answers, latest thumbs-down."""
    from bot.feedback import render, summarise

    path = path or _settings().feedback_file
    if not path.is_file():
        click.echo(f"no feedback yet: {path} does not exist (votes on Discord answers are appended there)")
        return
    try:
        summary = summarise(path, recent=recent)
    except OSError as error:
        _fail(f"cannot read {path}: {error.strerror}")
    click.echo(render(summary, path))
