"""Redundancy: whether a sentence says again what an answer already says.

Both the plans (choosing followers) and the merging of a multi-part question's answers must skip repeats,
by meaning or by words, and must judge them the same way.
"""

from __future__ import annotations

import numpy as np

from bot.candidates import Candidate
from bot.text import content_words

REDUNDANT_COSINE = 0.76  # two sentences this close in meaning say the same thing
REDUNDANT_WORDS = 0.5  # ... and so do two that share this share of their content words


def redundant(candidate: Candidate, picked: list[Candidate]) -> bool:
    mine = set(content_words(candidate.text))
    for other in picked:
        if float(np.dot(candidate.vector, other.vector)) > REDUNDANT_COSINE:
            return True
        if other.is_list and candidate.position == other.position and candidate.text in other.items:
            return True
        theirs = set(content_words(other.text + " " + " ".join(other.items)))
        if mine and len(mine & theirs) / len(mine | theirs or {""}) >= REDUNDANT_WORDS:
            return True
        if mine and mine <= theirs and not other.is_list:
            return True
    return False
