"""Notes -> chunks: cut along headings and paragraphs, roughly 60-250 words, never inside a sentence or a list.

Each sentence remembers the heading of the section it came from (answers target sections by the aspect asked:
"Uses of ...", "Advantages and drawbacks of ..."), and a bullet or numbered list stays one unit with the
sentence that introduces it, so "Name some ..." can be answered with the whole list.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass, field

from bot.models import Chunk, ListSpan, Note
from bot.text import clean_markdown, split_sentences

# Bump when the chunking rules change: the next build then re-chunks every note (vectors are still reused
# for sentences whose text did not change).
CHUNKER_VERSION = 3
MIN_WORDS = 60
MAX_WORDS = 250
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+")


@dataclass
class _Unit:
    """A sentence, or one item of a list, with the section it belongs to."""

    text: str
    section: str
    list_id: int | None = None  # units of one list share an id; the intro sentence too
    ordered: bool = False
    intro: bool = False

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass
class _Block:
    """A paragraph or a whole list (with its intro sentence): the packing never cuts one unless it is too long."""

    path: list[str]
    units: list[_Unit]

    @property
    def words(self) -> int:
        return sum(u.words for u in self.units)


@dataclass
class _Piece:
    path: list[str]
    units: list[_Unit]
    merged: list[str] = field(default_factory=list)

    @property
    def words(self) -> int:
        return sum(u.words for u in self.units)

    def absorb(self, other: _Piece) -> None:
        self.units += other.units
        for heading in ([other.path[-1]] if other.path and other.path != self.path else []) + other.merged:
            if heading not in self.merged and heading != (self.path[-1] if self.path else None):
                self.merged.append(heading)  # keep the folded section's heading searchable


def chunk_note(note: Note, min_words: int = MIN_WORDS, max_words: int = MAX_WORDS) -> list[Chunk]:
    pieces: list[_Piece] = []
    carried: _Piece | None = None
    for path, blocks in _sections(note.body):
        for units in _pack(blocks, max_words):
            piece = _Piece(path, units)
            if carried is not None:
                piece = _fold(carried, piece, max_words, pieces)
                carried = None
            if piece.words < min_words:
                carried = piece
            else:
                pieces.append(piece)
    if carried is not None:
        if pieces and pieces[-1].words + carried.words <= max_words:
            pieces[-1].absorb(carried)
        else:
            pieces.append(carried)
    return [_make_chunk(note, piece) for piece in pieces]


def _fold(carried: _Piece, piece: _Piece, max_words: int, pieces: list[_Piece]) -> _Piece:
    """A small piece joins the next one when both fit under the limit; otherwise it stands alone."""
    if carried.words + piece.words <= max_words:
        carried.absorb(piece)
        return carried
    pieces.append(carried)
    return piece


def _sections(body: str) -> list[tuple[list[str], list[_Block]]]:
    """(heading path, blocks) for each section; a list and the sentence ending in ':' before it form one block."""
    sections: list[tuple[list[str], list[list[str]]]] = [([], [])]
    stack: list[tuple[int, str]] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            sections[-1][1].append(list(paragraph))
            paragraph.clear()

    in_code = False
    for line in body.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
            continue
        heading = None if in_code else _HEADING.match(line)
        if heading:
            flush()
            level, text = len(heading.group(1)), clean_markdown(heading.group(2))
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, text))
            sections.append(([t for _, t in stack], []))
        elif not line.strip():
            flush()
        elif is_list_item(line) and paragraph and not is_list_item(paragraph[-1]):
            flush()  # a list starts: the text before it is its own paragraph (or the list's intro)
            paragraph.append(line)
        else:
            paragraph.append(line)
    flush()
    result = []
    list_ids = itertools.count(1)  # unique in the note: lists of two folded sections never merge
    for path, paragraphs in sections:
        blocks = _blocks(path, paragraphs, list_ids)
        if blocks:
            result.append((path, blocks))
    return result


def _blocks(path: list[str], paragraphs: list[list[str]], list_ids: itertools.count) -> list[_Block]:
    section = path[-1] if path else ""
    blocks: list[_Block] = []
    for lines in paragraphs:
        if not is_list_item(lines[0]):
            units = [_Unit(s, section) for s in split_sentences(clean_markdown("\n".join(lines)))]
            if units:
                blocks.append(_Block(path, units))
            continue
        items = _items(lines)
        ordered = bool(_NUMBERED.match(lines[0]))
        previous = blocks[-1] if blocks else None
        if previous and previous.units[-1].list_id is not None and previous.units[-1].ordered == ordered:
            current = previous.units[-1].list_id  # a loose list: items separated by blank lines
        elif previous and previous.units[-1].text.endswith(":") and previous.units[-1].list_id is None:
            current = next(list_ids)
            intro = previous.units.pop()
            if not previous.units:
                blocks.pop()
            previous = _Block(path, [_Unit(intro.text, section, current, ordered, intro=True)])
            blocks.append(previous)
        else:
            current = next(list_ids)
            previous = _Block(path, [])
            blocks.append(previous)
        previous.units += [_Unit(item, section, current, ordered) for item in items]
    return blocks


def is_list_item(line: str) -> bool:
    """A bullet or numbered line; what follows it without a blank line is read as part of its item."""
    return bool(_BULLET.match(line) or _NUMBERED.match(line))


def _items(lines: list[str]) -> list[str]:
    """List items, a continuation line joined to its item; markdown marks removed, the words untouched."""
    items: list[str] = []
    for line in lines:
        if is_list_item(line) or not items:
            items.append(clean_markdown(_NUMBERED.sub("", _BULLET.sub("", line))))
        else:
            items[-1] += " " + clean_markdown(line)
    return [i for i in items if i]


def _pack(blocks: list[_Block], max_words: int) -> list[list[_Unit]]:
    """Greedy packing of whole blocks; a block too long alone is cut between its units."""
    chunks: list[list[_Unit]] = []
    current: list[_Unit] = []
    for block in blocks:
        if current and sum(u.words for u in current) + block.words > max_words:
            chunks.append(current)
            current = []
        for unit in block.units:
            if current and sum(u.words for u in current) + unit.words > max_words:
                chunks.append(current)
                current = []
            current.append(unit)
    if current:
        chunks.append(current)
    return chunks


def _make_chunk(note: Note, piece: _Piece) -> Chunk:
    sentences = [u.text for u in piece.units]
    text = " ".join(sentences)
    headings = " > ".join(piece.path) + " | " + " | ".join(piece.merged)
    digest = hashlib.sha256(f"{note.path}\n{note.title}\n{headings}\n{text}".encode()).hexdigest()
    return Chunk(
        id=digest[:16],
        source=note.path,
        title=note.title,
        aliases=note.aliases,
        tags=note.tags,
        heading_path=piece.path,
        merged_headings=piece.merged,
        text=text,
        sentences=sentences,
        sections=[u.section for u in piece.units],
        lists=_list_spans(piece.units),
    )


def _list_spans(units: list[_Unit]) -> list[ListSpan]:
    spans: list[ListSpan] = []
    start = 0
    while start < len(units):
        list_id = units[start].list_id
        end = start + 1
        while list_id is not None and end < len(units) and units[end].list_id == list_id:
            end += 1
        if list_id is not None:
            spans.append(ListSpan(start=start, end=end, ordered=units[start].ordered, intro=units[start].intro))
        start = end
    return spans
