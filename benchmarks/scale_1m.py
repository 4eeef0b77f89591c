"""Retrieval at a synthetic one-million-chunk index: the index type mlbot picks at that size, and its speed.

    .venv/bin/python benchmarks/scale_1m.py [--chunks 1000000] [--queries 50]

Vectors are random unit vectors (384 dimensions, as all-MiniLM-L6-v2) and chunk texts are random word
sequences with a Zipf-like word frequency, so both the FAISS and the BM25 halves of hybrid retrieval work at
full size. The question is embedded by the real (lean) encoder, as in the bot.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()

    import bm25s

    from bot.embedding import make_embedder
    from bot.index import FLAT_LIMIT, LoadedIndex, _index_type, make_faiss_index
    from bot.lexical import POSTINGS_LIMIT, prune_postings
    from bot.models import Chunk, Manifest
    from bot.retrieval import Retriever
    from bot.settings import Settings

    settings = Settings()
    embedder = make_embedder(settings.embedding())
    rng = np.random.default_rng(0)
    count, dimension = args.chunks, embedder.dimension

    started = time.perf_counter()
    vectors = rng.standard_normal((count, dimension), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index_type = _index_type(count)
    faiss_index = make_faiss_index(vectors, index_type)
    faiss_index.nprobe = 16
    faiss_seconds = time.perf_counter() - started

    vocabulary = np.array([f"term{i}" for i in range(20_000)])
    ranks = np.arange(1, len(vocabulary) + 1)
    probabilities = (1 / ranks) / (1 / ranks).sum()
    started = time.perf_counter()
    texts = [" ".join(rng.choice(vocabulary, size=40, p=probabilities)) for _ in range(count)]
    bm25 = bm25s.BM25()
    bm25.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
    if count > FLAT_LIMIT:
        prune_postings(bm25.scores, POSTINGS_LIMIT)  # as the index build does at this size
    bm25_seconds = time.perf_counter() - started

    chunks = [Chunk(id=str(i), source="synthetic", title="t", text="", sentences=[]) for i in range(count)]
    index = LoadedIndex(
        directory=Path("."),
        manifest=Manifest.model_construct(index_type=index_type, chunk_count=count),
        chunks=chunks,
        chunk_vectors=vectors,
        sentence_vectors=np.zeros((0, dimension), dtype=np.float32),
        sentence_offsets=np.zeros(count + 1, dtype=np.int64),
        faiss_index=faiss_index,
        bm25=bm25,
    )
    retriever = Retriever(index, embedder, settings.retrieval())
    questions = [f"What is term{rng.integers(0, 3000)} and term{rng.integers(0, 20000)}?" for _ in range(args.queries)]
    query_vectors = embedder.embed(questions)
    dense, lexical, full = [], [], []
    for question, vector in zip(questions, query_vectors, strict=True):
        t = time.perf_counter()
        faiss_index.search(vector.reshape(1, -1), settings.candidate_k)
        dense.append(time.perf_counter() - t)
        t = time.perf_counter()
        retriever._lexical(question, settings.candidate_k)
        lexical.append(time.perf_counter() - t)
        t = time.perf_counter()
        retriever.retrieve(question)  # embedding + both searches + fusion
        full.append(time.perf_counter() - t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| {count:,} chunks, index {index_type}, nprobe 16 | value |\n|---|---|")
    print(f"| FAISS build (train + add) | {faiss_seconds:.1f} s |")
    print(f"| BM25 build (postings capped at {POSTINGS_LIMIT:,} per term) | {bm25_seconds:.1f} s |")
    print(f"| dense search p50 | {statistics.median(dense) * 1000:.2f} ms |")
    print(f"| BM25 search p50 | {statistics.median(lexical) * 1000:.2f} ms |")
    print(f"| full retrieval incl. question embedding p50 | {statistics.median(full) * 1000:.2f} ms |")
    print(f"| peak memory of this process | {peak:.0f} MB |")


if __name__ == "__main__":
    main()
