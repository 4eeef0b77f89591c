"""Shared fixtures: a deterministic fake embedder for fast tests, the real models once per session."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


class FakeEmbedder:
    """Bag of stemmed words hashed into a vector: similar wording gives similar vectors, instantly."""

    name = "fake-hash"
    dimension = 64

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        from bot.text import stem, words

        self.embedded.extend(texts)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in [stem(w) for w in words(text)] or ["empty"]:
                vectors[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


NOTE = """---
title: {title}
tags: [test]
related: []
---
{title} is a topic used in the tests of the index and the chunker.

## How {title} works

{body}
"""


def write_note(folder: Path, slug: str, title: str, sentences: int = 12) -> Path:
    body = " ".join(
        f"{title} fact number {i} describes one more property of {title.lower()}." for i in range(sentences)
    )
    path = folder / f"{slug}.md"
    path.write_text(NOTE.format(title=title, body=body), encoding="utf-8")
    return path


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    write_note(folder, "dropout", "Dropout")
    write_note(folder, "pooling", "Pooling")
    write_note(folder, "kmeans", "Kmeans clustering")
    return folder


@pytest.fixture(scope="session")
def real_models():
    """The real embedder and generator, loaded once for every test that needs their behaviour."""
    from bot.embedding import make_embedder
    from bot.generation import LocalGenerator
    from bot.settings import Settings

    settings = Settings()
    return make_embedder(settings.embedding()), LocalGenerator(settings.generation())


@pytest.fixture(scope="session")
def real_service(real_models):
    from bot.answering import AnswerService
    from bot.index import load_index
    from bot.settings import Settings

    settings = Settings()
    embedder, generator = real_models
    return AnswerService(settings.answering(), load_index(settings.index_dir), embedder, generator)
