"""Reading a question's words: its parts, its filler, the sides it compares and the topic phrases it names.

The shape classifier (`shape_rules`), conversation memory and answering all need the same reading of a
question, so it lives here, apart from the rules that pick a shape.
"""

from __future__ import annotations

import re

from bot.text import normalize

# Filler that opens casual questions and says nothing about the shape.
_FILLER = re.compile(
    r"^\s*(?:(?:hey|hi|hello|yo|ok(?:ay)?|so|um+|uh+|quick question|question|pls|please|noob question|"
    r"sorry|btw|also|and|but|lol|guys|folks|everyone|all|mlbot|bot)\b[\s,:!.-]*)+",
    re.IGNORECASE,
)

# Comparison frames, with the text between their markers captured as the sides.
_BETWEEN = re.compile(r"\b(?:differences?|diff|distinction|similarit(?:y|ies)|contrast)\s+between\s+(.+)", re.I)
_VERSUS = re.compile(r"\b(?:vs\.?|versus)\b", re.I)
_DIFFER = re.compile(r"\b(?:how|in what way) (?:do|does|did) (.+?) and (.+?) (?:differ|compare)\b", re.I)
_DIFFER_FROM = re.compile(
    r"\b(?:how|in what way|what makes)\b.*?\b(?:does|do|is|are)\s+(.+?)\s+(?:differ|different|distinct)\s+"
    r"(?:from|than|to)\s+(.+)",
    re.I,
)
# "When would you choose K-means and when DBSCAN?" compares two choices; it is one question, not two.
_WHEN_EACH = re.compile(
    r"^when (?:would|should|do|does|to|can) (?:(?:you|i|we|one) )?(?:choose|use|pick|prefer|go (?:for|with)) "
    r"([^?]+?),? and when(?: (?:would|should|do|does|to|can))?(?: (?:you|i|we|one))?"
    r"(?: (?:choose|use|pick|prefer|go (?:for|with)))? ([^?]+?)\s*\??\s*$",
    re.I,
)
_COMPARE = re.compile(r"\bcompar(?:e|ing|ed|ison of)\s+(.+?)\s+(?:and|with|to|vs\.?|versus)\s+(.+)", re.I)
# "what's better about adam compared to plain sgd", "how does ridge do compared with lasso"
# (an aspect asked "compared to" something, "benefits of a tree compared to ...", stays that aspect)
_COMPARED_TO = re.compile(
    r"^(?:what(?:'s|s| is) (?:so )?(?:better|worse|different) about|how (?:does|do|is|are))\s+(.+?)\s+"
    r"(?:as )?compared (?:to|with)\s+(.+)",
    re.I,
)
# "advantages of random forests over a single tree": one side's strengths measured against the other's
_ASPECT_OVER = re.compile(
    r"\b(?:advantages?|benefits?|pros|strengths?|disadvantages?|drawbacks?|downsides?|cons|weaknesses?)\s+"
    r"(?:of|to)\s+(?:using\s+)?(.+?)\s+(?:over|versus|instead of|rather than)\s+(.+)",
    re.I,
)
BETTER_THAN = re.compile(r"\b(?:is|are)\s+(.+?)\s+(?:better|worse|faster|slower|more \w+|less \w+)\s+than\s+(.+)", re.I)
_EITHER = re.compile(
    r"^(?:(?:should|do|would|can)\s+(?:i|we|you)\s+(?:(?:just\s+)?(?:use|pick|choose|go with|go for|prefer|try|learn|"
    r"start with|fine[- ]?tune|train))\s+)?"
    r"(.+?)\s+or\s+(.+?)(?:\s*[,?]\s*(?:which|what|for)\b.*|\s*\?)?\s*$",
    re.I,
)
EITHER_WORDS = 8  # "lstm or gru?" is a choice; a longer "... or ..." is usually not
SHOULD_EITHER_WORDS = 12  # unless it opens with "should I": "should i fine-tune bert or just prompt an llm"
_SHOULD_I = re.compile(r"^(?:should|would) (?:i|we)\b", re.I)
# "i have 200 samples, should i ... or ...": the choice after a context clause
_CONTEXT_THEN_CHOICE = re.compile(r"^.*?[,;:]\s*(?=(?:should|would|can|do)\s+(?:i|we)\s+\S+.*\bor\b)", re.I)
_WHICH_BETTER = re.compile(
    r"\bwhich\b.*\b(?:better|prefer|should i (?:use|pick|choose)|to (?:use|pick|choose))\b", re.I
)

