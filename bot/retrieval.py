"""Question -> ranked chunks: dense (FAISS) and lexical (BM25) lists fused by reciprocal rank."""

from __future__ import annotations

import numpy as np

from bot import lexical
from bot.configs import RetrievalConfig
from bot.embedding import Embedder
from bot.index import LoadedIndex
from bot.models import Retrieval, RetrievedChunk

MAX_HITS_PER_NOTE = 2
# A sentence is a sharper match than a passage, so its cosine counts this much less as evidence of relevance.
SENTENCE_EVIDENCE_DISCOUNT = 0.1


class Retriever:
    def __init__(self, index: LoadedIndex, embedder: Embedder, config: RetrievalConfig) -> None:
        self.index = index
        self.embedder = embedder
        self.config = config

    def retrieve(
        self, query: str, query_vector: np.ndarray | None = None, skip_tags: frozenset[str] = frozenset()
    ) -> Retrieval:
        """Hybrid retrieval; chunks of notes tagged with any of `skip_tags` are left out."""
        if query_vector is None:
            query_vector = self.embedder.embed([query])[0]
        candidates = min(self.config.candidate_k, len(self.index.chunks))
        scores, ids = self.index.faiss_index.search(query_vector.reshape(1, -1).astype(np.float32), candidates)
        dense_ranked = [int(i) for i in ids[0] if i >= 0]
        dense_score = {int(i): float(s) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0}

        fused: dict[int, float] = {}
        for rank, position in enumerate(dense_ranked):
            fused[position] = fused.get(position, 0.0) + 1.0 / (self.config.rrf_k + rank + 1)
        for rank, position in enumerate(lexical.search(self.index.bm25, query, candidates)):
            fused[position] = fused.get(position, 0.0) + 1.0 / (self.config.rrf_k + rank + 1)

        if skip_tags:
            fused = {p: v for p, v in fused.items() if not skip_tags & set(self.index.chunks[p].tags)}
        ranked = self._diverse(sorted(fused, key=fused.__getitem__, reverse=True))
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
        evidence = max(best, self._best_sentence(dense_ranked, query_vector) - SENTENCE_EVIDENCE_DISCOUNT)
        return Retrieval(
            query=query,
            hits=hits,
            best_dense=best,
            evidence=evidence,
            relevant=evidence >= self.config.relevance_floor,
        )

    def vocabulary_share(self, text: str) -> float:
        """The share of the text's searchable words (stemmed, stopwords out) that occur anywhere in the notes."""
        return lexical.in_vocabulary(self.index.bm25, text)

    def _diverse(self, ranked: list[int]) -> list[int]:
        """The best chunks, at most MAX_HITS_PER_NOTE from one note: the composer reads a named note whole anyway,
        and a second note's passage is what a question on the border between two topics needs."""
        chosen: list[int] = []
        per_note: dict[str, int] = {}
        for position in ranked:
            slug = self.index.chunks[position].source
            if per_note.get(slug, 0) < MAX_HITS_PER_NOTE:
                chosen.append(position)
                per_note[slug] = per_note.get(slug, 0) + 1
            if len(chosen) == self.config.top_k:
                break
        return chosen

    def _best_sentence(self, positions: list[int], query_vector: np.ndarray) -> float:
        """The best cosine of any sentence in the dense candidates: a short, exact sentence inside a long
        passage is evidence that a passage's single vector dilutes."""
        rows = [r for p in positions for r in self.index.sentence_rows(p)]
        if not rows:
            return 0.0
        return float(np.max(np.asarray(self.index.sentence_vectors[rows]) @ query_vector))
