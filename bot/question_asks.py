"""What a question asks of its topic beyond its shape: a cause, a choice, or remedies.

Composition and scoring read these cues to weigh headings and lists; they are word patterns, so they live
apart from the parsing of a question's parts, sides and topic phrases (`question_parsing`).
"""

from __future__ import annotations

import re

# A why-question about something that happens asks for its cause; a heading on a topic's importance does not
# speak to that ("Why loss functions matter" for "why does my validation loss go up?").
_HAPPENING = re.compile(
    r"\b(?:go(?:es|ing)? (?:up|down)|rises?|rising|falls?|falling|drops?|dropping|increas(?:es?|ing)|"
    r"decreas(?:es?|ing)|explod(?:es?|ing)|vanish(?:es|ing)?|fail(?:s|ing)?|happens?|diverg(?:es?|ing)|stops?|"
    r"stuck|plateaus?|gets? worse|oscillat(?:es?|ing)|spikes?|nan)\b",
    re.IGNORECASE,
)
# "How do we choose k in k-fold?" asks how to choose, which the steps of k-fold ("How k-fold works") do not say.
_CHOOSING = re.compile(
    r"\b(?:choos\w*|chose|pick\w*|select(?:s|ed|ing)?|set (?:the|a|an|my|our)|decide|determine)\b", re.IGNORECASE
)


def asks_cause(question: str) -> bool:
    """A why-question about something that happens ("why does the loss go up?"), not about why X is used."""
    return bool(_HAPPENING.search(question))


def asks_choice(question: str) -> bool:
    return bool(_CHOOSING.search(question))


# "Ways to deal with class imbalance": the list asked for is of remedies.
_REMEDY = re.compile(
    r"\b(?:deal(?:ing)? with|handl(?:e|es|ing)|fix(?:es|ing)?|prevent(?:s|ing)?|reduc(?:e|es|ing)|avoid(?:s|ing)?|"
    r"combat(?:ting)?|tackl(?:e|ing)|mitigat(?:e|ing)|speed(?:ing)? up|overcom(?:e|ing)|counter(?:ing|act)?)\b",
    re.IGNORECASE,
)


def asks_remedy(question: str) -> bool:
    return bool(_REMEDY.search(question))
