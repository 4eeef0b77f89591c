"""Chunks -> a persisted FAISS + BM25 index in `index/`, rebuilt incrementally.

Layout: `index/CURRENT` names the live version folder; each build writes a fresh folder and then swaps
CURRENT atomically, so a build killed half-way leaves the previous index loadable.
"""

from __future__ import annotations

import fcntl
import functools
import os
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bot import lexical
from bot.chunking import CHUNKER_VERSION, chunk_note
from bot.embedding import Embedder
from bot.models import BuildReport, Chunk, Manifest, SourceFile, StaleReport
from bot.notes import NoteError, NoteScan, parse_note, same_note, scan_notes

CURRENT = "CURRENT"
FLAT_LIMIT = 50_000  # exact search below this many chunks; IVF with 8-bit codes above


BUILD_HINT = "run `mlbot index build` where knowledge/ is, or set MLBOT_INDEX_DIR"


class IndexUnavailable(RuntimeError):
    """The index is missing or unreadable; the message says which command fixes it."""


@dataclass
class LoadedIndex:
    directory: Path
    manifest: Manifest
    chunks: list[Chunk]
    chunk_vectors: np.ndarray  # (n_chunks, dim), unit length
    sentence_vectors: np.ndarray  # (n_sentences, dim), in chunk order
    sentence_offsets: np.ndarray  # (n_chunks + 1,): chunk i owns rows offsets[i]:offsets[i+1]
    faiss_index: object
    bm25: object

    def sentence_rows(self, chunk_position: int) -> range:
        return range(int(self.sentence_offsets[chunk_position]), int(self.sentence_offsets[chunk_position + 1]))

    @functools.cached_property
    def note_positions(self) -> dict[str, list[int]]:
        """Note slug -> the rows of its chunks, in note order: an answer may use any section of a named note."""
        positions: dict[str, list[int]] = {}
        for position, chunk in enumerate(self.chunks):
            positions.setdefault(chunk.slug, []).append(position)
        return positions


def scan(knowledge_dir: Path) -> NoteScan:
    if not knowledge_dir.is_dir():
        raise IndexUnavailable(f"knowledge folder not found: {knowledge_dir} (set MLBOT_KNOWLEDGE_DIR)")
    return scan_notes(knowledge_dir)


def current_version(index_dir: Path) -> str | None:
    """The published version folder's name (what CURRENT says), or None when none can be read."""
    try:
        return (index_dir / CURRENT).read_text().strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def read_manifest(index_dir: Path) -> Manifest | None:
    try:
        version = (index_dir / CURRENT).read_text().strip()
        return Manifest.model_validate_json((index_dir / version / "manifest.json").read_text())
    except (OSError, ValueError):
        return None


def stale_report(knowledge_dir: Path, index_dir: Path, manifest: Manifest | None = None) -> StaleReport:
    """Notes added, changed or removed since the last build, matched by their path inside the knowledge folder
    (the same notes in a folder of another name are not stale); unreadable notes are named, not fatal. A caller
    that has just loaded the index passes its manifest instead of reading it again."""
    manifest = manifest if manifest is not None else read_manifest(index_dir)
    current_rules = manifest is not None and manifest.chunker_version == CHUNKER_VERSION
    indexed = {
        same_note(k): (k, f.sha256 if current_rules else "") for k, f in (manifest.files if manifest else {}).items()
    }
    notes = scan(knowledge_dir)
    on_disk = {same_note(key): (key, sha) for key, (sha, _) in notes.files.items()}
    unreadable = {same_note(key) for key in notes.unreadable}
    return StaleReport(
        added=sorted(on_disk[n][0] for n in set(on_disk) - set(indexed)),
        changed=sorted(on_disk[n][0] for n in on_disk if n in indexed and indexed[n][1] != on_disk[n][1]),
        removed=sorted(indexed[n][0] for n in set(indexed) - set(on_disk) - unreadable),
        problems=[*notes.unreadable.values(), *notes.skipped],
    )


