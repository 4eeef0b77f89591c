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

from bot.configs import GuardConfig
from bot.embedding import Embedder
from bot.text import DEPENDENT_OPENING, NEGATIONS, content_words, normalize, words

_NUMBER = re.compile(
    r"\d+(?:[.,]\d+)?%?|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|hundred|thousand|million|"
    r"billion|half|twice|double)\b",
    re.IGNORECASE,
)
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
        if sentence.rstrip().endswith("?"):
            return Verdict(False, "a question, not a claim", [])
        if DEPENDENT_OPENING.match(sentence.strip()):  # "This ...", "That variance ...": its antecedent is missing
            return Verdict(False, "leans on a missing sentence", [])
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
        elif (problem := _clause_problem(sentence, [f.text for f in facts])) is not None:
            verdict.reason = problem
        else:
            verdict.supported = True
            verdict.reason = "supported"
        return verdict


# Where a sentence joins two statements: each side must come from one fact, in that fact's order of words.
_CLAUSE_BREAK = re.compile(
    r",\s*(?:while|whereas|but|and|which|so|because|although|since|whilst)\s+|;\s*|:\s+|"
    r"\s+(?:while|whereas|because|although)\s+",
    re.IGNORECASE,
)
# "As a rule, ...", "In PyTorch, ...": an opening phrase, not the subject.
_INTRODUCTION = re.compile(
    r"^(?:as|in|for|on|at|with|without|by|during|after|before|when|if|unlike|like|despite|although|because|since|"
    r"typically|usually|often|generally|however|overall)\b[^,]{0,40},\s+",
    re.IGNORECASE,
)
MIN_CLAUSE_COVERAGE = 0.8  # share of a clause's content words found in one fact, in the fact's order
MIN_CLAUSE_WORDS = 3  # shorter pieces ("so the model") are checked as part of the sentence, not alone
SUBJECT_REACH = 3  # fact words before the clause's first word, this close to the fact's start, are its subject


def _clause_problem(sentence: str, facts: list[str]) -> str | None:
    """Why a clause is not one fact's statement, or None.

    Rejects a subject taken from one fact with a predicate from another ("An embedding ... is a neural
    network"), roles swapped inside a clause (the words keep a fact's set but not its order), and a claim about
    a whole class that the fact makes about one member ("Clustering is ..." from "K-means clustering is ...").
    """
    fact_words = [content_words(_INTRODUCTION.sub("", f)) for f in facts]
    for clause in _CLAUSE_BREAK.split(sentence):
        words = content_words(clause)
        if len(words) < MIN_CLAUSE_WORDS:
            continue
        coverage, best = max((_lcs(words, fw) / len(words), i) for i, fw in enumerate(fact_words))
        if coverage < MIN_CLAUSE_COVERAGE:
            return "clause not in one fact"
        source = fact_words[best]
        first = source.index(words[0]) if words[0] in source else None
        if first is not None and 0 < first <= SUBJECT_REACH and not set(source[:first]) <= set(words):
            return "subject changed"
    return None


def _lcs(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence: the words two texts share in the same order."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


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
    source = {n.lower() for t in texts for n in _NUMBER.findall(t)}
    return all(n.lower() in source for n in _NUMBER.findall(sentence))


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


def guard_verdicts(
    embedder: Embedder, configs: list[GuardConfig], items: list[tuple[str, list[str]]]
) -> list[list[Verdict]]:
    """The guard's verdict on each (sentence, facts) pair under each config, as the answering service would check
    it; every sentence and fact list is embedded once, however many configs are compared."""
    guards = [GroundingGuard(embedder, config.min_similarity, config.min_overlap) for config in configs]
    verdicts: list[list[Verdict]] = [[] for _ in configs]
    for sentence, texts in items:
        vectors = embedder.embed(texts) if texts else []
        facts = [Fact(text, vector, str(i)) for i, (text, vector) in enumerate(zip(texts, vectors, strict=True))]
        vector = embedder.embed([sentence])[0]
        for guard, found in zip(guards, verdicts, strict=True):
            found.append(guard.check(sentence, facts, vector))
    return verdicts
