"""Topics: which notes a question's topic phrase names ("cnn" -> convolutional-neural-networks).

A lexicon of every note's title, slug and aliases finds a named topic by its words; a phrase the lexicon does
not know ("bagging", a section of the ensemble note) is found by retrieval instead.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from bot.models import Chunk
from bot.text import content_words, normalize, stem

# Single words too general to name a topic by themselves ("model" is in half the titles).
GENERIC_WORDS = frozenset(
    """model models data learning learn training train network networks feature features method methods
    function functions layer layers algorithm algorithms machine deep neural metric metrics value values
    problem problems system systems set sets error errors test type types rate score scores loss analysis
    selection vs and of the a an in for with to as on at by from into about is are be my your our its it this
    that these those""".split()
)
# Abbreviations of the field itself, which no single note owns, and slang for how a model does.
GENERAL_ABBREVIATIONS = {
    "ml": "machine learning",
    "dl": "deep learning",
    "ai": "artificial intelligence",
    "nn": "neural network",
    "nns": "neural networks",
    "val": "validation",  # "val loss", "train/val split"
    "probs": "probabilities",  # "the model's probs are overconfident"
    "tanks": "performs badly",  # "great in cv but tanks in production"
    "tanked": "performed badly",
    "prod": "production",  # "does way worse in prod"
}
ABBREVIATION_LETTERS = 5  # a name this short, owned by one note, is expanded to that note's title
UNORDERED_SLACK = 3  # words allowed between the words of a name matched out of order
_TOKEN = re.compile(r"[a-z0-9+#]+")
_TITLE_PARTS = re.compile(r"\s*(?:,|\band\b|\bvs\.?|/|:)\s*", re.IGNORECASE)
_PARENTHESES = re.compile(r"\(([^)]*)\)")


_BRITISH = ((re.compile(r"is(ation|ing|ed|es|er)$"), r"iz\1"), (re.compile(r"our(s)?$"), r"or\1"))


def tokens(text: str) -> list[str]:
    """Lowercase words, hyphens split: 'k-nearest Neighbours' -> ['k', 'nearest', 'neighbours']."""
    return _TOKEN.findall(normalize(text).lower().replace("-", " "))


def stems(text: str) -> tuple[str, ...]:
    """Word stems of `tokens`, one spelling: 'k-nearest Neighbours' -> ('k', 'nearest', 'neighbor')."""
    return tuple(stem(_american(word)) for word in tokens(text))


def _american(word: str) -> str:
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word


@dataclass(frozen=True)
class TopicMatch:
    slugs: tuple[str, ...]
    phrase: tuple[str, ...]  # the stems that matched
    start: int  # word position in the text


class TopicLexicon:
    """Names of notes, matched on word stems; longer names win over the shorter names inside them."""

    def __init__(self, names: dict[str, list[str]]) -> None:
        self._names = names  # slug -> display names (title first)
        self._entries: dict[tuple[str, ...], set[str]] = defaultdict(set)
        self._spelled: dict[str, list[str]] = defaultdict(list)  # slug -> its names' stems, " a b " for `mentions`
        for slug, display_names in names.items():
            for name in display_names:
                for variant in _variants(name):
                    key = stems(variant)
                    if key and not (len(key) == 1 and key[0] in GENERIC_WORDS):
                        self._entries[key].add(slug)
                        self._spelled[slug].append(f" {' '.join(key)} ")
        self._longest = max((len(k) for k in self._entries), default=0)
        # Names of two or more words, with their words as a set: `find` skips those the text lacks a word of.
        self._multi = [(key, frozenset(key), slugs) for key, slugs in self._entries.items() if len(key) >= 2]

    @classmethod
    def from_chunks(cls, chunks: list[Chunk]) -> TopicLexicon:
        names: dict[str, list[str]] = {}
        for chunk in chunks:
            if chunk.slug not in names:
                names[chunk.slug] = [chunk.title, chunk.slug.replace("-", " "), *chunk.aliases]
        return cls(names)

    def title(self, slug: str) -> str:
        return self._names.get(slug, [slug])[0]

    def find(self, text: str) -> list[TopicMatch]:
        """Every note named in the text, longest names first; a name inside a longer matched name is dropped."""
        words = stems(text)
        found: list[TopicMatch] = []
        covered: set[int] = set()
        for length in range(min(self._longest, len(words)), 0, -1):
            for start in range(len(words) - length + 1):
                span = set(range(start, start + length))
                key = words[start : start + length]
                if key in self._entries and not span & covered:
                    found.append(TopicMatch(tuple(sorted(self._entries[key])), key, start))
                    covered |= span
        # A name's words in another order, close together: "metrics for a regression model" names regression metrics.
        present = set(words)
        for key, key_words, slugs in self._multi:
            if not key_words <= present or any(key == m.phrase for m in found):
                continue
            places = [i for i, w in enumerate(words) if w in key and i not in covered]
            if {words[i] for i in places} >= set(key) and places[-1] - places[0] <= len(key) + UNORDERED_SLACK:
                found.append(TopicMatch(tuple(sorted(slugs)), key, places[0]))
                covered |= set(places)
        return found

    def best(self, text: str) -> TopicMatch | None:
        """The longest name in the text, the earliest among equals ('precision in classification' -> precision)."""
        matches = self.find(text)
        return min(matches, key=lambda m: (-len(m.phrase), m.start)) if matches else None

    def expand(self, text: str) -> str:
        """The text with its abbreviations spelled out, so its vector meets sentences that spell them:
        'cnn vs rnn?' -> 'cnn vs rnn? (convolutional neural networks; recurrent neural networks)'."""
        spelled = []
        for word in dict.fromkeys(tokens(text)):
            if word in GENERAL_ABBREVIATIONS:
                spelled.append(GENERAL_ABBREVIATIONS[word])
            elif (
                len(word) <= ABBREVIATION_LETTERS and len(slugs := self._entries.get((stem(_american(word)),), ())) == 1
            ):
                title = self.title(next(iter(slugs)))
                if word not in stems(_PARENTHESES.sub(" ", title)):  # "(RAG)" spells nothing out
                    spelled.append(title)
        return f"{text} ({'; '.join(spelled)})" if spelled else text

    def mentions(self, slug: str, text: str) -> bool:
        """Whether the text names the note (any of its names, matched on stems)."""
        joined = " " + " ".join(stems(text)) + " "
        return any(name in joined for name in self._spelled.get(slug, ()))


def _variants(name: str) -> list[str]:
    """A title and its parts: 'LSTM and GRU' also names 'LSTM' and 'GRU'; 'k-nearest neighbours (kNN)' names 'kNN'."""
    variants = [name]
    inside = _PARENTHESES.findall(name)
    plain = _PARENTHESES.sub(" ", name).strip()
    variants += [plain, *inside]
    parts = [p for p in _TITLE_PARTS.split(plain) if p.strip()]
    if 1 < len(parts) <= 3 and all(len(p.split()) <= 3 for p in parts):
        variants += parts
    return variants


def phrase_mentions(phrase: str, text: str) -> bool:
    """Whether all the content stems of a short topic phrase occur in the text ('l1 regularization')."""
    wanted = [w for w in stems(phrase) if w not in GENERIC_WORDS] or list(stems(phrase))
    present = set(stems(text))
    return bool(wanted) and all(w in present for w in wanted)


@dataclass
class Topic:
    """A topic phrase of the question and the notes it names.

    `whole` is False when the notes' names cover only part of the phrase: "mode collapse in a GAN" names the
    GAN note, but asks about mode collapse (`rest`), so the GAN note's definition does not answer it.
    """

    phrase: str
    slugs: frozenset[str]
    whole: bool = True
    rest: str = ""
    context: str = ""  # the topic it is set in: "llm" in "what does temperature do in an llm?"
    context_slugs: frozenset[str] = frozenset()


GENERIC_STEMS = frozenset(content_words(" ".join(GENERIC_WORDS)))
_SUBJECT_END = re.compile(r"\s(?:is|are|was|were)\s")
MIN_PREFIX = 3  # a shorter word is not taken for the start of a longer one


def names_topic(opener: str, topics: list[Topic]) -> bool:
    """Whether a note's opening sentence names the asked topic: "What is ReLU?" finds the activation-functions
    note by an alias, but "An activation function is ..." does not define ReLU."""
    subject = _SUBJECT_END.split(opener, maxsplit=1)[0]  # "An optimizer is ...": about optimizers, not Adam
    words = set(content_words(subject))

    def named(word: str) -> bool:  # "norm" in "batch norm" names "normalization"
        return word in words or (
            len(word) >= MIN_PREFIX
            and any(w.startswith(word) or word.startswith(w) for w in words if len(w) >= MIN_PREFIX)
        )

    return not topics or any(all(named(w) for w in set(content_words(t.phrase)) - GENERIC_STEMS) for t in topics)


GENERIC_NAME_STEMS = frozenset(stems(" ".join(GENERIC_WORDS)))


def generic_name(phrase: tuple[str, ...]) -> bool:
    """A one-word name that is a word of every note ("features", "loss"), not a topic set against another."""
    return len(phrase) == 1 and phrase[0] in GENERIC_NAME_STEMS
