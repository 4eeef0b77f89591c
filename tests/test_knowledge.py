"""The notes themselves: parse, front matter, length, unique titles, valid links, and a fresh index."""

import re
from pathlib import Path

from bot.chunking import is_list_item
from bot.index import stale_report
from bot.notes import convert_source_article, note_files, parse_note

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
SOURCE = ROOT.parent / "shared" / "source" / "000_62b2aaf45bfaaef9.txt"
ARTICLE = KNOWLEDGE / "deep-learning-vs-machine-learning.md"


def notes():
    return [parse_note(p, KNOWLEDGE) for p in note_files(KNOWLEDGE)]


def test_every_note_parses_with_front_matter_and_bounds():
    all_notes = notes()
    curated = [n for n in all_notes if not n.source]
    assert len(curated) >= 70
    slugs = {n.slug for n in all_notes}
    for note in curated:
        assert note.tags, note.path
        assert 150 <= len(note.body.split()) <= 1000, (note.path, len(note.body.split()))
        assert set(note.related) <= slugs, (note.path, set(note.related) - slugs)
    titles = [n.title.lower() for n in all_notes]
    assert len(titles) == len(set(titles))


def test_a_list_ends_with_a_blank_line():
    # a sentence written right under a list is read as part of its last item (and quoted inside it)
    for note in notes():
        if note.source:
            continue
        lines = note.body.splitlines()
        for before, line in zip(lines, lines[1:], strict=False):
            assert not (is_list_item(before) and line.strip() and not is_list_item(line)), (note.path, line)


def test_committed_index_is_fresh():
    report = stale_report(KNOWLEDGE, ROOT / "index")
    assert not report.stale, f"run `mlbot index build` and commit index/: {report}"


def test_source_article_is_kept_without_page_furniture():
    text = ARTICLE.read_text(encoding="utf-8")
    assert "source:" in text.split("---")[1]
    for furniture in ("Traducciones", "Linode account", "Disqus", "Cookie", "Your Feedback Is Important"):
        assert furniture not in text
    if SOURCE.is_file():  # beside a checkout; the converted note must match the converter's output
        raw = SOURCE.read_text(encoding="utf-8")
        guide = re.search(r"^source: (.*)$", text, re.M).group(1).strip("'").replace("''", "'")
        assert convert_source_article(raw, source_name=SOURCE.name, guide=guide) == text
        for sentence in ("ML requires pre-processed structured data, while DL can ingest unstructured data.",):
            assert sentence in raw and sentence in text
