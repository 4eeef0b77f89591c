"""`mlbot doctor` names each problem with its fix, exits 1 when there is one, and never prints the token."""

from click.testing import CliRunner

from bot.cli import main
from bot.doctor import run_checks
from bot.index import build_index
from tests.fakes import make_settings


def test_a_missing_index_and_a_broken_shard_range_are_named_with_their_fixes(knowledge, tmp_path):
    settings = make_settings(
        tmp_path,
        knowledge_dir=knowledge,
        index_dir=tmp_path / "index",
        generator_backend="extractive",
        discord_sharded=True,
        discord_shard_ids=[5],
        discord_shard_count=2,
    )
    problems = {c.name: c for c in run_checks(settings) if not c.ok}
    assert set(problems) == {"index", "discord"}
    assert problems["index"].fix == "run `mlbot index build`"
    assert "MLBOT_DISCORD_SHARD_IDS" in problems["discord"].found


def test_a_healthy_setup_passes_and_a_stale_note_is_reported(knowledge, tmp_path, fake_embedder):
    settings = make_settings(
        tmp_path, knowledge_dir=knowledge, index_dir=tmp_path / "index", generator_backend="extractive"
    )
    build_index(knowledge, settings.index_dir, fake_embedder)
    assert all(check.ok for check in run_checks(settings))
    (knowledge / "dropout.md").write_text((knowledge / "dropout.md").read_text() + "\nOne more fact here.\n")
    (stale,) = [c for c in run_checks(settings) if not c.ok]
    assert stale.name == "index" and "1 notes changed" in stale.found


def test_the_command_exits_1_with_one_line_per_problem_and_hides_the_token(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no notes, no index, no .env here
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.secret-token.value")
    monkeypatch.setenv("MLBOT_GENERATOR_BACKEND", "extractive")
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 1
    assert "FIX notes" in result.output and "MLBOT_KNOWLEDGE_DIR" in result.output
    assert "token set" in result.output and "secret-token" not in result.output
    assert result.output.rstrip().endswith("to fix")