# A question that opens with an auxiliary verb ("is", "can", "should"): it asks for a yes or a no.
YESNO_OPENING = re.compile(
    r"^(?:is|are|was|were|can|could|does|do|did|should|shall|would|will|has|have|had|must|may|might|isn't|aren't|"
    r"doesn't|don't|shouldn't|won't|can't)\b",
    re.IGNORECASE,
)

# Words that frame a question but are not its topic; what is left is the topic phrase.
_FRAME_WORDS = frozenset(
    """what whats what's wat is are was were a an the do does did i we you u one me my our your can could would should
    will shall how why when where which who whom whose define definition explain explanation describe tell about
    please pls give show mean means meaning of in for to and or vs versus between difference differences different
    differ from than compared compare comparison with exactly simply simple terms words actually really basically
    used use uses using useful good at bad better worse best advantages advantage disadvantages disadvantage
    drawbacks drawback limitations limitation pros cons strengths strength weaknesses weakness benefits benefit
    downsides downside purpose applications application work works working job role kind kinds type types examples
    example name list some few common popular main steps step through walk it its it's they them their this that
    these those there here be been being need needs necessary important matter matters hey hi ok okay so quick
    question guys anyone someone way ways thing things stuff like just also too very much many need really know heard
    help prevent avoid fix deal handle reduce stop choose pick select tune set happen happens cause causes
    causing problem problems issue issues wrong fail fails failing apply applied all any get gets done make
    makes does doing go going own get have has had may might must whether if then again cases case situations
    situation scenario scenarios which one ones tradeoffs trade offs tradeoff off into over under article guide
    text source author according per say says said mention mentions mentioned describes claim claims gives lists
    linode not no yes tell outline plain vanilla""".split()
)
PRONOUN = re.compile(r"\b(?:it|its|it's|they|them|their|this|that|these|those)\b", re.IGNORECASE)
_SIDE_SPLIT = re.compile(r"\s*(?:,\s*(?:and|or)\s+|\s+and\s+|\s+or\s+|\s+vs\.?\s+|\s+versus\s+|,\s*)\s*", re.I)
_SIDE_TAIL = re.compile(
    r"\s*(?:[,;]|\b(?:which|what|for|in|when|whats|what's|on|is|are|do|does|and when|and which|and how|"
    r"and why)\b).*$",
    re.IGNORECASE,
)
_TRAILING_PUNCTUATION = re.compile(r"[?!.,;:\s]+$")
# "What is dropout in deep learning?": the field the question is set in, not a second topic.
_FIELD_CONTEXT = re.compile(
    r"(?<=\w)\s+(?:in|within|for) (?:the (?:context|field) of )?(?:machine learning|deep learning|ml|dl|ai|"
    r"artificial intelligence|data science|statistics)$",
    re.IGNORECASE,
)


# "What is X? When do we use it?" and "What is dropout and why does it work?" ask two things.
_PART_BREAK = re.compile(
    r"(?<=\?)\s+(?=\S)|,?\s+(?:and|also|plus)\s+(?=(?:why|when|how|what|which|where|is|are|can|does|do|should)\b)",
    re.IGNORECASE,
)
_ASKS = re.compile(
    r"\b(?:what|whats|what's|how|why|when|which|where|who|is|are|can|could|does|do|did|should|define|explain|"
    r"describe|name|list|compare|tell)\b",
    re.IGNORECASE,
)
MAX_PARTS = 3
MIN_PART_WORDS = 2
# "... too large? Too small?": a fragment this short that asks nothing is read against the part before it.
MAX_ELLIPSIS_WORDS = 4
_QUALIFIER = re.compile(r"^\W*(?:in (?:practice|general|theory|principle|reality)|at all|ever|really|always)\b", re.I)
_POSSESSIVES = frozenset({"my", "your", "our", "their", "its", "his", "her"})


