"""Scoring candidates for a question: similarity with it, plus what similarity alone misses.

A sentence under a heading on the aspect asked, from a note the question names, or defining the topic of a
"what is X?" gains; one that leans on its antecedent, is about the opposite problem ("underfitting" for
"overfitting") or belongs to the article when the article was not asked about loses.
"""

from __future__ import annotations

import math
import re

import numpy as np

from bot.aspects import speaks_against
from bot.candidates import Candidate
from bot.question_asks import asks_remedy
from bot.shapes import Shape
from bot.text import content_words
from bot.topics import GENERIC_STEMS, stems, tokens

# How much each signal adds to a candidate's cosine similarity with the question.
SECTION_WEIGHT = 0.14  # the sentence sits in a section whose heading speaks to the aspect asked
CUE_WEIGHT = 0.06  # the sentence's own words speak to it ("used for", "because", "the main drawback")
TOPIC_NOTE_WEIGHT = 0.10  # the sentence is from a note the question names
MENTION_WEIGHT = 0.05  # the sentence names a topic of the question
OUTSIDE_SETTING_PENALTY = 0.10  # from another note and silent on the topic the asked part is set in
CONTEXT_WEIGHT = 0.08  # a sentence of the setting's note that names the asked part ("the learning rate, or shrinkage")
DEFINITION_WEIGHT = 0.12  # a note's opening sentence, for "what is X?"
SECTION_OPENING_WEIGHT = 0.04  # the first sentence of a section that speaks to the aspect asked
REST_WEIGHT = 0.08  # the sentence names the asked part of a named note ("stratified" k-fold)
HEADING_MATCH_WEIGHT = 0.06  # a section whose heading names the question's topic (twice for its first sentence)
DEPENDENT_PENALTY = 0.20  # "This is why ...": usable only right after its antecedent
ARTICLE_PENALTY = 0.08  # the article's own sentences, when the question is not about the article
OPPOSITE_PENALTY = 0.25  # about underfitting when overfitting was asked
OPPOSITE_ASPECT_PENALTY = 0.08  # about advantages when drawbacks were asked, or the other way round
LEAD_OPENER_PENALTY = 0.06  # a note's definition, when the question asks something else about the topic
# A note that names only part of the topic ("loss" in "validation loss rises while training loss falls",
# "cross-validation" in "stratified cross-validation"): its headings speak about the note's own topic, so they
# count this much of SECTION_WEIGHT unless they also name the asked part.
PARTIAL_TOPIC_HEADING_SHARE = 0.3

_WANTED: dict[Shape, dict[Shape, float]] = {
    Shape.USES: {Shape.USES: 1.0, Shape.WHEN: 0.4, Shape.STRENGTHS: 0.3},
    Shape.STRENGTHS: {Shape.STRENGTHS: 1.0, Shape.TRADEOFFS: 0.8, Shape.WHEN: 0.3},
    Shape.WEAKNESSES: {Shape.WEAKNESSES: 1.0, Shape.TRADEOFFS: 0.8, Shape.FIX: 0.3},
    Shape.TRADEOFFS: {Shape.TRADEOFFS: 1.0, Shape.STRENGTHS: 0.9, Shape.WEAKNESSES: 0.9},
    Shape.WHY: {Shape.WHY: 1.0, Shape.HOW_IT_WORKS: 0.3},
    Shape.HOW_IT_WORKS: {Shape.HOW_IT_WORKS: 1.0, Shape.STEPS: 0.6, Shape.WHY: 0.2},
    Shape.HOW_TO: {Shape.HOW_TO: 1.0, Shape.STEPS: 0.5, Shape.LIST: 0.4, Shape.FIX: 0.4, Shape.WHEN: 0.3},
    Shape.FIX: {Shape.FIX: 1.0, Shape.HOW_TO: 0.4, Shape.STEPS: 0.3, Shape.WEAKNESSES: 0.2},
    Shape.WHEN: {Shape.WHEN: 1.0, Shape.COMPARISON: 0.4, Shape.USES: 0.4, Shape.STRENGTHS: 0.3},
    Shape.YESNO: {Shape.YESNO: 1.0, Shape.WHEN: 0.2},
    Shape.COMPARISON: {Shape.COMPARISON: 1.0, Shape.WHEN: 0.4},
    Shape.LIST: {Shape.LIST: 1.0},
    Shape.STEPS: {Shape.STEPS: 1.0, Shape.HOW_IT_WORKS: 0.7},
    Shape.DEFINITION: {Shape.HOW_IT_WORKS: 0.15},
}

# "List some ways to deal with class imbalance": a list of remedies, not of examples of the problem.
_REMEDY_LIST_WANTED = {Shape.FIX: 1.0, Shape.HOW_TO: 1.0}


# Problems that come in opposite pairs: a question about one should not be answered about the other.
OPPOSITES = (
    ("overfit", "underfit"),
    ("vanish", "explod"),
    ("high bias", "high variance"),
    ("false positive", "false negative"),
)