def load_index(index_dir: Path) -> LoadedIndex:
    import faiss

    pointer = index_dir / CURRENT
    if not pointer.is_file():
        raise IndexUnavailable(f"no index in {index_dir.resolve()}; {BUILD_HINT}")
    directory = index_dir / pointer.read_text().strip()
    try:
        manifest = Manifest.model_validate_json((directory / "manifest.json").read_text())
        with open(directory / "chunks.jsonl", encoding="utf-8") as handle:
            chunks = [Chunk.model_validate_json(line) for line in handle if line.strip()]
        chunk_vectors = np.load(directory / "chunks.npy", mmap_mode="r")
        sentence_vectors = np.load(directory / "sentences.npy", mmap_mode="r")
        flags = faiss.IO_FLAG_MMAP if manifest.index_type != "Flat" else 0
        faiss_index = faiss.read_index(str(directory / "chunks.faiss"), flags)
        bm25 = lexical.load(directory / "bm25")
    except Exception as error:  # any damage means the same fix
        raise IndexUnavailable(
            f"the index in {index_dir} is unreadable ({error.__class__.__name__}); run `mlbot index build --full`"
        ) from None
    offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
    np.cumsum([len(c.sentences) for c in chunks], out=offsets[1:])
    if len(chunks) != faiss_index.ntotal or offsets[-1] != len(sentence_vectors) or len(chunk_vectors) != len(chunks):
        raise IndexUnavailable(f"the index in {index_dir} is inconsistent; run `mlbot index build --full`")
    if hasattr(faiss_index, "nprobe"):
        faiss_index.nprobe = 16
    return LoadedIndex(directory, manifest, chunks, chunk_vectors, sentence_vectors, offsets, faiss_index, bm25)


def index_problem(index_dir: Path) -> str | None:
    """What is wrong with the built index, in one line, or None when it loads whole and matches its manifest."""
    try:
        loaded = load_index(index_dir)
    except IndexUnavailable as error:
        return str(error)
    manifest = loaded.manifest
    if manifest.chunk_count != len(loaded.chunks) or manifest.sentence_count != len(loaded.sentence_vectors):
        return f"the index in {index_dir} does not match its manifest; run `mlbot index build --full`"
    return None


