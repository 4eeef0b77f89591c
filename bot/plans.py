"""Answer plans: the sentences of an answer, chosen and ordered by the shape of the question.

- a definition leads with the topic's defining sentence, then its most relevant facts;
- an aspect question (uses, drawbacks, why, how to, ...) leads with a sentence that speaks to that aspect;
- a comparison leads with a sentence naming both sides, then gives each side its own sentence, unless a note's
  list sets all the sides side by side;
- a list or steps question is answered with a list from the notes, kept whole;
- a yes/no question leads with the sentence that settles it.
Every sentence is about the question's topic, none repeats another, and a sentence that leans on the one
before it ("This is why ...") comes only right after that sentence.
"""

from __future__ import annotations

from bot.aspects import speaks_against
from bot.candidates import Candidate, in_note_order, list_intro
from bot.redundancy import redundant
from bot.selection import (
    MIN_LIST_ITEMS,
    MIN_SENTENCES,
    RELEVANCE_MARGIN,
    best_lead,
    continue_section,
    fill,
    introduced_list,
    list_long_enough,
    on_topic,
)
from bot.shapes import ASPECT_SHAPES, Shape
from bot.topics import Topic, names_topic

LIST_MARGIN = 0.12  # a list answers a list question unless a sentence scores this much better
COMPARISON_LIST_MARGIN = 0.12  # a list of all the sides answers a comparison unless a sentence is this much better
STEPS_MARGIN = 0.25  # an ordered list answers a steps question unless a sentence scores this much better
KINDS_MARGIN = 0.2  # for "which ...?", an unordered list this close in score beats an ordered one
COMPARISON_FOLLOWERS = 3
SIDE_SUBJECT_BONUS = 0.1  # a side's own sentence is best when the side is its subject ("Stacking trains ...")
ASPECT_FOLLOWERS = 3
DEFINITION_FOLLOWERS = 2
ASPECT_LEAD_MARGIN = 0.1  # a sentence on the aspect asked leads over a better-scored one this close
VERDICT_LEAD_MARGIN = 0.12  # for a yes/no question, a sentence that gives the verdict leads this close in score
OPENER_MARGIN = 0.05  # for "what is X?", a named note's opening leads over a sentence scored this close
# Aspects a whole list may answer ("What are GANs used for?" -> the note's list of uses).
LIST_FRIENDLY = frozenset({Shape.USES, Shape.STRENGTHS, Shape.WEAKNESSES, Shape.FIX, Shape.HOW_TO, Shape.HOW_IT_WORKS})


def plan_answer(
    shape: Shape,
    candidates: list[Candidate],
    topics: list[Topic],
    max_units: int,
    about_article: bool = False,
    remedies: bool = False,
) -> list[Candidate]:
    """The units of the answer, in the order they are shown (`remedies`: a list of ways to deal with something)."""
    pool = sorted(candidates, key=lambda c: c.score, reverse=True)
    if not pool:
        return []
    whole = all(t.whole for t in topics)
    if shape == Shape.COMPARISON and len(topics) >= 2:
        chosen = _comparison(pool, topics, max_units)
    elif shape in (Shape.LIST, Shape.STEPS):
        chosen = _list(pool, shape, max_units, remedies)
    elif shape in ASPECT_SHAPES or shape == Shape.YESNO:
        chosen = _aspect(pool, shape, max_units)
    else:
        chosen = _definition(pool, topics, max_units, openers=whole and not about_article, naming=not about_article)
    return chosen


def _definition(
    pool: list[Candidate], topics: list[Topic], max_units: int, openers: bool = True, naming: bool = True
) -> list[Candidate]:
    """A sentence that defines the asked topic ("Mode collapse is ...", "Hyperparameters are ...") leads; else
    the named note's opening sentence ("What is a GAN?"); else a sentence with the topic as its subject; else the
    best sentence.

    "What does the article say about X?" is about X, not about the article, and "What is mode collapse in a
    GAN?" is not about GANs: no note opener there (`openers`). The article's own sentences often open with the
    topic without defining it ("ML models have to be built anew ..."): for it, no subject rule (`naming`).
    """
    # Among defining sentences, a note's own opening is the definition ("Decision trees are the building blocks
    # of forests" also opens with the topic and "are").
    defining = sorted((c for c in pool if c.defines and c.standalone), key=lambda c: not c.opens_note)
    note_openings = [c for c in pool if openers and c.opens_note and c.standalone and c.in_topic_note]
    opening = [c for c in note_openings if names_topic(c.text, topics)]
    subjects = [c for c in pool if naming and c.names_first and c.standalone]
    best = best_lead(pool) or pool[0]
    # With no sentence naming the topic first, a named note's opening beats a close "X is used to ..." sentence.
    if note_openings and note_openings[0].score >= best.score - OPENER_MARGIN:
        best = note_openings[0]
    lead = (defining or opening or subjects or [best])[0]
    if introduced := introduced_list(lead, pool):  # "... five assumptions." then the five
        return [lead, introduced]
    picked = [lead]
    topic_slugs = {lead.slug}
    limit = min(max_units, 1 + DEFINITION_FOLLOWERS)
    if not naming:  # about the article: the lead's own section first ("Computing requirements of ML and DL")
        fill(picked, pool, lambda c: c.slug == lead.slug and c.section == lead.section, limit)
    fill(picked, pool, lambda c: on_topic(c, topic_slugs), limit)
    continue_section(picked, pool, MIN_SENTENCES)
    return in_note_order(picked, keep_lead=True)


