import shutil

import pytest

from bot import index as index_module
from bot.index import IndexUnavailable, build_index, load_index, stale_report
from tests.conftest import write_note


def test_full_build_then_load(knowledge, tmp_path, fake_embedder):
    index_dir = tmp_path / "index"
    report = build_index(knowledge, index_dir, fake_embedder)
    assert sorted(report.added) == ["knowledge/dropout.md", "knowledge/kmeans.md", "knowledge/pooling.md"]
    loaded = load_index(index_dir)
    assert loaded.manifest.chunk_count == len(loaded.chunks) == loaded.faiss_index.ntotal
    assert loaded.manifest.embedder == "fake-hash"
    assert set(loaded.manifest.files) == set(report.added)
    assert not stale_report(knowledge, index_dir).stale


def test_editing_one_note_reembeds_only_its_chunks(knowledge, tmp_path, fake_embedder):
    index_dir = tmp_path / "index"
    build_index(knowledge, index_dir, fake_embedder)
    path = knowledge / "dropout.md"
    path.write_text(path.read_text().replace("fact number 11", "fact number eleven"))
    assert stale_report(knowledge, index_dir).changed == ["knowledge/dropout.md"]

    fake_embedder.embedded.clear()
    report = build_index(knowledge, index_dir, fake_embedder)
    assert report.changed == ["knowledge/dropout.md"]
    assert sorted(report.unchanged) == ["knowledge/kmeans.md", "knowledge/pooling.md"]
    assert report.chunks_embedded == 1  # only the edited chunk; the note's other chunk is reused
    assert all("Dropout" in text for text in fake_embedder.embedded)
    loaded = load_index(index_dir)
    assert any("fact number eleven" in c.text for c in loaded.chunks)


def test_deleting_a_note_removes_its_chunks(knowledge, tmp_path, fake_embedder):
    index_dir = tmp_path / "index"
    build_index(knowledge, index_dir, fake_embedder)
    (knowledge / "pooling.md").unlink()
    fake_embedder.embedded.clear()
    report = build_index(knowledge, index_dir, fake_embedder)
    assert report.removed == ["knowledge/pooling.md"]
    assert fake_embedder.embedded == []
    assert all(c.source != "knowledge/pooling.md" for c in load_index(index_dir).chunks)


def test_a_build_killed_half_way_leaves_the_old_index(knowledge, tmp_path, fake_embedder, monkeypatch):
    index_dir = tmp_path / "index"
    build_index(knowledge, index_dir, fake_embedder)
    before = load_index(index_dir).manifest.built_at
    write_note(knowledge, "gans", "Generative adversarial networks")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies while writing the FAISS file

    monkeypatch.setattr(index_module, "make_faiss_index", killed)
    with pytest.raises(KeyboardInterrupt):
        build_index(knowledge, index_dir, fake_embedder)
    assert load_index(index_dir).manifest.built_at == before
    assert any(p.name.endswith(".partial") for p in index_dir.iterdir())

    monkeypatch.undo()
    build_index(knowledge, index_dir, fake_embedder)
    assert not any(p.name.endswith(".partial") for p in index_dir.iterdir())
    assert any(c.source == "knowledge/gans.md" for c in load_index(index_dir).chunks)


def test_a_broken_note_is_reported_and_the_rest_still_index(knowledge, tmp_path, fake_embedder):
    (knowledge / "broken.md").write_text("no front matter")
    report = build_index(knowledge, tmp_path / "index", fake_embedder)
    assert list(report.failed) == ["knowledge/broken.md"]
    assert len(report.added) == 3
    assert not stale_report(knowledge, tmp_path / "index").stale  # reported once, not stale forever
    write_note(knowledge, "broken", "Broken note fixed")
    assert stale_report(knowledge, tmp_path / "index").changed == ["knowledge/broken.md"]
    assert build_index(knowledge, tmp_path / "index", fake_embedder).changed == ["knowledge/broken.md"]


