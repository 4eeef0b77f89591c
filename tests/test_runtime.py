"""Wiring that outlives one question: every process follows the published index, builds beside answering run
in a nicer child process, and compute threads follow the cores a process may use."""

import os
import subprocess
import sys

from bot import runtime
from bot.answering import AnswerService
from bot.generation import ExtractiveGenerator
from bot.index import build_index, load_index
from bot.policy import HarmPolicy
from bot.runtime import LiveService
from tests.conftest import write_note
from tests.fakes import make_settings


def live(settings, embedder, clock):
    service = AnswerService(
        settings.answering(), load_index(settings.index_dir), embedder, ExtractiveGenerator(), policy=HarmPolicy()
    )
    return LiveService(settings, service, clock=clock)


def test_two_services_on_one_folder_follow_a_build_published_by_either(knowledge, tmp_path, fake_embedder):
    """One process (or shard) rebuilds; the other answers from the new version within seconds, no restart."""
    settings = make_settings(tmp_path, knowledge_dir=knowledge, index_dir=tmp_path / "index", relevance_floor=0.0)
    build_index(knowledge, settings.index_dir, fake_embedder)
    now = [0.0]
    first, second = live(settings, fake_embedder, lambda: now[0]), live(settings, fake_embedder, lambda: now[0])
    before = second.about().notes

    write_note(knowledge, "gans", "Generative adversarial networks")
    build_index(knowledge, settings.index_dir, fake_embedder)  # as the first one's /reindex would
    assert first.refresh()
    assert second.about().notes == before  # not yet looked
    now[0] += LiveService.WATCH_INTERVAL_S + 0.1
    second.answer("What are generative adversarial networks?")
    assert second.about().notes == before + 1 == first.about().notes
    assert second.current.index.directory == first.current.index.directory
    now[0] += LiveService.WATCH_INTERVAL_S + 0.1
    assert not second.refresh_if_published()  # nothing new: no reload


def test_a_damaged_published_index_keeps_the_loaded_one(knowledge, tmp_path, fake_embedder):
    settings = make_settings(tmp_path, knowledge_dir=knowledge, index_dir=tmp_path / "index")
    build_index(knowledge, settings.index_dir, fake_embedder)
    service = live(settings, fake_embedder, lambda: 0.0)
    loaded = service.current.index.directory
    (settings.index_dir / "CURRENT").write_text("v-missing\n")
    assert not service.refresh()
    assert service.current.index.directory == loaded


def test_builds_beside_answering_run_at_lower_priority_with_one_thread(monkeypatch, tmp_path):
    """The child gets a higher niceness and one compute thread, so answers keep their cores."""
    seen = {}
    real_run = subprocess.run

    def fake_run(command, **options):
        seen.update(options, command=command)
        probe = "import os; print(os.nice(0), os.environ['MLBOT_GENERATOR_THREADS'])"
        child = real_run([sys.executable, "-c", probe], **{**options, "capture_output": True, "text": True})
        seen["child"] = child.stdout.split()
        return subprocess.CompletedProcess(command, 0, stdout='{"added": ["knowledge/a.md"]}\n', stderr="")

    monkeypatch.setattr(runtime.subprocess, "run", fake_run)
    report = runtime.build_beside_answering(make_settings(tmp_path))
    assert report.added == ["knowledge/a.md"]
    assert seen["command"][-3:] == ["index", "build", "--json"]
    assert int(seen["child"][0]) >= os.nice(0) + min(runtime.BUILD_NICENESS, 19 - os.nice(0))
    assert seen["child"][1] == str(runtime.BUILD_THREADS)


def test_a_failed_build_beside_answering_is_one_line(monkeypatch, tmp_path):
    import pytest

    from bot.index import IndexUnavailable

    def failing(command, **options):
        return subprocess.CompletedProcess(command, 2, stdout="", stderr="mlbot: cannot write the index in /x\n")

    monkeypatch.setattr(runtime.subprocess, "run", failing)
    with pytest.raises(IndexUnavailable, match="^cannot rebuild the index: cannot write the index in /x$"):
        runtime.build_beside_answering(make_settings(tmp_path))
