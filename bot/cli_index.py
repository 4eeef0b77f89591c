"""`mlbot index build|status`, `mlbot eval` and `mlbot import-source`: looking after the notes and the index."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.cli_common import fail, load_service_or_exit, load_settings_or_exit


@click.group()
def index() -> None:
    """Build or inspect the search index over knowledge/."""


@index.command("build")
@click.option("--full", is_flag=True, help="Re-embed everything instead of only what changed.")
@click.option("--json", "as_json", is_flag=True, help="Print the build report as one JSON object.")
def index_build(full: bool, as_json: bool) -> None:
    """Embed added or changed notes, drop removed ones, reuse the rest."""
    from bot.embedding import EmbedderUnavailable, make_embedder
    from bot.index import IndexUnavailable, build_index
    from bot.runtime import prepare_process

    settings = load_settings_or_exit()
    prepare_process(settings)
    try:
        embedder = make_embedder(settings.embedding(), for_build=True)
        report = build_index(
            settings.knowledge_dir, settings.index_dir, embedder, full=full, show_progress=False if as_json else None
        )
    except (IndexUnavailable, EmbedderUnavailable) as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write the index in {settings.index_dir}: {error.strerror or error}")
    for path, problem in report.failed.items():
        click.echo(f"mlbot: skipped {path}: {problem.split(': ', 1)[-1]}", err=True)
    for line in report.skipped:
        click.echo(f"mlbot: {line}", err=True)
    if as_json:
        click.echo(report.model_dump_json())
        return
    _echo_changes(report)
    click.echo(report.summary())


@index.command("status")
def index_status() -> None:
    """Check the built index and list notes that changed since it was built (exit 1 when stale, 2 when damaged)."""
    from bot.index import BUILD_HINT, IndexUnavailable, index_problem, read_manifest, stale_report

    settings = load_settings_or_exit()
    try:
        report = stale_report(settings.knowledge_dir, settings.index_dir)
    except IndexUnavailable as error:
        fail(str(error))
    manifest = read_manifest(settings.index_dir)
    if manifest is None:
        fail(f"no index in {settings.index_dir.resolve()}; {BUILD_HINT}")
    if problem := index_problem(settings.index_dir):
        fail(problem)
    for line in report.problems:
        click.echo(f"mlbot: {line}" if line.endswith("skipped") else f"mlbot: {line}; skipped", err=True)
    click.echo(
        f"index: {manifest.chunk_count} chunks from {len(manifest.files)} notes, {manifest.index_type}, "
        f"{manifest.embedder}, built {manifest.built_at:%Y-%m-%d %H:%M} UTC"
    )
    _echo_changes(report)
    if report.stale:
        click.echo("stale: run `mlbot index build`")
        sys.exit(1)
    click.echo("up to date")


@click.command("eval")
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

    settings = load_settings_or_exit()
    if not files:
        fail("give one or more JSONL files, e.g. mlbot eval tests/data/golden.jsonl tests/data/offtopic.jsonl")
    try:
        conversation_files = [f for f in files if _holds_conversations(f)]
        questions = [q for f in files if f not in conversation_files for q in load_questions(f)]
        conversations = [c for f in conversation_files for c in load_conversations(f)]
    except EvalError as error:
        fail(str(error))
    service = load_service_or_exit(settings, with_generator=answers)
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


@click.command("import-source")
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
        fail(f"cannot convert {path} to {out}: {error}")
    click.echo(f"wrote {out}")


def _echo_changes(report) -> None:
    """The notes a build or status found added, changed or removed, one per line."""
    for label, paths in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        for path in paths:
            click.echo(f"  {label:8} {path}")