def split_parts(question: str) -> list[str]:
    """A question that asks several things, cut into its parts; a single question is one part.

    Only cuts where each side asks something ("What is X? When do we use it?"), so "pros and cons" or the
    "and" of "difference between bagging and boosting" never splits a question.
    """
    if _WHEN_EACH.search(normalize(question).strip()):
        return [question]
    pieces = [p.strip() for p in _PART_BREAK.split(normalize(question)) if p and p.strip()]
    parts: list[str] = []
    for piece in pieces:
        if parts and (filled := _fill_ellipsis(parts[-1], piece)):
            parts.append(filled)
        elif parts and (len(piece.split()) < MIN_PART_WORDS or not _ASKS.search(piece) or not _ASKS.search(parts[-1])):
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    if len(parts) > MAX_PARTS:
        parts = [*parts[: MAX_PARTS - 1], " ".join(parts[MAX_PARTS - 1 :])]
    return parts or [question]


def _fill_ellipsis(previous: str, fragment: str) -> str | None:
    """'What happens when the rate is too large?' + 'Too small?' -> 'What happens when the rate is too small?'.

    The fragment's first word must occur once in the part before it, and the fragment then takes the place of as
    many words there. A qualifier ("In practice?") or a statement of its own ("my val loss rises?") replaces nothing.
    """
    words = re.findall(r"[\w'-]+", fragment)
    if not fragment.rstrip().endswith("?") or not 1 <= len(words) <= MAX_ELLIPSIS_WORDS or _ASKS.search(fragment):
        return None
    if _QUALIFIER.match(fragment) or words[0].lower() in _POSSESSIVES:
        return None
    previous_words = previous.rstrip(" ?").split()
    positions = [i for i, word in enumerate(previous_words) if word.lower().strip(",;:") == words[0].lower()]
    if len(positions) != 1 or positions[0] == 0:
        return None
    start = positions[0]
    rewritten = [*previous_words[:start], words[0].lower(), *words[1:], *previous_words[start + len(words) :]]
    return " ".join(rewritten) + "?"


def strip_filler(question: str) -> str:
    """'hey quick question, what is dropout' -> 'what is dropout'."""
    stripped = _FILLER.sub("", question).strip()
    return stripped or question.strip()


def comparison_sides(text: str) -> list[str]:
    """The sides of a comparison question ('cnn vs rnn?' -> ['cnn', 'rnn']), or [] when it is not one."""
    text = _TRAILING_PUNCTUATION.sub("", text)
    candidates: list[str] = []
    if match := _BETWEEN.search(text):
        candidates = _SIDE_SPLIT.split(_SIDE_TAIL.sub("", match.group(1)))
    elif _VERSUS.search(text):
        left, right = _VERSUS.split(text, maxsplit=1)
        left_words = left.split()
        candidates = [" ".join(left_words[-4:]), _SIDE_TAIL.sub("", right)]
        candidates = [_strip_frame(candidates[0]), *(_SIDE_SPLIT.split(candidates[1]))]
    elif (match := _DIFFER.search(text)) or (match := _WHEN_EACH.search(text.strip())):
        candidates = [match.group(1), match.group(2)]
    elif (
        (match := _DIFFER_FROM.search(text))
        or (match := _COMPARE.search(text))
        or (match := BETTER_THAN.search(text))
        or (match := _COMPARED_TO.search(text))
        or (match := _ASPECT_OVER.search(text))
    ):
        candidates = [match.group(1), _SIDE_TAIL.sub("", match.group(2))]
    elif (match := _EITHER.search(choice := _after_context(text))) and (
        _WHICH_BETTER.search(text)
        or len(choice.split()) <= EITHER_WORDS
        or (_SHOULD_I.match(choice) and len(choice.split()) <= SHOULD_EITHER_WORDS)
    ):
        candidates = [match.group(1), _SIDE_TAIL.sub("", match.group(2))]
        if YESNO_OPENING.match(candidates[0]) and not _WHICH_BETTER.search(text) and not text.endswith("?"):
            return []
    sides = [_side(c) for c in candidates]
    sides = [s for s in sides if s and s not in ("not", "no")]
    return sides if len(sides) >= 2 else []


