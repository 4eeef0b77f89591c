"""Aspects: what a sentence speaks to (uses, drawbacks, causes, steps, ...), read from its heading and words.

"Uses of ..." as a section heading and "used for" in a sentence both speak to uses. Candidates carry both
readings so that scoring can reward the aspect a question asks about without knowing any note.
"""

from __future__ import annotations

import re

from bot.aspect_cues import HEADING_ASPECTS, SENTENCE_CUES, words
from bot.shapes import Shape


def heading_aspects(section: str) -> frozenset[Shape]:
    return frozenset(shape for shape, pattern in HEADING_ASPECTS.items() if section and pattern.search(section))


# Symptoms that are drawbacks of whatever has them ("Sigmoid saturates ..."), unless the sentence says the thing
# avoids them ("ReLU avoids the vanishing gradient problem", "Leaky ReLU does not saturate").
_SYMPTOMS = words(r"saturat\w*", r"vanishing", r"high variance", r"not zero-cent(?:red|ered)")
_MITIGATION = words(
    r"avoids?", r"prevents?", r"solves?", r"reduces?", r"fix\w*", r"does not", r"doesn't", r"never", r"no longer"
)


def cue_aspects(text: str) -> frozenset[Shape]:
    cues = {shape for shape, pattern in SENTENCE_CUES.items() if pattern.search(text)}
    if _SYMPTOMS.search(text) and not _MITIGATION.search(text):
        cues.add(Shape.WEAKNESSES)
    return frozenset(cues)


# "Why X matters" answers "why use X?", not "why does my validation loss go up?" (see `asks_cause`).
_IMPORTANCE_HEADING = re.compile(r"\b(?:matters?|important|importance|motivation|purpose|worth)\b", re.IGNORECASE)


def importance_heading(section: str) -> bool:
    return bool(_IMPORTANCE_HEADING.search(section))


_OPPOSITE_ASPECT = {Shape.STRENGTHS: Shape.WEAKNESSES, Shape.WEAKNESSES: Shape.STRENGTHS}


def speaks_against(shape: Shape, cue_aspects: frozenset[Shape]) -> bool:
    """Under "Advantages and drawbacks of X", an advantage does not answer "drawbacks?" (nor the other way)."""
    opposite = _OPPOSITE_ASPECT.get(shape)
    return opposite is not None and opposite in cue_aspects and shape not in cue_aspects