def _aspect(pool: list[Candidate], shape: Shape, max_units: int) -> list[Candidate]:
    speaks = {
        Shape.TRADEOFFS: (Shape.STRENGTHS, Shape.WEAKNESSES, Shape.TRADEOFFS),
        Shape.YESNO: (Shape.WHEN, Shape.WHY),
        Shape.HOW_TO: (Shape.HOW_TO, Shape.LIST, Shape.STEPS),  # "how do I encode ...?": the methods, listed
    }.get(shape, (shape,))

    def on_aspect(candidate: Candidate) -> bool:
        if speaks_against(shape, candidate.cue_aspects) or (candidate.opens_note and shape != Shape.YESNO):
            return False  # a note's opening defines its topic, whatever words it happens to use
        if shape == Shape.HOW_TO and Shape.FIX in candidate.cue_aspects and Shape.HOW_TO not in candidate.aspects:
            return False  # "how can I tell if it overfits?" is not answered by the ways to prevent it
        return any(a in candidate.aspects for a in speaks)

    # The score already rewards the aspect; a sentence that speaks to it still wins a close call, and a whole
    # list may lead only where it speaks to the aspect.
    lists = shape in LIST_FRIENDLY
    best = best_lead(pool, lambda c: not c.is_list or on_aspect(c), lists=lists) or pool[0]
    on_point = best_lead(pool, on_aspect, lists=lists) if shape != Shape.YESNO else None
    close = on_point is not None and on_point.score >= best.score - ASPECT_LEAD_MARGIN
    # A heading alone ("Why loss functions matter") is weaker evidence than the sentence's own words.
    worded = on_point is not None and any(a in on_point.cue_aspects for a in speaks)
    if shape == Shape.WHEN and on_point is not None and not worded:  # "L1 is the better choice when ..."
        in_words = best_lead(pool, lambda c: on_aspect(c) and any(a in c.cue_aspects for a in speaks), lists=lists)
        if in_words is not None and in_words.score >= best.score - ASPECT_LEAD_MARGIN:
            on_point, worded = in_words, True
    lead = on_point if close and (worded or on_point.similarity >= best.similarity - ASPECT_LEAD_MARGIN) else best
    if shape == Shape.YESNO:  # "Is X always better?": the verdict ("X is not always better ...") comes first
        verdict = best_lead(pool, lambda c: Shape.YESNO in c.cue_aspects and not c.is_list)
        if verdict is not None and verdict.score >= lead.score - VERDICT_LEAD_MARGIN:
            lead = verdict
    if lead.is_list:
        intro = list_intro(lead, pool)
        return [intro, lead] if intro else [lead]
    if introduced := introduced_list(lead, pool):
        return [lead, introduced]
    picked = [lead]
    topic_slugs = {lead.slug}
    limit = min(max_units, 1 + ASPECT_FOLLOWERS)
    if shape == Shape.TRADEOFFS:  # both sides of the trade-off, however far the other side scores
        for side in (Shape.STRENGTHS, Shape.WEAKNESSES):
            if not any(side in c.cue_aspects for c in picked):
                other = next(
                    (
                        c
                        for c in pool
                        if side in c.cue_aspects
                        and c.slug in topic_slugs
                        and c.standalone
                        and not c.is_list
                        and not redundant(c, picked)
                    ),
                    None,
                )
                if other is not None:
                    picked.append(other)
    # "do I need to normalize data for a tree?": after the verdict, only what speaks of normalizing
    restricted = shape == Shape.YESNO and lead.names_rest

    def keeps_to_asked(candidate: Candidate) -> bool:
        return not restricted or candidate.names_rest

    fill(picked, pool, lambda c: on_aspect(c) and on_topic(c, topic_slugs) and keeps_to_asked(c), limit, shape)
    if len(picked) < 2:  # nothing more on the aspect: the closest facts about the topic, not filler
        fill(
            picked,
            pool,
            lambda c: c.slug in topic_slugs and c.score >= lead.score - RELEVANCE_MARGIN / 2 and keeps_to_asked(c),
            3,
        )
    continue_section(picked, pool, MIN_SENTENCES, accept=keeps_to_asked)
    return in_note_order(picked, keep_lead=True)


