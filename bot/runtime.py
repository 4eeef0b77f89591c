"""Wiring: settings -> index, embedder, generator -> the answering service. Front ends start here."""

from __future__ import annotations

import contextlib
import logging
import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from bot.configs import AnsweringConfig
from bot.index import IndexUnavailable, current_version, load_index
from bot.models import About, Answer, BuildReport
from bot.settings import Settings

log = logging.getLogger("mlbot")

BUILD_NICENESS = 10  # an index build beside answering yields the cores to answers
BUILD_THREADS = 1
BUILD_TIMEOUT_S = 3600


class AnsweringService(Protocol):
    """What the front ends (CLI, Discord) need of the answering service."""

    config: AnsweringConfig

    def answer(self, question: str, conversation=None, on_text: Callable[[str], None] | None = None) -> Answer: ...

    def about(self) -> About: ...


def available_cpus() -> int:
    """The cores this process may use: its CPU affinity, capped by a cgroup CPU quota (containers)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    quota = _cgroup_quota()
    return max(1, min(cores, math.floor(quota)) if quota else cores)


def _cgroup_quota() -> float | None:
    """CPUs allowed by the cgroup (v2 `cpu.max`, else v1 `cpu.cfs_quota_us`), or None when unlimited."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
        period = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
        return None if quota <= 0 else quota / period
    except (OSError, ValueError):
        return None


def compute_threads(settings: Settings) -> int:
    """Threads for matrix arithmetic: the setting, else every core this process may use (not the machine's)."""
    return settings.generator_threads or available_cpus()


def prepare_process(settings: Settings) -> None:
    """Set once, where the service is loaded: no model hub, and compute threads that sleep while they wait.

    OpenMP threads spin by default; beside a second busy process on the same cores, spinning threads steal its
    time slices, so both wait far longer than twice as long. Passive waiting has to be set before torch loads.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # "Loading weights" bars say nothing a user acts on
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("KMP_BLOCKTIME", "0")
    import torch

    torch.set_num_threads(compute_threads(settings))
    with contextlib.suppress(RuntimeError):  # only allowed before the first parallel work
        torch.set_num_interop_threads(1)


def load_service(settings: Settings, *, with_generator: bool = True) -> LiveService:
    """Heavy imports happen here, not at CLI start, so `mlbot --help` stays instant."""
    prepare_process(settings)
    from bot.answering import AnswerService
    from bot.embedding import make_embedder
    from bot.generation import ExtractiveGenerator, make_generator
    from bot.index import stale_report

    index = load_index(settings.index_dir)  # fails fast, before any model loads
    stale = stale_report(settings.knowledge_dir, settings.index_dir, index.manifest)
    embedder = make_embedder(settings.embedding())
    if stale.stale:
        count = len(stale.added) + len(stale.changed) + len(stale.removed)
        if settings.rebuild_if_stale:
            log.warning("index is stale (%d notes differ); rebuilding first", count)
            try:
                build_beside_answering(settings)
                index = load_index(settings.index_dir)
            except IndexUnavailable as error:  # e.g. a read-only index folder: answer from what is built
                log.warning("%s; answering from what is built", error)
        else:
            log.warning(
                "index is stale (%d notes differ); answering from what is built (run `mlbot index build`)", count
            )
    if with_generator and settings.model_role != "off":  # with the role off, no sentence of it would be shown
        generator, warning = make_generator(settings.generation())
        if warning:
            log.warning("%s", warning)
    else:
        generator = ExtractiveGenerator()
    return LiveService(settings, AnswerService(settings.answering(), index, embedder, generator))


def build_beside_answering(settings: Settings) -> BuildReport:
    """`mlbot index build` in a child process at lower priority with one compute thread.

    Embedding is the heaviest work the bot does; in this process its threads would fight the answering threads
    (and other answering processes on the host) for the same cores, and answer times would grow many times over.
    """
    environment = {
        **os.environ,
        "MLBOT_KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "MLBOT_INDEX_DIR": str(settings.index_dir),
        "MLBOT_EMBEDDING_MODEL": settings.embedding_model,
        "MLBOT_GENERATOR_THREADS": str(BUILD_THREADS),
    }
    command = [sys.executable, "-m", "bot", "index", "build", "--json"]
    try:
        done = subprocess.run(
            command,
            env=environment,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            preexec_fn=_lower_priority,  # noqa: PLW1509 - only os.nice, safe before exec
        )
    except subprocess.TimeoutExpired:
        raise IndexUnavailable(f"the index build took over {BUILD_TIMEOUT_S} s and was stopped") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[-1].removeprefix("mlbot: ") if lines else f"exit status {done.returncode}"
        raise IndexUnavailable(f"cannot rebuild the index: {reason}")
    return BuildReport.model_validate_json(done.stdout.strip().splitlines()[-1])


def _lower_priority() -> None:
    with contextlib.suppress(OSError):
        os.nice(BUILD_NICENESS)


def rebuild_service(settings: Settings, service: LiveService) -> tuple[BuildReport, LiveService | None]:
    """Embed what changed in the notes (beside answering, see `build_beside_answering`), then move the service
    to the new index. Returns (report, service), the service None when nothing changed. Runs in a worker thread
    while the service keeps answering (`/reindex`)."""
    report = build_beside_answering(settings)
    if not report.touched:
        return report, None
    service.refresh()
    return report, service


class LiveService:
    """The answering service on whichever index version is published in the index folder.

    Before a question it looks at `CURRENT` (one small file, read at most every WATCH_INTERVAL_S): a version
    published by another process or shard (its /reindex, `mlbot index build`) is loaded in place, keeping the
    loaded models, with no restart. Everything else is the current `AnswerService`'s.
    """

    WATCH_INTERVAL_S = 2.0

    def __init__(self, settings: Settings, service, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.current = service
        self._clock = clock
        self._checked = clock()
        self._lock = threading.Lock()

    @property
    def config(self) -> AnsweringConfig:
        return self.current.config

    def answer(self, question: str, conversation=None, on_text: Callable[[str], None] | None = None) -> Answer:
        self.refresh_if_published()
        return self.current.answer(question, conversation, on_text=on_text)

    def about(self) -> About:
        return self.current.about()

    def refresh_if_published(self) -> bool:
        """Load the published version when it differs from the one answering; at most every WATCH_INTERVAL_S."""
        if self._clock() - self._checked < self.WATCH_INTERVAL_S:
            return False
        self._checked = self._clock()
        published = current_version(self.settings.index_dir)
        if published is None or published == self.current.index.directory.name:
            return False
        return self.refresh()

    def refresh(self) -> bool:
        """Answer from the published index from now on; a damaged one is logged and the old one kept."""
        from bot.answering import AnswerService

        with self._lock:
            try:
                index = load_index(self.settings.index_dir)
            except IndexUnavailable as error:
                log.warning("%s; answering from the index already loaded", error)
                return False
            old = self.current
            self.current = AnswerService(old.config, index, old.embedder, old.generator, policy=old.policy)
        log.info("answering from index %s", index.directory.name)
        return True

    def __getattr__(self, name: str):
        """Benchmarks and `mlbot eval` reach into the answering service (retrieve, composer, index)."""
        return getattr(self.current, name)
