from pathlib import Path

import pytest

from bot.chunking import MAX_WORDS, chunk_note
from bot.notes import NoteError, parse_note
from bot.text import clean_markdown, split_sentences

ROOT = Path(__file__).resolve().parent.parent


def test_sentences_respect_abbreviations_and_decimals():
    text = "Adam uses defaults such as 0.9 and 0.999, e.g. in PyTorch. Dropout is off at inference! Is it? Yes."
    assert split_sentences(text) == [
        "Adam uses defaults such as 0.9 and 0.999, e.g. in PyTorch.",
        "Dropout is off at inference!",
        "Is it?",
        "Yes.",
    ]


def test_chunks_follow_headings_and_never_cut_sentences():
    knowledge = ROOT / "knowledge"
    for path in sorted(knowledge.glob("*.md"))[:30]:
        note = parse_note(path, knowledge)
        chunks = chunk_note(note)
        assert chunks, path
        body = " ".join(clean_markdown(line) for line in note.body.splitlines())
        for chunk in chunks:
            assert len(chunk.text.split()) <= MAX_WORDS
            assert chunk.source == f"knowledge/{path.name}"
            assert chunk.title == note.title
            assert all(s in body for s in chunk.sentences)  # whole sentences, verbatim
            assert chunk.text == " ".join(chunk.sentences)


def test_small_sections_are_merged_forward(knowledge):
    chunks = chunk_note(parse_note(knowledge / "dropout.md", knowledge))
    # The one-sentence intro is too small alone, so it joins the first section.
    assert chunks[0].sentences[0].startswith("Dropout is a topic")
    assert chunks[0].heading_path == []
    assert all(len(c.text.split()) >= 60 for c in chunks)


def test_chunk_ids_are_stable_and_content_derived(knowledge):
    path = knowledge / "dropout.md"
    first = [c.id for c in chunk_note(parse_note(path, knowledge))]
    assert first == [c.id for c in chunk_note(parse_note(path, knowledge))]
    path.write_text(path.read_text().replace("fact number 3", "fact number three"))
    assert first != [c.id for c in chunk_note(parse_note(path, knowledge))]


@pytest.mark.parametrize(
    "content, message",
    [
        ("no front matter here", "missing front matter"),
        ("---\ntitle: [unclosed\n---\nbody", "not valid YAML"),
        ("---\ntags: [a]\n---\nbody", "needs a 'title'"),
        ("---\ntitle: Empty\n---\n", "no body"),
    ],
)
def test_bad_notes_are_named_in_one_line(tmp_path, content, message):
    folder = tmp_path / "knowledge"
    folder.mkdir()
    path = folder / "broken.md"
    path.write_text(content)
    with pytest.raises(NoteError) as error:
        parse_note(path, folder)
    assert "knowledge/broken.md" in str(error.value)
    assert message in str(error.value)
    assert "\n" not in str(error.value)
