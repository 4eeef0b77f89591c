"""Candidate sentences for an answer: every sentence (and every whole list) of the notes at hand.

A candidate knows where it comes from (note, section, position), what aspect its section and its own words
speak to ("Uses of ..." and "used for" speak to uses; see `aspects`), whether it leans on the sentence before
it, and whether it is a whole list. `scoring` weighs those against the question, so the plans (`plans`) only
have to pick. The functions at the end relate candidates to each other: a list and the sentence that
introduces it, a list's rank, and the order a note wrote them in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from bot.aspects import cue_aspects, heading_aspects
from bot.index import LoadedIndex
from bot.models import Chunk, ListSpan
from bot.shapes import Shape
from bot.text import DEPENDENT_OPENING

MIN_STANDALONE_WORDS = 5
LEANS_BACK_WORDS = 8  # "other" or "also" this early in a sentence points back to something before it

# "Diffusion models also generate ...", "... are other formal tests": fine after a sentence, odd as an opening.
LEANS_BACK = re.compile(
    r"^(?:\S+\s+){1,4}?(?:also(?! called| known)|too|as well)\b"
    r"|\b(?:other|another|the same|these|those|such(?! as)|further)\b",  # "such as" gives examples
    re.IGNORECASE,
)
# "Check that labels line up ...": an item of a checklist reads as an order outside its list.
IMPERATIVE_ITEM = re.compile(
    r"^(?:check|try|add|remove|make|keep|lower|raise|avoid|compare|clip|reduce|increase|overfit|pick|choose|wrap)\b",
    re.IGNORECASE,
)
ITEM_LABEL = re.compile(r"^[^:]{1,40}:\s")  # "Adam: ..." names a list item; the clause is not a sentence


@dataclass(eq=False)  # candidates are compared by identity: two with the same text are still two places
class Candidate:
    """One sentence (or one whole list) that could go into an answer."""

    text: str
    vector: np.ndarray
    chunk_id: str
    slug: str
    section: str
    position: int  # the chunk's row in the index
    sentence: int  # the sentence's index in its chunk (a list: its first sentence)
    order: tuple[int, int]  # place in its note: (chunk rank in the note, sentence)
    heading_aspects: frozenset[Shape] = frozenset()  # what its section's heading speaks to
    cue_aspects: frozenset[Shape] = frozenset()  # what its own words speak to
    dependent: bool = False
    leans_back: bool = False  # reads best after another sentence: a poor opening, a fine follower
    item_fragment: bool = False  # a list item such as "Adam: combines momentum with ...": only whole in its list
    opens_note: bool = False
    opens_section: bool = False
    items: list[str] = field(default_factory=list)  # a list's items (its intro is `text`)
    ordered: bool = False
    similarity: float = 0.0  # cosine with the question
    score: float = 0.0
    mentions: frozenset[int] = frozenset()  # indices of the question's topics it names
    in_topic_note: bool = False  # from a note the question names
    in_context: bool = False  # a sentence of the setting's note that names the asked part (`Composer._in_context`)
    opposite: bool = False  # about the opposite problem ("overfitting" for "underfitting") or another word sense
    outside_setting: bool = False  # leaves a topic set inside another (`Composer._astray`)
    names_rest: bool = False  # names what the question asks of its topic ("normalize" in "normalize for a tree?")
    names_other: bool = False  # names a topic of the notes that the question does not ("... while a transformer")
    names_unasked: bool = False  # (comparisons) names an unasked topic, beside the asked ones or not
    defines: bool = False  # opens with a topic of the question and "is" / "are": "Hyperparameters are ..."
    names_first: bool = False  # opens with a topic of the question as its subject
    lead_bonus: float = 0.0  # the part of `score` that only matters for leading (a definition's bonus)

    @property
    def aspects(self) -> frozenset[Shape]:
        return self.heading_aspects | self.cue_aspects

    @property
    def is_list(self) -> bool:
        return bool(self.items)

    @property
    def words(self) -> int:
        return len(self.text.split()) + sum(len(i.split()) for i in self.items)

    @property
    def standalone(self) -> bool:
        if self.is_list:
            return True
        if self.dependent or self.item_fragment or self.text.endswith(":"):
            return False
        return len(self.text.split()) >= MIN_STANDALONE_WORDS

    def follows(self, other: Candidate) -> bool:
        """Whether this sentence comes right after `other` in the same note."""
        span = len(other.items) + bool(other.text) if other.is_list else 1  # a list's intro and items, or one
        return self.position == other.position and self.sentence == other.sentence + span


def gather(index: LoadedIndex, positions: list[int]) -> list[Candidate]:
    """Every sentence of the given chunks, plus each of their lists as one candidate."""
    candidates: list[Candidate] = []
    rank_in_note: dict[str, int] = {}
    for position in dict.fromkeys(positions):
        chunk = index.chunks[position]
        note_positions = index.note_positions.get(chunk.slug, [position])
        rank_in_note[chunk.id] = note_positions.index(position) if position in note_positions else 0
        rows = index.sentence_rows(position)
        vectors = np.asarray(index.sentence_vectors[rows.start : rows.stop])
        earlier = index.chunks[position - 1] if rank_in_note[chunk.id] > 0 else None
        previous_section = earlier.section_of(len(earlier.sentences) - 1) if earlier else None
        items = {i for span in chunk.lists for i in range(span.start + int(span.intro), span.end)}
        # A step of an ordered list ("Deploy the model and monitor it.") reads as an order alone: steps stay whole.
        ordered_items = {
            i for span in chunk.lists if span.ordered for i in range(span.start + int(span.intro), span.end)
        }
        for i, sentence in enumerate(chunk.sentences):
            section = chunk.section_of(i)
            candidates.append(
                Candidate(
                    text=sentence,
                    vector=vectors[i],
                    chunk_id=chunk.id,
                    slug=chunk.slug,
                    section=section,
                    position=position,
                    sentence=i,
                    order=(rank_in_note[chunk.id], i),
                    heading_aspects=heading_aspects(section),
                    cue_aspects=cue_aspects(sentence),
                    dependent=bool(DEPENDENT_OPENING.match(sentence)),
                    leans_back=bool(LEANS_BACK.search(" ".join(sentence.split()[:LEANS_BACK_WORDS]))),
                    item_fragment=i in items
                    and (
                        bool(ITEM_LABEL.match(sentence) or IMPERATIVE_ITEM.match(sentence))
                        or sentence[-1:] not in ".!?"
                        or i in ordered_items
                    ),
                    opens_note=rank_in_note[chunk.id] == 0 and i == 0 and not section,
                    opens_section=bool(section) and section != (chunk.section_of(i - 1) if i else previous_section),
                )
            )
        for span in chunk.lists:
            candidates.append(_list_candidate(chunk, position, span, vectors, rank_in_note[chunk.id]))
    return candidates


def _list_candidate(chunk: Chunk, position: int, span: ListSpan, vectors: np.ndarray, rank: int) -> Candidate:
    first_item = span.start + int(span.intro)
    intro = chunk.sentences[span.start] if span.intro else ""
    # A list is what its intro says it is ("Common regularization techniques include:"); without one, its items.
    vector = vectors[span.start] if span.intro else vectors[span.start : span.end].mean(axis=0)
    section = chunk.section_of(span.start)
    return Candidate(
        text=intro,
        vector=vector / (np.linalg.norm(vector) or 1.0),
        chunk_id=chunk.id,
        slug=chunk.slug,
        section=section,
        position=position,
        sentence=span.start,
        order=(rank, span.start),
        heading_aspects=heading_aspects(section) | {Shape.LIST} | ({Shape.STEPS} if span.ordered else set()),
        cue_aspects=cue_aspects(intro),
        items=chunk.sentences[first_item : span.end],
        ordered=span.ordered,
    )


# --- relations between candidates, for the plans ---------------------------------------------------------------


def list_rank(candidate: Candidate, sentences: dict[tuple[int, int], Candidate]) -> float:
    """A list's rank: its own score, or that of its lead-in ("Backpropagation works by ...") or best item. A list
    without an intro of its own takes its lead-in's score only where `list_intro` would show that sentence."""
    if not candidate.is_list:
        return candidate.score
    last = candidate.sentence + bool(candidate.text) + len(candidate.items)
    parts = [
        sentences[(candidate.position, i)]
        for i in range(candidate.sentence, last)
        if (candidate.position, i) in sentences
    ]
    before = sentences.get((candidate.position, candidate.sentence - 1))
    if not candidate.text and before is not None and before.standalone and before.section == candidate.section:
        parts.append(before)
    return max([candidate.score, *(part.score for part in parts)])


