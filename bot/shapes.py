"""Question shapes: what kind of answer a question wants, shared by every stage that builds one.

"What are LSTMs good at?" wants uses, not a definition; "cnn vs rnn?" wants both sides; "name some optimizers"
wants a list. `shape_rules` recognises the shape, `question_parsing` finds the topics, and the plans in
`plans` answer each shape its own way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Shape(StrEnum):
    DEFINITION = "definition"
    USES = "uses"
    STRENGTHS = "strengths"
    WEAKNESSES = "weaknesses"
    TRADEOFFS = "tradeoffs"
    WHY = "why"
    HOW_IT_WORKS = "how_it_works"
    HOW_TO = "how_to"
    FIX = "fix"
    WHEN = "when"
    COMPARISON = "comparison"
    LIST = "list"
    STEPS = "steps"
    YESNO = "yesno"


ASPECT_SHAPES = frozenset(
    {
        Shape.USES,
        Shape.STRENGTHS,
        Shape.WEAKNESSES,
        Shape.TRADEOFFS,
        Shape.WHY,
        Shape.HOW_IT_WORKS,
        Shape.HOW_TO,
        Shape.FIX,
        Shape.WHEN,
    }
)


@dataclass(frozen=True)
class QuestionPlan:
    """The shape of a question, the topic phrases it names, and whether it asks about the source article."""

    shape: Shape
    topics: tuple[str, ...] = ()
    about_article: bool = False
    reason: str = ""  # the rule that chose the shape, for debugging and tests
