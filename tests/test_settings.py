"""The one Settings object, its per-stage slices, and the generated settings table in the docs."""

import dataclasses

import pytest

from bot import configs
from bot.settings import CONFIGURATION_DOC, TABLE_END, TABLE_START, Settings, load_settings, settings_table


def test_each_stage_config_defaults_equal_the_settings_defaults():
    """`RetrievalConfig()` in a test must be what ships, so the slices and the fields cannot disagree."""
    settings = Settings(_env_file=None)
    slices = {
        configs.RetrievalConfig: settings.retrieval(),
        configs.CompositionConfig: settings.composition(),
        configs.GuardConfig: settings.guard(),
        configs.AnsweringConfig: settings.answering(),
        configs.EmbeddingConfig: settings.embedding(),
        configs.DiscordConfig: settings.discord(),
    }
    for config_type, built in slices.items():
        assert built == config_type(), config_type.__name__
    generation = settings.generation()
    assert dataclasses.replace(generation, cache_dir=configs.DEFAULT_CACHE_DIR) == configs.GenerationConfig()


def test_stage_configs_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings(_env_file=None).retrieval().top_k = 9  # type: ignore[misc]


def test_a_setting_reaches_its_stage():
    settings = Settings(_env_file=None, top_k=7, guard_min_overlap=0.5, discord_owner_ids=[3, 4], model_role="join")
    assert settings.answering().retrieval.top_k == 7
    assert settings.answering().guard.min_overlap == 0.5
    assert settings.discord().owner_ids == (3, 4)
    assert settings.generation().model_role == "join" == settings.answering().model_role


def test_the_old_backend_name_still_means_the_local_model(monkeypatch):
    monkeypatch.setenv("MLBOT_GENERATOR_BACKEND", "transformers")
    assert Settings(_env_file=None).generator_backend == "local"


def test_the_api_key_stays_out_of_reprs():
    settings = Settings(_env_file=None, openai_api_key="sk-secret")
    assert "sk-secret" not in repr(settings) and "sk-secret" not in repr(settings.generation())
    assert settings.generation().openai_api_key == "sk-secret"


def test_paths_default_to_the_working_directory(tmp_path, monkeypatch):
    """An installed copy must not point into site-packages: notes, index and votes live where it is started."""
    monkeypatch.chdir(tmp_path)
    settings, _ = load_settings(tmp_path / ".env")
    assert not settings.knowledge_dir.is_absolute() and settings.knowledge_dir.name == "knowledge"
    assert not settings.index_dir.is_absolute() and not settings.feedback_file.is_absolute()


def test_cache_dir_follows_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("MLBOT_CACHE_DIR", raising=False)
    assert Settings(_env_file=None).cache_dir == tmp_path / "mlbot"


def test_the_docs_table_is_generated_from_the_settings():
    text = CONFIGURATION_DOC.read_text(encoding="utf-8")
    table = text.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0].strip()
    assert table == settings_table(), "the settings changed: run `python -m bot.settings` to rewrite the table"
    for name, field in Settings.model_fields.items():
        assert field.description, f"Settings.{name} needs a description for the docs table"
        assert f"MLBOT_{name.upper()}" in table
