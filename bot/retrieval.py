"""Question -> ranked chunks: dense (FAISS) and lexical (BM25) lists fused by reciprocal rank."""

from __future__ import annotations

import numpy as np

from bot.embedding import Embedder
from bot.index import LoadedIndex, bm25_tokenize
from bot.models import Retrieval, RetrievedChunk
from bot.settings import Settings


class Retriever:
    def __init__(self, index: LoadedIndex, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings

    def retrieve(self, query: str, query_vector: np.ndarray | None = None) -> Retrieval:
        if query_vector is None:
            query_vector = self.embedder.embed([query])[0]
        candidates = min(self.settings.candidate_k, len(self.index.chunks))
        scores, ids = self.index.faiss_index.search(query_vector.reshape(1, -1).astype(np.float32), candidates)
        dense_ranked = [int(i) for i in ids[0] if i >= 0]
        dense_score = {int(i): float(s) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0}

        fused: dict[int, float] = {}
        for rank, position in enumerate(dense_ranked):
            fused[position] = fused.get(position, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)
        for rank, position in enumerate(self._lexical(query, candidates)):
            fused[position] = fused.get(position, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)

        ranked = sorted(fused, key=fused.__getitem__, reverse=True)[: self.settings.top_k]
        hits = [
            RetrievedChunk(
                chunk=self.index.chunks[p],
                position=p,
                score=fused[p],
                dense=dense_score.get(p, float(np.dot(self.index.chunk_vectors[p], query_vector))),
            )
            for p in ranked
        ]
        best = max(dense_score.values(), default=0.0)
        return Retrieval(query=query, hits=hits, best_dense=best, relevant=best >= self.settings.relevance_floor)

    def _lexical(self, query: str, k: int) -> list[int]:
        """BM25 over the question's terms' postings only: the cost follows the postings touched, not the index size."""
        tokens = bm25_tokenize([query])
        vocabulary = self.index.bm25.vocab_dict
        term_ids = [vocabulary[t] for t in (tokens[0] if tokens else []) if t in vocabulary]  # repeats count twice
        if not term_ids:
            return []
        scores = self.index.bm25.scores
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