# Words with another sense in the notes: (the question's word, the other sense, words that ask for that sense).
# "Do I need to normalize features for trees?" asks about scaling, not about normally distributed features.
OTHER_SENSES = (
    (re.compile(r"\bnormali[sz]", re.I), re.compile(r"\bnormal(?:ly)? distribut|\bgaussian", re.I), "distribut"),
)


# Words students use for the same thing, matched as one ("test time" asks about "inference").
SYNONYMS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), canonical)
    for pattern, canonical in (
        (r"\b(?:test|prediction|inference|serving) time\b|\bat inference\b|\bat test\b", "inference"),
        (r"\bnn\b|\bneural nets?\b", "neural network"),
        (r"\blr\b", "learning rate"),
        # the verbs; "batch normalization" is no scaling
        (r"\b(?:normali[sz](?:e|es|ed|ing)|standardi[sz](?:e|es|ed|ing)|rescal(?:e|es|ed|ing))\b", "scaling"),
        (r"\bhyperparams?\b", "hyperparameter"),
        (r"\bdisadvantages?\b|\bdownsides?\b|\bcons\b|\bweakness(?:es)?\b|\blimitations?\b", "drawback"),
        (r"\bbenefits?\b|\bpros\b|\bstrengths?\b", "advantage"),
        (r"\bapplications?\b|\buse cases?\b", "uses"),
    )
)


def expand_synonyms(text: str) -> str:
    for pattern, canonical in SYNONYMS:
        text = pattern.sub(lambda m, c=canonical: f"{m.group(0)} {c}", text)
    return text


# "is a", "are the", "refers to", "means": a definition, not "is used for" or "is not always".
_DEFINING_VERB = re.compile(
    r"^(?:(?:is|are) (?:(?:a|an|the|any|one)(?! (?:good|great|bad|better|best|useful|sensible|reasonable|safe|poor|"
    r"strong|weak|usual|common|popular|default|standard|main|key|simple)\b)|values?|sets?|settings?|numbers?|"
    r"methods?|models?)\b|refers to|means|(?:is|are) when|happens when|occurs when|arises when)\b"
)


def _heading_match(section: str, topic_words: set[str], rest_words: set[str] = frozenset()) -> float:
    """How much of the question's topic a section's heading names ("Computing requirements of ML and DL" for
    "computing requirements for ML and DL"): 0 below two shared words. When the question asks about a part of
    a named note ("mistakes" of deep learning), the heading need only name that part."""
    if not section:
        return 0.0
    heading = set(content_words(section))
    if rest_words and rest_words & heading:
        return len(rest_words & heading) / len(rest_words)
    if len(topic_words) < 2:
        return 0.0
    shared = topic_words & heading
    return len(shared) / len(topic_words) if len(shared) >= 2 else 0.0


# Words a question drops as frame words ("what is the cold start problem?" asks about "cold start") that a note
# keeps in the name it defines.
HEAD_NOUNS = frozenset(
    {"problem", "method", "technique", "algorithm", "trick", "rule", "effect", "process", "task", "function"}
)
_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.IGNORECASE)


SHORTEST_E_STEM = 3  # "use" keeps its "e"; "tree" loses it


def _plural_insensitive(word_stems: tuple[str, ...]) -> tuple[str, ...]:
    """Stems that match across singular and plural: 'tree' and 'trees' stem to 'tree' and 'tre'."""
    return tuple(w[:-1] if w.endswith("e") and len(w) > SHORTEST_E_STEM else w for w in word_stems)


def _defines(text: str, phrases: tuple[str, ...], strict: bool = True) -> bool:
    """'Hyperparameters are values ...' defines 'hyperparameter': the phrase, then 'is', 'are' or 'refers to'
    (or, not `strict`, any verb: 'He initialization scales weights by ...' opens with its subject)."""
    bare = _ARTICLE.sub("", text)
    opening, words = _plural_insensitive(stems(bare)[:8]), tokens(bare)[:8]
    for phrase in phrases:
        name = _plural_insensitive(stems(phrase))
        subject = bool(name) and opening[: len(name)] == name and len(words) > len(name)
        if not subject:
            continue
        rest = words[len(name) :]
        if rest[:1] and rest[0] in HEAD_NOUNS:  # "The cold start problem arises when ..." defines "cold start"
            rest = rest[1:]
        if not strict or _DEFINING_VERB.match(" ".join(rest)):
            return True
    return False


