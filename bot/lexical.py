"""BM25 over the notes with bm25s: the one module that reads bm25s's internal postings.

Questions are scored over their own terms' postings only (the cost follows the postings touched, not the
index size), and a very large index keeps only each term's best postings (static pruning).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

POSTINGS_LIMIT = 20_000  # above the index's exact-search size, a term keeps only its best-scoring chunks


def tokenize(texts: list[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False, return_ids=False)


@functools.cache
def _stemmer():
    """One English stemmer for the process: building it costs more than stemming a question."""
    import Stemmer

    return Stemmer.Stemmer("english")


def build(texts: list[str], folder: Path, prune: bool) -> None:
    """Index the texts and save the index in `folder`; `prune` caps each term's postings."""
    import bm25s

    bm25 = bm25s.BM25()
    bm25.index(tokenize(texts), show_progress=False)
    if prune:
        prune_postings(bm25.scores, POSTINGS_LIMIT)
    bm25.save(str(folder), show_progress=False)


def load(folder: Path):
    import bm25s

    return bm25s.BM25.load(str(folder), mmap=True, show_progress=False)


def in_vocabulary(bm25, text: str) -> float:
    """The share of a text's searchable words (stemmed, stopwords out) that occur anywhere in the index."""
    tokens = tokenize([text])
    words = tokens[0] if tokens else []
    return sum(word in bm25.vocab_dict for word in words) / len(words) if words else 0.0


def search(bm25, query: str, k: int) -> list[int]:
    """The k best documents for the query by BM25, summing only the query terms' postings (repeats count)."""
    tokens = tokenize([query])
    vocabulary = bm25.vocab_dict
    term_ids = [vocabulary[t] for t in (tokens[0] if tokens else []) if t in vocabulary]
    if not term_ids:
        return []
    scores = bm25.scores
    indptr = scores["indptr"]
    spans = [(int(indptr[t]), int(indptr[t + 1])) for t in term_ids]
    documents = np.concatenate([scores["indices"][a:b] for a, b in spans])
    weights = np.concatenate([scores["data"][a:b] for a, b in spans])
    if not len(documents):
        return []
    unique, inverse = np.unique(documents, return_inverse=True)
    totals = np.bincount(inverse, weights=weights)
    count = min(k, len(unique))
    best = np.argpartition(-totals, count - 1)[:count]
    best = best[np.argsort(-totals[best], kind="stable")]
    return [int(unique[i]) for i in best if totals[i] > 0]


def prune_postings(scores: dict, limit: int) -> None:
    """Keep each term's `limit` best-scoring chunks, so a question touches a bounded number of postings.

    A term common enough to lose postings is one that barely ranks anything; rare terms keep them all.
    """
    data, indices, indptr = scores["data"], scores["indices"], scores["indptr"]
    keep = np.ones(len(data), dtype=bool)
    for term in np.flatnonzero(np.diff(indptr) > limit):
        start, end = int(indptr[term]), int(indptr[term + 1])
        weakest = np.argpartition(data[start:end], end - start - limit)[: end - start - limit]
        keep[start + weakest] = False
    counts = np.add.reduceat(keep, indptr[:-1]) if len(data) else np.zeros(len(indptr) - 1, dtype=np.int64)
    counts[np.diff(indptr) == 0] = 0  # reduceat repeats a value for empty ranges
    scores["data"], scores["indices"] = data[keep], indices[keep]
    scores["indptr"] = np.concatenate([[0], np.cumsum(counts)]).astype(indptr.dtype)