def _comparison(pool: list[Candidate], topics: list[Topic], max_units: int) -> list[Candidate]:
    sides = len(topics)
    every_side = frozenset(range(sides))
    both = [c for c in pool if c.mentions >= every_side and c.standalone and not c.is_list]
    # "batch gd vs minibatch vs sgd": a list that sets all the sides side by side answers it whole, and so does a
    # list under a "... compared with ..." heading of a named note that outscores every sentence
    named = frozenset().union(*(t.slugs for t in topics))
    best_sentence = max((c.score for c in pool if c.standalone and not c.is_list), default=0.0)
    side_by_side = [
        c
        for c in pool
        if c.is_list
        and list_long_enough(c)
        and (
            (c.mentions >= every_side and Shape.COMPARISON in c.aspects)
            or (c.slug in named and Shape.COMPARISON in c.heading_aspects and c.score >= best_sentence)
        )
    ]
    if side_by_side and (not both or side_by_side[0].score >= both[0].score - COMPARISON_LIST_MARGIN):
        return [side_by_side[0]]
    contrasting = [c for c in both if Shape.COMPARISON in c.aspects]
    picked: list[Candidate] = []
    lead = (contrasting or both or [None])[0]
    if lead is not None:
        picked.append(lead)
    limit = min(max_units, 1 + COMPARISON_FOLLOWERS)
    for side in range(sides):  # each side gets a sentence of its own when the lead does not cover it well
        if len(picked) >= limit:
            break
        own = [c for c in pool if side in c.mentions and c.standalone and not c.is_list and not c.names_other]
        alone = [c for c in own if len(c.mentions) == 1] or own
        # "An LSTM reads tokens one at a time, while a transformer ..." sets the side against a third topic
        alone = [c for c in alone if not (c.names_unasked and Shape.COMPARISON in c.cue_aspects)] or alone
        if not alone:
            continue
        best = max(alone, key=lambda c: c.score + SIDE_SUBJECT_BONUS * (c.opens_note or c.names_first))
        if redundant(best, picked):  # the next best that says something new, and brings in no third topic
            fresh = [c for c in alone if not c.names_unasked and not redundant(c, picked)]
            best = max(fresh, key=lambda c: c.score, default=None)
        if best is not None:
            picked.append(best)
    if not picked:
        return _aspect(pool, Shape.COMPARISON, max_units)
    fill(picked, pool, lambda c: c in both and not c.names_other, limit)  # more on both sides, nothing third
    return picked


def _list(pool: list[Candidate], shape: Shape, max_units: int, remedies: bool = False) -> list[Candidate]:
    lists = [c for c in pool if c.is_list and len(c.items) >= MIN_LIST_ITEMS]
    if shape == Shape.STEPS:
        lists = sorted(lists, key=lambda c: (not c.ordered, -c.score))
    elif lists and lists[0].ordered and not remedies:  # "which models ...?" wants kinds, not a procedure's steps
        kinds = next((c for c in lists if not c.ordered and c.score >= lists[0].score - KINDS_MARGIN), None)
        if kinds is not None:
            lists = [kinds, *[c for c in lists if c is not kinds]]
    best_sentence = best_lead(pool)
    margin = STEPS_MARGIN if shape == Shape.STEPS and lists and lists[0].ordered else LIST_MARGIN
    if lists and (best_sentence is None or lists[0].score >= best_sentence.score - margin):
        chosen = lists[0]
        intro = list_intro(chosen, pool)
        return [intro, chosen] if intro else [chosen]
    enumerating = best_lead(pool, lambda c: Shape.LIST in c.aspects)
    if enumerating is not None and best_sentence is not None and enumerating.score >= best_sentence.score - LIST_MARGIN:
        picked = [enumerating]
        fill(picked, pool, lambda c: c.slug == enumerating.slug, min(max_units, 1 + ASPECT_FOLLOWERS))
        return in_note_order(picked, keep_lead=True)
    return _aspect(pool, Shape.HOW_IT_WORKS if shape == Shape.STEPS else Shape.LIST, max_units)
