"""From planned units to the answer's text: the parts of a multi-part question merged, lists laid out as
lines, sentences run on.

Planning decides what to say; this decides how it reads, so a front end gets one string.
"""

from __future__ import annotations

import numpy as np

from bot.candidates import Candidate
from bot.index import LoadedIndex
from bot.models import AnswerSentence, Source
from bot.redundancy import redundant

PART_UNITS = 2  # sentences (or lists) each part of a two-part question gets at least


def merge_parts(plans: list[list[Candidate]], max_units: int) -> list[Candidate]:
    """The answers to the parts of a two-part question, one after the other: each part keeps its lead and
    as many followers as its share of the answer allows, and nothing repeats across parts."""
    if len(plans) == 1:
        return plans[0]
    share = max(PART_UNITS, max_units // len(plans))
    merged: list[Candidate] = []
    for units in plans:
        kept = 0
        for unit in units:
            if kept >= share:
                break
            if unit in merged or (unit.is_list and any(u.is_list and u.position == unit.position for u in merged)):
                continue
            if not unit.is_list and redundant(unit, merged):
                continue
            merged.append(unit)
            kept += 1
    return merged


def render(units: list[Candidate]) -> list[str]:
    """Each unit as shown: a sentence, or a list as its intro and one line per item."""
    shown = []
    for unit in units:
        if unit.is_list:
            marks = [f"{n}." for n in range(1, len(unit.items) + 1)] if unit.ordered else ["-"] * len(unit.items)
            lines = [f"{mark} {item}" for mark, item in zip(marks, unit.items, strict=True)]
            shown.append("\n".join([unit.text, *lines] if unit.text else lines))
        else:
            shown.append(unit.text)
    return shown


def join(texts: list[str]) -> str:
    """The answer as one string: sentences run on; a list starts and ends on its own lines."""
    out = ""
    for text in texts:
        if not out:
            out = text
        elif (
            "\n" in text
            or out.endswith(("\n", ":"))
            or "\n" in out
            and out.split("\n")[-1].startswith(("- ", "1.", "2.", "3.", "4.", "5.", "6.", "7.", "8.", "9."))
        ):
            out += "\n" + text
        else:
            out += " " + text
    return out


def cited_sources(
    index: LoadedIndex, hits, sentences: list[AnswerSentence], units, query_vector: np.ndarray
) -> list[Source]:
    """The passages the answer cites, in answer order, then the other retrieved passages by rank."""
    dense = {h.position: h.dense for h in hits}
    cited = {cid for s in sentences for cid in s.source_ids}
    positions = [u.position for u in units if u.chunk_id in cited]
    positions += [h.position for h in hits]
    sources = []
    for position in dict.fromkeys(positions):
        chunk = index.chunks[position]
        if position not in dense:
            dense[position] = float(index.chunk_vectors[position] @ query_vector)
        sources.append(
            Source(
                id=chunk.id,
                source=chunk.source,
                title=chunk.heading,
                score=round(dense[position], 4),
                text=chunk.text,
            )
        )
    return sources
