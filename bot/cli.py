"""The `mlbot` command line: ask, chat, doctor, discord, feedback here; index, eval and import-source in
`cli_index`. Heavy imports live inside the commands, so `mlbot --help` stays instant."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.cli_common import fail, load_service_or_exit, load_settings_or_exit, show_warnings
from bot.cli_index import eval_command, import_source, index


@click.group()
@click.version_option(package_name="mlbot")
def main() -> None:
    """mlbot answers machine learning and deep learning questions from its notes, offline, with sources."""
    show_warnings()


for command in (index, eval_command, import_source):  # looking after the notes and the index: bot/cli_index.py
    main.add_command(command)


@main.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line; without QUESTION, read stdin.")
def ask(question: str | None, as_json: bool) -> None:
    """Answer QUESTION (or, with --json and no QUESTION, every line of stdin, independently)."""
    from bot.text import InvalidQuestion

    settings = load_settings_or_exit()
    if question is None and not as_json:
        fail('give a question: mlbot ask "What is overfitting?" (or use --json to read stdin)')
    if question is not None:
        try:
            from bot.text import validate_question

            validate_question(question, settings.max_question_chars)
        except InvalidQuestion as error:
            fail(str(error))
    service = load_service_or_exit(settings)
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
    settings = load_settings_or_exit()
    service = load_service_or_exit(settings)
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
    from bot.text import InvalidQuestion

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
    from bot.conversation import Conversation
    from bot.text import InvalidQuestion

    conversation = Conversation(max_turns=service.config.history_turns) if memory else None
    for raw in sys.stdin.buffer:
        try:
            line = raw.decode("utf-8").rstrip("\r\n")  # strict: a typed U+FFFD is text, a broken byte is not
        except UnicodeDecodeError:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            record = {"question": line[:200], "error": "the question is not valid UTF-8 text"}
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            sys.stdout.flush()
            continue
        try:
            record = service.answer(line, conversation).contract()
        except InvalidQuestion as error:
            record = {"question": line[:200], "error": str(error)}
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()


@main.command()
def doctor() -> None:
    """Check the notes, index, models, settings and Discord token; print what to fix (exit 1 if anything)."""
    from bot.doctor import report_lines, run_checks

    checks = run_checks(load_settings_or_exit())
    for line in report_lines(checks):
        click.echo(line)
    problems = sum(not check.ok for check in checks)
    click.echo("all good" if not problems else f"{problems} to fix")
    sys.exit(1 if problems else 0)


@main.command("discord")
def discord_command() -> None:
    """Run the Discord bot (token from DISCORD_TOKEN, MLBOT_DISCORD_TOKEN or .env; see README)."""
    settings = load_settings_or_exit()
    from bot.discord import DiscordStartError, discord_token, run, shard_problem

    token = discord_token(settings)
    if token is None:
        fail("no Discord token: set DISCORD_TOKEN (or MLBOT_DISCORD_TOKEN, or put it in .env)")
    if problem := shard_problem(settings):
        fail(problem)
    service = load_service_or_exit(settings)
    try:
        run(settings, service, token)
    except DiscordStartError as error:
        fail(str(error))
    except KeyboardInterrupt:
        click.echo("mlbot: stopped", err=True)


@main.command()
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path), help="Default: MLBOT_FEEDBACK_FILE.")
@click.option("--recent", default=5, show_default=True, help="How many of the latest thumbs-down answers to list.")
def feedback(path: Path | None, recent: int) -> None:
    """Summarise the thumbs-up/down votes from Discord: totals, notes behind bad answers, latest thumbs-down."""
    from bot.feedback import render, summarise

    path = path or load_settings_or_exit().feedback_file
    if not path.is_file():
        click.echo(f"no feedback yet: {path} does not exist (votes on Discord answers are appended there)")
        return
    try:
        summary = summarise(path, recent=recent)
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror}")
    click.echo(render(summary, path))
