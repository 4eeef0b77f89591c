"""Small text helpers shared by chunking, retrieval and the grounding guard."""

from __future__ import annotations

import re
import unicodedata

_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "etc.", "approx.", "Fig.", "al.", "cf.", "Dr.", "Mr.", "Ms.", "No.")
_PLACEHOLDER = "\u0000"
# Whole words only: "real." and "normal." end sentences, "et al." does not.
_ABBREVIATION = re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + ")")
# A sentence may start in lower case ("k-means ...", "t-SNE ..."): abbreviations are protected before the split.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Za-z0-9`*])")
_MARKDOWN_NOISE = re.compile(r"(\*\*|__|`|^\s*[-*+]\s+|^\s*\d+\.\s+|^#+\s*)", re.MULTILINE)
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")

# Common English function words; content words are what is left.
STOPWORDS = frozenset(
    """a an the and or but if then else of to in on at by for with from into onto over under as is are was were be been
    being am do does did doing have has had having it its it's this that these those there here which who whom whose
    what when where why how can could may might must shall should will would so such than too very just also only both
    each either neither any all some most more many much few other another same own about above below between through
    during
    before after up down out off again further once i me my we our you your he him his she her they them their one ones
    use used using uses like often usually typically generally always well way ways make makes made get gets got us
    let lets thing things something anything everything i'm you're don't let's what's whats tell explain describe
    mean means meant please give show difference differences vs versus work works working""".split()
)

NEGATIONS = frozenset(
    """not no never none nor cannot can't don't doesn't didn't isn't aren't wasn't weren't won't wouldn't shouldn't
    couldn't without neither lack lacks lacking fails fail unable""".split()
)


def clean_markdown(text: str) -> str:
    """Markdown emphasis, list bullets and heading marks removed; the words stay untouched."""
    text = _MARKDOWN_NOISE.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def split_sentences(text: str) -> list[str]:
    """Sentence split that respects common abbreviations and decimals."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    protected = _ABBREVIATION.sub(lambda m: m.group(0).replace(".", _PLACEHOLDER), text)
    parts = _SENTENCE_END.split(protected)
    return [p.replace(_PLACEHOLDER, ".").strip() for p in parts if p.strip()]


def words(text: str) -> list[str]:
    return _WORD.findall(normalize(text).lower())


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")


def stem(word: str) -> str:
    """A light suffix stripper: enough to match 'networks' with 'network' and 'learns' with 'learning'."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "es", "ed", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            return base + "y" if suffix in ("ies", "ied") else base
    return word


def content_words(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in STOPWORDS and w not in NEGATIONS and len(w) > 1]


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in "\t\n\r" for ch in text)
