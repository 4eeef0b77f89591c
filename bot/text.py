"""Small text helpers shared by chunking, retrieval and the grounding guard."""

from __future__ import annotations

import re
import unicodedata

_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "etc.", "approx.", "Fig.", "al.", "cf.", "Dr.", "Mr.", "Ms.", "No.")
_PLACEHOLDER = "\ue000"  # a private-use character: notes and questions never hold one (both are cleaned)
# Whole words only: "real." and "normal." end sentences, "et al." does not.
_ABBREVIATION = re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + ")")
# A sentence may start in lower case ("k-means ...", "t-SNE ..."): abbreviations are protected before the split.
# A period after a space ("step(w . x + b)") is a formula's dot, not a sentence end.
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\s[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Za-z0-9`*])")
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
    text = re.sub(r"\s+", " ", text.replace(_PLACEHOLDER, "")).strip()
    if not text:
        return []
    protected = _ABBREVIATION.sub(lambda m: m.group(0).replace(".", _PLACEHOLDER), text)
    parts = _SENTENCE_END.split(protected)
    return [p.replace(_PLACEHOLDER, ".").strip() for p in parts if p.strip()]


def words(text: str) -> list[str]:
    return _WORD.findall(normalize(text).lower())


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")


def clip(text: str, limit: int) -> str:
    """The text on one line, cut to `limit` characters with an ellipsis (Discord fields, vote summaries)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def stem(word: str) -> str:
    """A light suffix stripper: enough to match 'networks' with 'network' and 'learns' with 'learning'."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "es", "ed", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            return base + "y" if suffix in ("ies", "ied") else base
    return word


def content_words(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in STOPWORDS and w not in NEGATIONS and len(w) > 1]


def strip_control_characters(text: str) -> str:
    """Text without control, private-use or unassigned characters (tabs and line breaks stay): a NUL or BEL
    byte in a note must not reach a chunk, and the sentence splitter's placeholder must never collide."""
    return "".join(ch for ch in text if ch in "\t\n\r" or unicodedata.category(ch) not in _UNWANTED)


_UNWANTED = ("Cc", "Cs", "Co", "Cn")


def strip_format_characters(text: str) -> str:
    """Text without invisible format characters: zero-width spaces and joiners, a byte-order mark, and the
    bidirectional overrides that would reverse text in a thread name ("\u202e")."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in _UNWANTED and ch not in "\t\n\r" for ch in text)


class InvalidQuestion(ValueError):
    """A question the bot will not try to answer; the message says why in one line."""


def validate_question(question: str, max_chars: int) -> str:
    """The question with its spacing tidied and invisible format characters (zero-width spaces, bidirectional
    overrides) removed; InvalidQuestion says in one line why a question cannot be answered."""
    if has_control_characters(question):
        raise InvalidQuestion("the question contains binary or control characters; send plain text")
    cleaned = " ".join(strip_format_characters(question).split())
    if not cleaned:
        raise InvalidQuestion("the question is empty; ask something about machine learning")
    if len(cleaned) > max_chars:
        raise InvalidQuestion(f"the question is {len(cleaned)} characters long; the limit is {max_chars}")
    return cleaned


# A sentence opening like these leans on the one before it: it never leads an answer, and follows only its
# antecedent; a model sentence that opens so is rejected.
DEPENDENT_OPENING = re.compile(
    r"^(?:this|that|these|those|it|its|it's|they|their|them|such|otherwise|however|but|also|and|so|then|therefore|"
    r"thus|hence|instead|in contrast|by comparison|by contrast|for example|for instance|for those|specifically|"
    r"more specifically|similarly|likewise|as a result|here|the rest|the same|"
    r"that's|that is why|think of it|one example|in (?:that|this|these|those|such) \w+)\b"
    r"|^(?:\S+ ){1,3}(?:therefore|thus|hence|consequently)\b",  # "PR-AUC therefore exposes ..." draws a conclusion
    re.IGNORECASE,
)
