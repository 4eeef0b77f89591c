"""Notes -> chunks: cut along headings and paragraphs, roughly 60-250 words, never inside a sentence."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from bot.models import Chunk, Note
from bot.text import clean_markdown, split_sentences

# Bump when the chunking rules change: the next build then re-chunks every note (vectors are still reused
# for chunks whose content did not change).
CHUNKER_VERSION = 2
MIN_WORDS = 60
MAX_WORDS = 250
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass
class _Section:
    path: list[str]
    paragraphs: list[str] = field(default_factory=list)


def chunk_note(note: Note, min_words: int = MIN_WORDS, max_words: int = MAX_WORDS) -> list[Chunk]:
    pieces: list[_Piece] = []
    carried: _Piece | None = None
    for section in _sections(note.body):
        sentences_per_paragraph = [s for s in (_paragraph_sentences(p) for p in section.paragraphs) if s]
        for sentences in _pack(sentences_per_paragraph, max_words):
            if carried:
                piece = carried
                piece.sentences += sentences
                if section.path and section.path != piece.path and section.path[-1] not in piece.merged:
                    piece.merged.append(section.path[-1])  # keep the folded section's heading searchable
                carried = None
            else:
                piece = _Piece(section.path, sentences)
            if _word_count(piece.sentences) < min_words:
                carried = piece
            else:
                pieces.append(piece)
    if carried:
        if pieces and _word_count(pieces[-1].sentences) + _word_count(carried.sentences) <= max_words:
            pieces[-1].sentences += carried.sentences
            if carried.path != pieces[-1].path:
                pieces[-1].merged += [*carried.path[-1:], *carried.merged]
        else:
            pieces.append(carried)
    return [_make_chunk(note, piece) for piece in pieces]


@dataclass
class _Piece:
    path: list[str]
    sentences: list[str]
    merged: list[str] = field(default_factory=list)


def _sections(body: str) -> list[_Section]:
    sections = [_Section(path=[])]
    stack: list[tuple[int, str]] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            sections[-1].paragraphs.append("\n".join(paragraph))
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
            sections.append(_Section(path=[t for _, t in stack]))
        elif not line.strip():
            flush()
        elif re.match(r"^\s*([-*+]|\d+\.)\s+", line):
            flush()  # each list item stands on its own
            paragraph.append(line)
        else:
            paragraph.append(line)
    flush()
    return [s for s in sections if s.paragraphs]


def _paragraph_sentences(paragraph: str) -> list[str]:
    return split_sentences(clean_markdown(paragraph))


def _pack(paragraphs: list[list[str]], max_words: int) -> list[list[str]]:
    """Greedy packing of whole paragraphs; a paragraph too long alone is cut between sentences."""
    chunks: list[list[str]] = []
    current: list[str] = []
    for sentences in paragraphs:
        if current and _word_count(current) + _word_count(sentences) > max_words:
            chunks.append(current)
            current = []
        for sentence in sentences:
            if current and _word_count(current) + _word_count([sentence]) > max_words:
                chunks.append(current)
                current = []
            current.append(sentence)
    if current:
        chunks.append(current)
    return chunks


def _word_count(sentences: list[str]) -> int:
    return sum(len(s.split()) for s in sentences)


def _make_chunk(note: Note, piece: _Piece) -> Chunk:
    text = " ".join(piece.sentences)
    headings = " > ".join(piece.path) + " | " + " | ".join(piece.merged)
    digest = hashlib.sha256(f"{note.path}\n{note.title}\n{headings}\n{text}".encode()).hexdigest()
    return Chunk(
        id=digest[:16],
        source=note.path,
        title=note.title,
        heading_path=piece.path,
        merged_headings=piece.merged,
        text=text,
        sentences=piece.sentences,
    )