def score(
    candidates: list[Candidate],
    shape: Shape,
    question: str,
    question_vector: np.ndarray,
    topic_slugs: set[str],
    mentions: list[frozenset[int]],
    *,
    rank_of: dict[int, int],
    rank_penalty: float,
    word_weight: float,
    article_slugs: set[str],
    about_article: bool,
    topic_phrases: tuple[str, ...] = (),
    restatement_slugs: frozenset[str] = frozenset(),
    rest_phrases: tuple[str, ...] = (),
    partial_slugs: frozenset[str] = frozenset(),
) -> None:
    """Fill in each candidate's similarity and score (in place)."""
    asked = set(content_words(expand_synonyms(question)))
    matched = [
        asked & set(content_words(expand_synonyms(f"{c.section} {c.text} {' '.join(c.items)}"))) for c in candidates
    ]
    total = len(candidates) or 1
    weight = {w: math.log((1 + total) / (1 + sum(w in m for m in matched))) for w in asked}
    denominator = sum(weight.values()) or 1.0
    wanted = _REMEDY_LIST_WANTED if shape == Shape.LIST and asks_remedy(question) else _WANTED.get(shape, {})
    lowered_question = question.lower()
    topic_words = set(content_words(" ".join(topic_phrases)))
    rest_words = set(content_words(" ".join(rest_phrases)))
    asked_rest = set(content_words(expand_synonyms(" ".join(rest_phrases)))) - GENERIC_STEMS
    # (asked, opposite) pairs; a sentence that names both ("overfitting and underfitting") covers the asked one
    opposites = [(a, b) for a, b in OPPOSITES if a in lowered_question and b not in lowered_question]
    opposites += [(b, a) for a, b in OPPOSITES if b in lowered_question and a not in lowered_question]
    senses = [other for asked, other, wants in OTHER_SENSES if asked.search(question) and wants not in lowered_question]
    for candidate, words, mention in zip(candidates, matched, mentions, strict=True):
        candidate.mentions = mention
        candidate.similarity = float(np.dot(candidate.vector, question_vector))
        value = candidate.similarity + word_weight * sum(weight[w] for w in words) / denominator
        from_heading = max((wanted.get(a, 0.0) for a in candidate.heading_aspects), default=0.0)
        titled = _heading_match(candidate.section, topic_words, rest_words)
        if candidate.slug in partial_slugs and not titled:
            from_heading *= PARTIAL_TOPIC_HEADING_SHARE
        value += SECTION_WEIGHT * from_heading
        value += CUE_WEIGHT * max((wanted.get(a, 0.0) for a in candidate.cue_aspects), default=0.0)
        if candidate.opens_section and from_heading:
            value += SECTION_OPENING_WEIGHT * from_heading  # a section's first sentence answers its heading
        if speaks_against(shape, candidate.cue_aspects):
            value -= OPPOSITE_ASPECT_PENALTY  # "The main advantages of ..." when the drawbacks were asked
        if rest_words and rest_words <= set(content_words(f"{candidate.section} {candidate.text}")):
            value += REST_WEIGHT  # names the part of the note that was asked about ("stratified")
        value += HEADING_MATCH_WEIGHT * titled * (1 + candidate.opens_section)
        candidate.in_topic_note = candidate.slug in topic_slugs
        candidate.names_rest = bool(asked_rest & words)
        value += TOPIC_NOTE_WEIGHT * candidate.in_topic_note
        value += MENTION_WEIGHT * bool(mention)
        value += CONTEXT_WEIGHT * candidate.in_context
        if candidate.outside_setting:
            value -= OUTSIDE_SETTING_PENALTY
        value -= rank_penalty * rank_of.get(candidate.position, len(rank_of))
        candidate.defines = _defines(candidate.text, topic_phrases) and not candidate.outside_setting
        candidate.names_first = candidate.defines or (
            _defines(candidate.text, topic_phrases, strict=False) and not candidate.outside_setting
        )
        candidate.lead_bonus = 0.0
        if shape not in (Shape.DEFINITION, Shape.COMPARISON) and candidate.opens_note:
            candidate.lead_bonus = -LEAD_OPENER_PENALTY  # "How does a GAN learn?" is not "What is a GAN?"
            value -= LEAD_OPENER_PENALTY
        # "What does the article say about X?" is not answered by the article's opening sentence.
        opener_defines = (
            candidate.opens_note
            and candidate.slug in topic_slugs
            and not (about_article and rest_words)
            and not candidate.outside_setting
        )
        if shape == Shape.DEFINITION and (opener_defines or candidate.defines):
            candidate.lead_bonus = DEFINITION_WEIGHT
            value += DEFINITION_WEIGHT
        if shape == Shape.YESNO and len(topic_phrases) > 1 and len(mention) == len(topic_phrases):
            value += MENTION_WEIGHT  # a verdict on "is A better than B?" names both
        if candidate.dependent:
            value -= DEPENDENT_PENALTY
        if candidate.slug in article_slugs and not about_article:
            value -= ARTICLE_PENALTY
        elif about_article and candidate.slug in article_slugs - restatement_slugs:
            value -= ARTICLE_PENALTY  # the article's own sentences often lean on their neighbours
        text = f"{candidate.text} {' '.join(candidate.items)}".lower()
        other_sense = any(sense.search(text) for sense in senses)
        if any(other in text for _, other in opposites) or other_sense:
            value -= OPPOSITE_PENALTY
        # never a follower: a sentence only about the opposite problem, or about the word's other sense
        placed = f"{candidate.section.lower()} {text}"  # "How to fix underfitting" places its sentences
        candidate.opposite = other_sense or any(other in placed and asked not in placed for asked, other in opposites)
        candidate.score = value
