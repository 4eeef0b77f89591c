"""Notes: markdown files with YAML front matter, and the import of the source article."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.models import Note
from bot.text import strip_control_characters

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.DOTALL)


class NoteError(ValueError):
    """A note that cannot be used; the message names the file and the fix."""


def parse_note(path: Path, root: Path) -> Note:
    relative = path.relative_to(root.parent).as_posix() if path.is_relative_to(root.parent) else path.as_posix()
    try:
        raw = strip_control_characters(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise NoteError(f"{relative}: cannot be read as UTF-8 text; save it as UTF-8") from None
    except OSError as error:
        raise NoteError(f"{relative}: cannot be read ({error.strerror or error.__class__.__name__})") from None
    match = _FRONT_MATTER.match(raw)
    if not match:
        raise NoteError(f"{relative}: missing front matter (a '---' block with title and tags)")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", None)
        where = f" at line {line + 2}" if line is not None else ""
        raise NoteError(f"{relative}: front matter is not valid YAML{where}") from None
    if not isinstance(meta, dict) or not str(meta.get("title") or "").strip():
        raise NoteError(f"{relative}: front matter needs a 'title'")
    body = match.group(2).strip()
    if not body:
        raise NoteError(f"{relative}: the note has no body")
    return Note(
        path=relative,
        slug=path.stem,
        title=str(meta["title"]).strip(),
        aliases=[str(a).strip().lower() for a in _as_list(meta.get("aliases")) if str(a).strip()],
        tags=[str(t) for t in _as_list(meta.get("tags"))],
        related=[str(r) for r in _as_list(meta.get("related"))],
        source=str(meta["source"]) if meta.get("source") else None,
        body=body,
    )


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def note_files(knowledge_dir: Path, skipped: list[str] | None = None) -> list[Path]:
    """The notes in a folder; a dangling link or a link loop is left out, named in one line in `skipped`."""
    notes = []
    for path in sorted(knowledge_dir.rglob("*.md")):
        if path.name.startswith("."):
            continue
        if path.is_symlink():
            try:
                path.resolve(strict=True)
            except RuntimeError:  # Python's word for a link loop
                _note_skip(skipped, f"{path}: a symbolic link loop; skipped")
                continue
            except OSError:
                _note_skip(skipped, f"{path}: a link to a missing file; skipped")
                continue
        if path.is_file():
            notes.append(path)
    return notes


def _note_skip(skipped: list[str] | None, line: str) -> None:
    if skipped is not None:
        skipped.append(line)


@dataclass
class NoteScan:
    """The notes of a knowledge folder with their content hashes, and what could not be read."""

    files: dict[str, tuple[str, Path]] = field(default_factory=dict)  # key -> (sha256, path)
    unreadable: dict[str, str] = field(default_factory=dict)  # key -> one-line reason
    skipped: list[str] = field(default_factory=list)  # links left out, one line each

    @staticmethod
    def key(path: Path, knowledge_dir: Path) -> str:
        """How a note is named in reports and in the manifest: "knowledge/dropout.md"."""
        return f"{knowledge_dir.name}/{path.relative_to(knowledge_dir).as_posix()}"


def scan_notes(knowledge_dir: Path) -> NoteScan:
    """Hash every note; an unreadable one (permissions, I/O error) is named, not fatal."""
    scan = NoteScan()
    for path in note_files(knowledge_dir, scan.skipped):
        key = NoteScan.key(path, knowledge_dir)
        try:
            scan.files[key] = (hashlib.sha256(path.read_bytes()).hexdigest(), path)
        except OSError as error:
            scan.unreadable[key] = f"{key}: cannot be read ({error.strerror or error.__class__.__name__})"
    return scan


def same_note(key: str) -> str:
    """A note's identity across folders: its path inside the knowledge folder ("dropout.md"), so a copy of the
    notes in another folder is not all new."""
    return key.split("/", 1)[-1]


# --- The source article -------------------------------------------------------------------------------------------
# The saved web page carries furniture around the article: a translation banner and an advert at the top, and a
# feedback box, comment system and cookie notice at the end. The article's own sentences are kept as they are.

_TOP_FURNITURE = (
    re.compile(r"^Traducciones al Espa"),
    re.compile(r"^Estamos traduciendo"),
    re.compile(r"^Create a Linode account"),
    re.compile(r"^This credit will be applied"),
)
_END_OF_ARTICLE = re.compile(r"^This page was originally published on")
_BULLET = re.compile(r"^\s*[\u2022*-]\s+")


def convert_source_article(text: str, *, source_name: str, guide: str) -> str:
    """Turn the saved page into a note: title from the first line, short unpunctuated lines as headings."""
    lines = [line.rstrip() for line in text.splitlines()]
    title = lines[0].strip()
    body_lines: list[str] = []
    for line in lines[1:]:
        if _END_OF_ARTICLE.match(line.strip()):
            break
        if any(pattern.match(line.strip()) for pattern in _TOP_FURNITURE):
            continue
        body_lines.append(line)

    blocks: list[str] = []
    for index, line in enumerate(body_lines):
        stripped = line.strip()
        if not stripped:
            if blocks and blocks[-1] != "":
                blocks.append("")
            continue
        if _BULLET.match(line):
            blocks.append("- " + _BULLET.sub("", line).strip())
        elif _looks_like_heading(stripped, body_lines, index):
            if blocks and blocks[-1] != "":
                blocks.append("")
            blocks.extend([f"## {stripped}", ""])
        else:
            blocks.append(stripped)
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(blocks)).strip()
    front = yaml.safe_dump(
        {
            "title": title,
            "tags": ["foundations", "source-article"],
            "related": ["ai-ml-dl", "ml-vs-dl-applications"],
            "source": guide,
            "source_file": source_name,
        },
        sort_keys=False,
        allow_unicode=True,
    )
    return f"---\n{front}---\n{body}\n"


def _looks_like_heading(line: str, lines: list[str], index: int) -> bool:
    followed_by_blank = index + 1 >= len(lines) or not lines[index + 1].strip()
    return len(line) <= 70 and not line.endswith((".", ":", "!", ",")) and followed_by_blank
