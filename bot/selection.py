"""Selection: the primitives every answer plan uses to pick a lead and its followers.

A lead must stand alone; a follower stays close to the lead in score and meaning, repeats nothing and keeps any
sentence that leans on another right after it. `plans` decides, per question shape, what to ask of them.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.candidates import Candidate, list_after, list_rank
from bot.redundancy import redundant
from bot.shapes import Shape

MIN_SENTENCES = 2  # an answer of one sentence goes on with the lead's own section
RELEVANCE_MARGIN = 0.22  # a follower scores at most this much below the lead
MAX_WORDS = 110  # an answer's sentences, lists not counted: a tutor's two to five sentences
MIN_LIST_ITEMS = 3
FOLLOWER_SIMILARITY_MARGIN = 0.2  # a follower is at most this much less similar to the question than the lead
SECTION_FOLLOWER_MARGIN = 0.35  # ... or this much, when it sits under a heading that names the aspect asked
LEANS_BACK_MARGIN = 0.1  # a fresh opening is preferred to a sentence that points back, this close in score


def on_topic(candidate: Candidate, topic_slugs: set[str]) -> bool:
    return candidate.slug in topic_slugs or bool(candidate.mentions)


def best_lead(pool: list[Candidate], accept=lambda c: True, lists: bool = False) -> Candidate | None:
    """The best candidate that can open an answer; a whole list only where `lists` allows it. A sentence that
    points back ("... are other tests", "X also ...") opens only when nothing close to it in score does."""
    able = [c for c in pool if c.standalone and (lists or not c.is_list) and accept(c) and list_long_enough(c)]
    able = [c for c in able if not c.names_other] or able  # "X only does A, while Y ..." opens on another topic
    if not able:
        return None
    if lists:  # a list ranks as high as its lead-in sentence or its best item (each also a candidate)
        sentences = {(c.position, c.sentence): c for c in pool if not c.is_list}
        able = sorted(able, key=lambda c: list_rank(c, sentences), reverse=True)
    fresh = next((c for c in able if not c.leans_back), None)
    if fresh is not None and fresh.score >= able[0].score - LEANS_BACK_MARGIN:
        return fresh
    return able[0]


def list_long_enough(candidate: Candidate) -> bool:
    return not candidate.is_list or len(candidate.items) >= MIN_LIST_ITEMS


def introduced_list(lead: Candidate, pool: list[Candidate]) -> Candidate | None:
    """The list `lead` introduces, when it is long enough to answer with: the two are shown together."""
    introduced = list_after(lead, pool)
    return introduced if introduced is not None and list_long_enough(introduced) else None


def continue_section(
    picked: list[Candidate], pool: list[Candidate], at_least: int, accept: Callable[[Candidate], bool] = lambda c: True
) -> None:
    """A one-sentence answer goes on with the sentences its note wrote right after the lead, which elaborate it
    (a tutor says more than one sentence), when nothing closer to the question was found."""
    lead = picked[0]
    if lead.is_list:
        return
    following = sorted(
        (
            c
            for c in pool
            if c.position == lead.position
            and c.sentence > lead.sentence
            and c.similarity >= lead.similarity - FOLLOWER_SIMILARITY_MARGIN
            and c.section == lead.section
            and not c.is_list
            and not c.names_other
            and (c.standalone or c.dependent)
            and accept(c)
        ),
        key=lambda c: c.sentence,
    )
    words = sum(c.words for c in picked if not c.is_list)
    for candidate in following:
        if len(picked) >= at_least:
            return
        if candidate.dependent and not candidate.follows(picked[-1]):
            return  # its antecedent was skipped
        if candidate in picked or redundant(candidate, picked) or words + candidate.words > MAX_WORDS:
            continue
        picked.append(candidate)
        words += candidate.words


def fill(picked: list[Candidate], pool: list[Candidate], accept, limit: int, aspect: Shape | None = None) -> None:
    """Add the best candidates that `accept` allows until `limit`, skipping repeats and orphaned sentences.

    A follower must stay close to the lead, unless it sits in the lead's note under a heading that names the
    `aspect` asked ("Advantages and drawbacks of k-means" for the drawbacks of k-means): then it belongs.
    """
    lead = picked[0] if picked else None
    words = sum(c.words for c in picked if not c.is_list)
    for candidate in pool:
        if len(picked) >= limit:
            return
        if candidate in picked or candidate.is_list or candidate.names_other:
            continue
        if candidate.outside_setting or candidate.opposite or not accept(candidate):
            continue  # off the asked topic's setting, about the opposite problem, or not what the plan wants
        in_section = aspect is not None and lead is not None and heading_speaks(candidate, aspect, lead.slug)
        margin = SECTION_FOLLOWER_MARGIN if in_section else FOLLOWER_SIMILARITY_MARGIN
        if lead is not None and (
            candidate.similarity < lead.similarity - margin
            or (not in_section and candidate.score < lead.score - lead.lead_bonus - RELEVANCE_MARGIN)
        ):
            continue  # not close enough to the lead in score or in meaning
        if candidate.dependent and not any(candidate.follows(p) for p in picked):
            continue
        if not candidate.dependent and not candidate.standalone:
            continue  # a list item, a list's intro or a fragment: meaningful only inside its list
        if redundant(candidate, picked) or words + candidate.words > MAX_WORDS:
            continue
        picked.append(candidate)
        words += candidate.words


def heading_speaks(candidate: Candidate, aspect: Shape, slug: str) -> bool:
    wanted = (Shape.STRENGTHS, Shape.WEAKNESSES, Shape.TRADEOFFS) if aspect == Shape.TRADEOFFS else (aspect,)
    return candidate.slug == slug and any(a in candidate.heading_aspects for a in wanted)