def _after_context(text: str) -> str:
    """'i have 200 samples, should i fine-tune bert or prompt an llm' -> 'should i fine-tune bert or ...'."""
    return _CONTEXT_THEN_CHOICE.sub("", text, count=1)


def _side(phrase: str) -> str:
    """A side of a comparison; a pronoun side ('how is that different from stacking?') stays 'it'."""
    if re.fullmatch(r"\s*(?:it|that|this|they|those|these|them)\s*", phrase, re.IGNORECASE):
        return "it"
    return _strip_frame(phrase)


def _strip_frame(phrase: str) -> str:
    kept = [w for w in re.findall(r"[\w+#.'-]+", phrase) if w.lower().strip(".'") not in _FRAME_WORDS]
    return " ".join(kept).strip(" .'-").lower()


def topic_phrases(text: str) -> tuple[str, ...]:
    """What the question is about once its frame words are gone: 'what are LSTMs good at?' -> ('lstms',).

    A question whose only subject is a pronoun ("is it used at test time too?") has no topic of its own.
    """
    text = without_field(strip_filler(text))
    if sides := comparison_sides(text):
        return tuple(sides)
    phrase = _strip_frame(text)
    return (phrase,) if phrase else ()


def without_field(question: str) -> str:
    """'What is dropout in deep learning?' -> 'What is dropout': the field is where the topic lives."""
    return _FIELD_CONTEXT.sub("", _TRAILING_PUNCTUATION.sub("", question)) or question


# "What does temperature do in an LLM?": the topic (temperature) set inside another one (LLMs).
_SET_IN = re.compile(
    r"^(?P<head>.+?)\s+(?:in|inside|within)\s+(?:(?:a|an|the|my|our|your)\s+)?(?P<context>[^?]+)$", re.IGNORECASE
)


# Settings every topic lives in: "dropout in neural networks", "PCA in a machine learning pipeline".
_GENERAL_SETTING = re.compile(
    r"^(?:(?:deep )?(?:neural )?(?:net|nets|network|networks|nn|nns)|(?:(?:machine learning|ml|data science) )?"
    r"(?:pipeline|pipelines|workflow|project|projects|practice|model|models|system|systems))$",
    re.IGNORECASE,
)


def context_split(question: str) -> tuple[str, str] | None:
    """'what does temperature do in an llm?' -> ('temperature', 'llm'): the topic and the topic it sits in.

    None when the question sets nothing inside another topic, or sets it in the field ("dropout in deep learning").
    """
    text = without_field(strip_filler(normalize(question)))
    if comparison_sides(text) or not (match := _SET_IN.match(_TRAILING_PUNCTUATION.sub("", text))):
        return None
    head = _strip_frame(match["head"])
    context = _strip_frame(match["context"])
    if _GENERAL_SETTING.match(context):  # "dropout in neural networks": the field of deep learning
        return None
    return (head, context) if head and context else None


def topic_words(question: str) -> str:
    """The question without its frame words ("tell me a joke about cats" -> "joke cats")."""
    return " ".join(w for w in re.findall(r"[\w'-]+", strip_filler(question)) if w.lower() not in _FRAME_WORDS)


def refers_back(question: str) -> bool:
    """True when the question leans on an earlier turn: a pronoun as its subject, or no topic at all."""
    return bool(PRONOUN.search(question)) or not topic_phrases(question)


# "regularization tricks besides dropout?": the named thing is what the answer should leave out.
_EXCLUDED = re.compile(
    r"\b(?:besides|other than|apart from|aside from|except(?: for)?)\s+(?:the |a |an |just |using )?"
    r"([\w\s.+#-]+?)\s*(?:[?,.!]|$)",
    re.IGNORECASE,
)


def excluded_phrase(question: str) -> str:
    """'regularization tricks for neural nets besides dropout?' -> 'dropout'; '' when nothing is left out."""
    match = _EXCLUDED.search(question)
    return match.group(1).strip() if match else ""
