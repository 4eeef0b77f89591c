"""The grounding guard: a generated sentence is kept only if the sources it was given say the same thing.

Word overlap alone is fooled by a small model that reuses the sources' words while flipping their meaning
("Deep learning is not a subset of machine learning"), so a sentence must also match in meaning (embedding
similarity), keep the sources' negations, numbers and named terms, and keep comparisons the right way round.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from bot.embedding import Embedder
from bot.text import NEGATIONS, content_words, normalize, words

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?%?")
_TERM = re.compile(r"\b(?:[A-Z][a-zA-Z0-9]*[A-Z0-9][a-zA-Z0-9]*|[A-Z][a-z]+(?:-[A-Z][a-z]+)*)\b")
# Words whose two sides must not swap: "A is a subset of B", "A needs more data than B".
ORDER_MARKERS = ("than", "subset", "superset", "part of", "type of", "kind of", "instead of", "rather than", "unlike")
COMPARATIVES = frozenset(
    "more less fewer greater higher lower larger smaller better worse faster slower bigger easier harder".split()
)


@dataclass
class Fact:
    """One source sentence as given to the generator."""

    text: str
    vector: np.ndarray
    chunk_id: str


@dataclass
class Verdict:
    supported: bool
    reason: str
    facts: list[int]  # indices into the facts list that support the sentence
    similarity: float = 0.0
    overlap: float = 0.0


class GroundingGuard:
    def __init__(self, embedder: Embedder, min_similarity: float, min_overlap: float) -> None:
        self.embedder = embedder
        self.min_similarity = min_similarity
        self.min_overlap = min_overlap

    def check(self, sentence: str, facts: list[Fact], vector: np.ndarray | None = None) -> Verdict:
        sentence_words = content_words(sentence)
        if len(words(sentence)) < 4 or not sentence_words or not facts:
            return Verdict(False, "fragment", [])
        if vector is None:
            vector = self.embedder.embed([sentence])[0]
        similarities = np.array([float(np.dot(vector, f.vector)) for f in facts])
        order = [int(i) for i in np.argsort(-similarities)]
        best = order[0]
        support = [best]
        if len(order) > 1 and _overlap(sentence_words, [facts[best].text]) < 1.0:
            second = order[1]
            # A join must take real content from both facts, not borrow a stray word to paper over a swap.
            borrowed = set(sentence_words) & _stems(facts[second].text) - _stems(facts[best].text)
            if len(borrowed) >= 2:
                support.append(second)
        texts = [facts[i].text for i in support]
        similarity = float(similarities[best])
        overlap = _overlap(sentence_words, texts)
        verdict = Verdict(False, "", support, similarity, overlap)
        if similarity < self.min_similarity:
            verdict.reason = "meaning differs"
        elif overlap < self.min_overlap or len(_unsupported(sentence_words, texts)) > 1:
            verdict.reason = "words not in sources"
        elif sentence_words[0] not in _stems(facts[best].text):
            verdict.reason = "subject not in sources"
        elif not _same_negation(sentence, texts):
            verdict.reason = "negation differs"
        elif not _numbers_supported(sentence, texts):
            verdict.reason = "number not in sources"
        elif not _terms_supported(sentence, texts):
            verdict.reason = "named term not in sources"
        elif not _order_kept(sentence, texts):
            verdict.reason = "comparison reversed"
        else:
            verdict.supported = True
            verdict.reason = "supported"
        return verdict


def _stems(text: str) -> set[str]:
    return set(content_words(text))


def _overlap(sentence_words: list[str], texts: list[str]) -> float:
    """Share of the sentence's content words found in the sources, counting repeats: a phrase used twice
    ("... gets passed along, and ... gets passed along") needs two occurrences in the sources."""
    return 1.0 - len(_unsupported(sentence_words, texts)) / len(sentence_words)


def _unsupported(sentence_words: list[str], texts: list[str]) -> list[str]:
    available = Counter(content_words(" ".join(texts)))
    missing = []
    for word in sentence_words:
        if available[word] > 0:
            available[word] -= 1
        else:
            missing.append(word)
    return missing


def _negated(text: str) -> bool:
    return any(w in NEGATIONS or w.endswith("n't") for w in words(text))


def _same_negation(sentence: str, texts: list[str]) -> bool:
    if _negated(sentence):
        return any(_negated(t) for t in texts)
    return not any(_negated(t) for t in texts)


def _numbers_supported(sentence: str, texts: list[str]) -> bool:
    source = {n for t in texts for n in _NUMBER.findall(t)}
    return all(n in source for n in _NUMBER.findall(sentence))


def _terms_supported(sentence: str, texts: list[str]) -> bool:
    source = " ".join(normalize(t).lower() for t in texts)
    terms = _TERM.findall(normalize(sentence))
    # The first word of a sentence is capitalised anyway; only later capitals mark a name or an acronym.
    first = words(sentence)[:1]
    return all(term.lower() in source for term in terms if [term.lower()] != first)


def _order_kept(sentence: str, texts: list[str]) -> bool:
    lowered = normalize(sentence).lower()
    for comparative in COMPARATIVES & set(words(lowered)):
        if not any(comparative in words(t) for t in texts):
            return False
    for marker in ORDER_MARKERS:
        if not re.search(rf"\b{marker}\b", lowered):
            continue
        holders = [t for t in texts if re.search(rf"\b{marker}\b", normalize(t).lower())]
        if not holders:
            return False
        if not any(_same_sides(lowered, normalize(t).lower(), marker) for t in holders):
            return False
    return True


def _same_sides(sentence: str, source: str, marker: str) -> bool:
    """Content words that occur on one side of the marker in the source must not move to the other side."""
    s_before, s_after = (set(content_words(part)) for part in re.split(rf"\b{marker}\b", sentence, maxsplit=1))
    f_before, f_after = (set(content_words(part)) for part in re.split(rf"\b{marker}\b", source, maxsplit=1))
    moved_forward = (s_before & f_after) - f_before
    moved_back = (s_after & f_before) - f_after
    return not moved_forward and not moved_back