def test_missing_or_corrupt_index_says_what_to_run(knowledge, tmp_path, fake_embedder):
    index_dir = tmp_path / "index"
    with pytest.raises(IndexUnavailable, match="mlbot index build"):
        load_index(index_dir)
    build_index(knowledge, index_dir, fake_embedder)
    version = (index_dir / "CURRENT").read_text().strip()
    (index_dir / version / "chunks.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexUnavailable, match="--full"):
        load_index(index_dir)
    shutil.rmtree(index_dir / version)
    with pytest.raises(IndexUnavailable):
        load_index(index_dir)


def test_changing_the_embedder_rebuilds_everything(knowledge, tmp_path, fake_embedder):
    index_dir = tmp_path / "index"
    build_index(knowledge, index_dir, fake_embedder)
    fake_embedder.name = "another-model"
    report = build_index(knowledge, index_dir, fake_embedder)
    assert report.chunks_reused == 0


def test_large_indexes_use_ivf():
    assert index_module._index_type(1_000) == "Flat"
    assert index_module._index_type(1_000_000).startswith("IVF")


def test_pruned_postings_keep_each_terms_best_chunks():
    import numpy as np

    from bot.lexical import prune_postings

    # Three terms: postings of 5, 0 and 3 chunks; keep at most 2 per term.
    scores = {
        "data": np.array([0.1, 0.9, 0.5, 0.3, 0.7, 2.0, 1.0, 3.0], dtype=np.float32),
        "indices": np.array([0, 1, 2, 3, 4, 0, 1, 2], dtype=np.int32),
        "indptr": np.array([0, 5, 5, 8], dtype=np.int64),
        "num_docs": 5,
    }
    prune_postings(scores, 2)
    assert scores["indptr"].tolist() == [0, 2, 2, 4]
    assert sorted(scores["indices"][0:2].tolist()) == [1, 4]  # 0.9 and 0.7 survive
    assert sorted(scores["indices"][2:4].tolist()) == [0, 2]  # 2.0 and 3.0 survive


def test_lexical_search_ranks_like_bm25s(knowledge, tmp_path, fake_embedder):
    from bot import lexical

    build_index(knowledge, tmp_path / "index", fake_embedder)
    loaded = load_index(tmp_path / "index")
    for question in ("How does pooling work?", "kmeans clustering fact number 3", "dropout dropout property"):
        tokens = [t for t in lexical.tokenize([question])[0] if t in loaded.bm25.vocab_dict]
        documents, scores = loaded.bm25.retrieve([tokens], k=len(loaded.chunks), show_progress=False)
        expected = [int(d) for d, s in zip(documents[0], scores[0], strict=True) if s > 0]
        assert set(lexical.search(loaded.bm25, question, len(loaded.chunks))) == set(expected)
        assert lexical.search(loaded.bm25, question, 1)[0] == expected[0]
    assert lexical.search(loaded.bm25, "zzz qqq", 5) == []


def test_new_chunking_rules_rechunk_every_note(knowledge, tmp_path, fake_embedder, monkeypatch):
    index_dir = tmp_path / "index"
    build_index(knowledge, index_dir, fake_embedder)
    monkeypatch.setattr(index_module, "CHUNKER_VERSION", index_module.CHUNKER_VERSION + 1)
    assert len(stale_report(knowledge, index_dir).changed) == 3
    report = build_index(knowledge, index_dir, fake_embedder)
    assert len(report.changed) == 3 and report.chunks_embedded == 0  # same chunks: vectors reused by id
    assert not stale_report(knowledge, index_dir).stale


@pytest.mark.parametrize("damage", ["truncate faiss", "drop bm25", "empty chunks", "garble manifest"])
def test_a_damaged_index_is_named_in_one_line(knowledge, tmp_path, fake_embedder, damage):
    from bot.index import CURRENT, index_problem

    index_dir = tmp_path / "index"
    build_index(knowledge, index_dir, fake_embedder)
    assert index_problem(index_dir) is None
    version = index_dir / (index_dir / CURRENT).read_text().strip()
    if damage == "truncate faiss":
        data = (version / "chunks.faiss").read_bytes()
        (version / "chunks.faiss").write_bytes(data[: len(data) // 2])
    elif damage == "drop bm25":
        shutil.rmtree(version / "bm25")
    elif damage == "empty chunks":
        (version / "chunks.jsonl").write_text("")
    else:
        (version / "manifest.json").write_text("{")
    problem = index_problem(index_dir)
    assert problem and "\n" not in problem and "mlbot index build" in problem


def test_a_build_with_nothing_changed_publishes_no_new_version(knowledge, tmp_path, fake_embedder):
    """Other processes watch CURRENT; a no-op build must not make them all reload."""
    from bot.index import current_version

    index_dir = tmp_path / "index"
    build_index(knowledge, index_dir, fake_embedder)
    version = current_version(index_dir)
    report = build_index(knowledge, index_dir, fake_embedder)
    assert not report.touched and report.chunks_embedded == 0
    assert current_version(index_dir) == version
    assert sorted(p.name for p in index_dir.iterdir() if p.name.startswith("v")) == [version]