def list_intro(chosen: Candidate, pool: list[Candidate]) -> Candidate | None:
    """A list without a lead-in of its own is introduced by the sentence just before it, when it stands alone."""
    if chosen.text:
        return None
    before = next(
        (c for c in pool if c.position == chosen.position and c.sentence == chosen.sentence - 1 and not c.is_list),
        None,
    )
    return before if before is not None and before.standalone else None


def list_after(lead: Candidate, pool: list[Candidate]) -> Candidate | None:
    """The list that `lead` introduces: the one right after it in its passage, without an intro of its own."""
    return next(
        (
            c
            for c in pool
            if c.is_list
            and not c.text
            and c.position == lead.position
            and c.sentence == lead.sentence + 1
            and (c.section == lead.section or lead.opens_note)  # a note's opening may introduce its first list
        ),
        None,
    )


def in_note_order(picked: list[Candidate], keep_lead: bool = False) -> list[Candidate]:
    """Note order within a note, so facts read in the order they were written; the lead stays first when
    `keep_lead`, and a sentence that leans on its antecedent comes right after it."""
    if not picked:
        return []
    head = picked[:1] if keep_lead else []
    anchor = picked[0].slug
    free = sorted(
        (c for c in picked[len(head) :] if not c.dependent), key=lambda c: (c.slug != anchor, c.slug, c.order)
    )
    ordered = head + free
    for dependent in (c for c in picked if c.dependent):
        antecedent = next((i for i, c in enumerate(ordered) if dependent.follows(c)), None)
        if antecedent is not None:
            ordered.insert(antecedent + 1, dependent)
    return ordered
