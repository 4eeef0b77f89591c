"""The question-shape classifier: ordered rules that say which shape a question asks for, and why.

Rules, not a trained model: on the labelled set (`tests/data/shapes.jsonl`) they beat nearest-prototype
classification with the embedder (see `benchmarks/shape_accuracy.py`), run in microseconds and say why they
chose what they chose.
"""

from __future__ import annotations

import re

from bot.question_parsing import (
    BETTER_THAN,
    YESNO_OPENING,
    comparison_sides,
    strip_filler,
    topic_phrases,
    without_field,
)
from bot.shape_patterns import SHAPE_RULES, any_of
from bot.shapes import QuestionPlan, Shape
from bot.text import normalize

_ARTICLE = any_of(
    r"\b(?:the|this|your|that)\s+(?:article|guide|source|text|document|post|linode)\b",
    r"\baccording to (?:the|this)\b",
    r"\bper the (?:article|guide)\b",
    r"\b(?:article|guide) (?:say|says|said|claim|claims|mention|mentions|describe|describes|give|gives|list|lists)\b",
    r"\blinode\b",
)
_VERDICT = re.compile(r"\b(?:always|ever|never|necessarily|in general|generally)\b", re.IGNORECASE)

_LEADING_WHY = re.compile(r"^(?:but |and |so )?why\b", re.IGNORECASE)
_DETECTION = re.compile(
    r"\bhow (?:can|do|would|could|should) (?:i|we|you|one) (?:tell|know|detect|check|see|spot|diagnose|verify|"
    r"find out|recogni[sz]e|notice|decide|determine)\b",
    re.IGNORECASE,
)
# "If a weight is larger than another, can we say ...?": the question proper follows the condition.
_LEADING_CONDITION = re.compile(r"^(?:if|when|suppose|say)\b[^,;:\u2014\u2013?]*[,;:\u2014\u2013]\s*", re.IGNORECASE)
# "if i drop race from my features is my model fair?": the condition ends where the auxiliary verb starts
_UNMARKED_CONDITION = re.compile(
    r"^(?:if|suppose)\b.+?\s(?=(?:is|are|does|do|can|should|will|would|could)\s+"
    r"(?:my|the|our|your|it|this|that|a|an|i|we|you|they)\b)",
    re.IGNORECASE,
)
_WHEN_CLAUSE = re.compile(r"^when (?!(?:should|would|do|does|did|is|are|can|to|might|will)\b)", re.IGNORECASE)
_USES_NOUN = re.compile(r"\b(?:applications?|use cases?|uses of)\b", re.IGNORECASE)
# "What is the bias-variance trade-off?" asks for a named concept, not for the trade-offs of something.
_NAMED_TRADEOFF = re.compile(
    r"^(?:what(?:'s| is)|explain|define|describe)\s+(?:the\s+)?[\w]+[-/ ][\w]+ trade-?off\W*$",
    re.IGNORECASE,
)
_WHAT_IF = re.compile(r"\bwhat (?:happens )?if\b", re.IGNORECASE)
# "What happens to our model if z = x + y?" asks for a consequence, not for how the model works.
_WHAT_HAPPENS_IF = re.compile(r"\bwhat happens\b.*\bif\b", re.IGNORECASE)
# A question that opens with an auxiliary verb wants a verdict, even when it mentions uses or fixes.
_YESNO_OVERRIDES = frozenset({Shape.USES, Shape.FIX, Shape.WHEN, Shape.WHY, Shape.HOW_IT_WORKS, Shape.HOW_TO})
_DEFINITION_REQUEST = re.compile(
    r"^(?:(?:can|could|would|will) (?:you|u|someone|anyone) (?:please |pls )?(?:explain|describe|tell|define|help|"
    r"clarify|give|show|walk|summari[sz]e|list|name)|(?:do|did|does) (?:you|u|anyone) (?:know|understand)"
    r"(?: (?:about|of))?|(?:have|has) (?:you|u|anyone) heard (?:about|of))\b",
    re.IGNORECASE,
)


def classify(question: str) -> QuestionPlan:
    """The shape of a question and its topic phrases."""
    text = strip_filler(" ".join(normalize(question).split()))
    about_article = bool(_ARTICLE.search(text))
    sides = comparison_sides(text)
    if sides and _VERDICT.search(text) and YESNO_OPENING.match(text):
        return QuestionPlan(Shape.YESNO, tuple(sides), about_article, "yesno: verdict on a comparison")
    if sides:
        return QuestionPlan(Shape.COMPARISON, tuple(sides), about_article, "comparison frame")
    if _DEFINITION_REQUEST.match(text):
        # "Can you explain how X works?" is about X's mechanism; "can you explain X?" is a definition.
        inner = re.sub(_DEFINITION_REQUEST, "", text, count=1).strip()
        if re.match(r"(?:if|whether)\b", inner):  # "do you know if X is ...?" asks for a verdict
            return QuestionPlan(Shape.YESNO, topic_phrases(text), about_article, "yesno: 'do you know if'")
        shape, reason = _shape_by_rules(inner)
        shape = shape or Shape.DEFINITION
        return QuestionPlan(shape, topic_phrases(text), about_article, reason or "request to explain")
    shape, reason = _shape_by_rules(text)
    if shape == Shape.TRADEOFFS and _NAMED_TRADEOFF.match(without_field(text)):
        shape, reason = Shape.DEFINITION, "definition: a named trade-off"
    if shape == Shape.LIST and _USES_NOUN.search(text):  # "What are common applications of k-means?"
        shape, reason = Shape.USES, "uses: a list of applications"
    if _LEADING_WHY.match(text) and shape not in (Shape.STRENGTHS, Shape.TRADEOFFS, Shape.WEAKNESSES, Shape.USES):
        shape, reason = Shape.WHY, "why: leading 'why'"
    elif _DETECTION.search(text):
        shape, reason = Shape.HOW_TO, "how_to: detection"
    elif (_WHAT_IF.search(text) and shape in (None, Shape.HOW_TO)) or (
        _WHAT_HAPPENS_IF.search(text) and shape == Shape.HOW_IT_WORKS
    ):
        shape, reason = Shape.WHY, "why: 'what if'"
    if YESNO_OPENING.match(text) and shape in _YESNO_OVERRIDES and not BETTER_THAN.search(text):
        shape, reason = Shape.YESNO, f"yesno over {shape.value}"
    after_condition = _LEADING_CONDITION.sub("", text, count=1)
    if after_condition == text:
        after_condition = _UNMARKED_CONDITION.sub("", text, count=1)
    conditional = after_condition != text and YESNO_OPENING.match(after_condition)
    if shape == Shape.WHEN and conditional and _WHEN_CLAUSE.match(text):  # "when my data is skewed, should I ...?"
        shape, reason = Shape.YESNO, "yesno: auxiliary verb after a condition"
    if shape is None:
        if YESNO_OPENING.match(text):
            shape, reason = Shape.YESNO, "auxiliary verb first"
        elif conditional:
            shape, reason = Shape.YESNO, "yesno: auxiliary verb after a condition"
        else:
            shape, reason = Shape.DEFINITION, "default"
    return QuestionPlan(shape, topic_phrases(text), about_article, reason)


def _shape_by_rules(text: str) -> tuple[Shape | None, str]:
    for shape, pattern in SHAPE_RULES:
        match = pattern.search(text)
        if match:
            return shape, f"{shape.value}: {match.group(0).strip()!r}"
    return None, ""