def build_index(
    knowledge_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    *,
    full: bool = False,
    show_progress: bool | None = None,
) -> BuildReport:
    """Embed only what changed: vectors of unchanged chunks and sentences are reused by content."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time: a second waits, then finds less to do
        return _build(knowledge_dir, index_dir, embedder, full, show_progress)


def _build(knowledge_dir: Path, index_dir: Path, embedder: Embedder, full: bool, show_progress: bool | None):
    started = time.perf_counter()
    if show_progress is None:
        show_progress = sys.stderr.isatty()
    report = BuildReport()
    previous: LoadedIndex | None = None
    if not full:
        try:
            previous = load_index(index_dir)
        except IndexUnavailable:
            previous = None
        if previous and (
            previous.manifest.embedder != embedder.name or previous.manifest.dimension != embedder.dimension
        ):
            previous = None  # another embedding model: nothing can be reused

    same_rules = previous is not None and previous.manifest.chunker_version == CHUNKER_VERSION
    old_files = {same_note(key): entry for key, entry in (previous.manifest.files if previous else {}).items()}
    old_chunks = {c.id: (i, c) for i, c in enumerate(previous.chunks)} if previous else {}
    old_sentence_vectors: dict[str, np.ndarray] = {}
    if previous:
        for position, chunk in enumerate(previous.chunks):
            for row, sentence in zip(previous.sentence_rows(position), chunk.sentences, strict=True):
                old_sentence_vectors[sentence] = previous.sentence_vectors[row]

    chunks: list[Chunk] = []
    files: dict[str, SourceFile] = {}
    notes = scan(knowledge_dir)
    report.failed.update(notes.unreadable)
    report.skipped = notes.skipped
    for key in notes.unreadable:  # a note that cannot be read now keeps what was indexed of it
        old = old_files.get(same_note(key))
        if old and all(cid in old_chunks for cid in old.chunk_ids):
            chunks.extend(old_chunks[cid][1] for cid in old.chunk_ids)
            files[old.path] = old
    on_disk = notes.files
    for relative, (sha, path) in on_disk.items():
        old = old_files.get(same_note(relative))
        if same_rules and old and old.sha256 == sha and all(cid in old_chunks for cid in old.chunk_ids):
            file_chunks = [old_chunks[cid][1] for cid in old.chunk_ids]
            report.unchanged.append(relative)
        else:
            try:
                file_chunks = chunk_note(parse_note(path, knowledge_dir))
            except NoteError as error:
                report.failed[relative] = str(error)
                # Recorded without chunks: the index is not stale because of it, and fixing it re-indexes it.
                files[relative] = SourceFile(path=relative, sha256=sha, chunk_ids=[])
                continue
            (report.changed if old else report.added).append(relative)
        chunks.extend(file_chunks)
        files[relative] = SourceFile(path=relative, sha256=sha, chunk_ids=[c.id for c in file_chunks])
    present = {same_note(key) for key in [*on_disk, *notes.unreadable]}
    report.removed = sorted(entry.path for name, entry in old_files.items() if name not in present)
    if not chunks:
        raise IndexUnavailable(f"no note in {knowledge_dir} could be indexed; add markdown notes there")
    if previous is not None and same_rules and not report.touched and set(files) == set(previous.manifest.files):
        report.chunks_reused = len(chunks)  # nothing to publish: watchers keep the version they have
        report.seconds = time.perf_counter() - started
        return report

    # Reuse what is already embedded; embed the rest in one batch each.
    dimension = embedder.dimension
    chunk_vectors = np.zeros((len(chunks), dimension), dtype=np.float32)
    to_embed = []
    for position, chunk in enumerate(chunks):
        if chunk.id in old_chunks:
            chunk_vectors[position] = previous.chunk_vectors[old_chunks[chunk.id][0]]
        else:
            to_embed.append(position)
    if to_embed:
        chunk_vectors[to_embed] = _embed(embedder, [chunks[p].embedding_text() for p in to_embed], show_progress)
    report.chunks_embedded = len(to_embed)
    report.chunks_reused = len(chunks) - len(to_embed)

    sentences = [s for c in chunks for s in c.sentences]
    sentence_vectors = np.zeros((len(sentences), dimension), dtype=np.float32)
    missing = sorted({s for s in sentences if s not in old_sentence_vectors})
    fresh = dict(zip(missing, _embed(embedder, missing, show_progress), strict=True)) if missing else {}
    for row, sentence in enumerate(sentences):
        sentence_vectors[row] = fresh[sentence] if sentence in fresh else old_sentence_vectors[sentence]

    manifest = Manifest(
        chunker_version=CHUNKER_VERSION,
        embedder=embedder.name,
        dimension=dimension,
        index_type=_index_type(len(chunks)),
        chunk_count=len(chunks),
        sentence_count=len(sentences),
        built_at=datetime.now(UTC),
        files=files,
    )
    _write_version(index_dir, manifest, chunks, chunk_vectors, sentence_vectors)
    report.seconds = time.perf_counter() - started
    return report


def _embed(embedder: Embedder, texts: list[str], show_progress: bool) -> np.ndarray:
    return embedder.embed(texts, show_progress=show_progress)


def _index_type(count: int) -> str:
    if count <= FLAT_LIMIT:
        return "Flat"
    lists = int(4 * np.sqrt(count))
    return f"IVF{lists},SQ8"


def make_faiss_index(vectors: np.ndarray, index_type: str):
    """Exact inner product while small; IVF with 8-bit scalar codes at 1M (about 1/4 of the memory)."""
    import faiss

    index = faiss.index_factory(vectors.shape[1], index_type, faiss.METRIC_INNER_PRODUCT)
    if not index.is_trained:
        sample = vectors[np.random.default_rng(0).choice(len(vectors), min(len(vectors), 100_000), replace=False)]
        index.train(np.ascontiguousarray(sample))
    index.add(np.ascontiguousarray(vectors))
    return index


def _write_version(
    index_dir: Path, manifest: Manifest, chunks: list[Chunk], chunk_vectors: np.ndarray, sentence_vectors: np.ndarray
) -> None:
    import faiss

    index_dir.mkdir(parents=True, exist_ok=True)
    version = f"v{manifest.built_at.strftime('%Y%m%dT%H%M%S%f')}"
    staging = index_dir / f".{version}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    with open(staging / "chunks.jsonl", "w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(chunk.model_dump_json() + "\n")
    np.save(staging / "chunks.npy", chunk_vectors)
    np.save(staging / "sentences.npy", sentence_vectors)
    faiss.write_index(make_faiss_index(chunk_vectors, manifest.index_type), str(staging / "chunks.faiss"))
    lexical.build([c.embedding_text() for c in chunks], staging / "bm25", prune=len(chunks) > FLAT_LIMIT)
    (staging / "manifest.json").write_text(manifest.model_dump_json(indent=1) + "\n")
    for path in staging.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    staging.rename(index_dir / version)

    pointer_tmp = index_dir / f".{CURRENT}.tmp{os.getpid()}"
    previous = (index_dir / CURRENT).read_text().strip() if (index_dir / CURRENT).is_file() else None
    pointer_tmp.write_text(version + "\n")
    os.replace(pointer_tmp, index_dir / CURRENT)  # the atomic switch
    # A process that read CURRENT a moment ago may still be opening the previous version: keep it until the next build.
    for old in index_dir.iterdir():
        if old.is_dir() and old.name not in (version, previous) and old.name.startswith(("v", ".v")):
            shutil.rmtree(old, ignore_errors=True)
