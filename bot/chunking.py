"""Notes -> chunks: cut along headings and paragraphs, roughly 60-250 words, never inside a sentence."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from bot.models import Chunk, Note
from bot.text import clean_markdown, split_sentences

MIN_WORDS = 60
MAX_WORDS = 250
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass
class _Section:
    path: list[str]
    paragraphs: list[str] = field(default_factory=list)


def chunk_note(note: Note, min_words: int = MIN_WORDS, max_words: int = MAX_WORDS) -> list[Chunk]:
    pieces: list[tuple[list[str], list[str]]] = []  # (heading path, sentences) per chunk
    carried: tuple[list[str], list[str]] | None = None
    for section in _sections(note.body):
        sentences_per_paragraph = [s for s in (_paragraph_sentences(p) for p in section.paragraphs) if s]
        for sentences in _pack(sentences_per_paragraph, max_words):
            if carried:
                path, earlier = carried
                sentences = earlier + sentences
                carried = None
            else:
                path = section.path
            if _word_count(sentences) < min_words:
                carried = (path, sentences)
            else:
                pieces.append((path, sentences))
    if carried:
        path, sentences = carried
        if pieces and _word_count(pieces[-1][1]) + _word_count(sentences) <= max_words:
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + sentences)
        else:
            pieces.append((path, sentences))
    return [_make_chunk(note, path, sentences) for path, sentences in pieces]


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


def _make_chunk(note: Note, path: list[str], sentences: list[str]) -> Chunk:
    text = " ".join(sentences)
    digest = hashlib.sha256(f"{note.path}\n{note.title}\n{' > '.join(path)}\n{text}".encode()).hexdigest()
    return Chunk(id=digest[:16], source=note.path, title=note.title, heading_path=path, text=text, sentences=sentences)
