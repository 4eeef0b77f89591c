"""Question -> ranked chunks: dense (FAISS) and lexical (BM25) lists fused by reciprocal rank."""

from __future__ import annotations

import numpy as np

from bot.embedding import Embedder
from bot.index import LoadedIndex, bm25_tokenize
from bot.models import Retrieval, RetrievedChunk
from bot.settings import Settings

MAX_HITS_PER_NOTE = 2
# A sentence is a sharper match than a passage, so its cosine counts this much less as evidence of relevance.
SENTENCE_EVIDENCE_DISCOUNT = 0.1


class Retriever:
    def __init__(self, index: LoadedIndex, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings

    def retrieve(
        self, query: str, query_vector: np.ndarray | None = None, skip_tags: frozenset[str] = frozenset()
    ) -> Retrieval:
        """Hybrid retrieval; chunks of notes tagged with any of `skip_tags` are left out."""
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
            relevant=evidence >= self.settings.relevance_floor,
        )

    def vocabulary_share(self, text: str) -> float:
        """The share of the text's searchable words (stemmed, stopwords out) that occur anywhere in the notes."""
        tokens = bm25_tokenize([text])
        words = tokens[0] if tokens else []
        if not words:
            return 0.0
        return sum(word in self.index.bm25.vocab_dict for word in words) / len(words)

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
            if len(chosen) == self.settings.top_k:
                break
        return chosen

    def _best_sentence(self, positions: list[int], query_vector: np.ndarray) -> float:
        """The best cosine of any sentence in the dense candidates: a short, exact sentence inside a long
        passage is evidence that a passage's single vector dilutes."""
        rows = [r for p in positions for r in self.index.sentence_rows(p)]
        if not rows:
            return 0.0
        return float(np.max(np.asarray(self.index.sentence_vectors[rows]) @ query_vector))

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
