"""Typed records passed between the stages: notes -> chunks -> index -> retrieval -> answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Note(BaseModel):
    """A parsed markdown note from `knowledge/`."""

    path: str  # repo-relative, e.g. "knowledge/dropout.md"
    slug: str
    title: str
    aliases: list[str] = Field(default_factory=list)  # other names a user types: "cnn" for convolutional networks
    tags: list[str] = Field(default_factory=list)
    related: list[str] = Field(default_factory=list)
    source: str | None = None  # the original document a converted note came from
    body: str


class ListSpan(BaseModel):
    """Sentences start..end-1 of a chunk form one list (the first is its intro when `intro`)."""

    start: int
    end: int
    ordered: bool = False
    intro: bool = False


class Chunk(BaseModel):
    """A passage of one note, cut along headings and paragraphs, never inside a sentence or a list."""

    id: str  # stable: derived from the file and the chunk's content
    source: str  # repo-relative path of the note
    title: str
    aliases: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    heading_path: list[str] = Field(default_factory=list)
    merged_headings: list[str] = Field(default_factory=list)  # later sections folded into this chunk
    text: str
    sentences: list[str]  # sentences and list items, in note order
    sections: list[str] = Field(default_factory=list)  # the heading each sentence sits under ("" = the intro)
    lists: list[ListSpan] = Field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.source.rsplit("/", 1)[-1].removesuffix(".md")

    def section_of(self, sentence: int) -> str:
        return self.sections[sentence] if sentence < len(self.sections) else ""

    @property
    def heading(self) -> str:
        return " > ".join([self.title, *self.heading_path])

    def embedding_text(self) -> str:
        """Headings and the note's other names go into the vector and into BM25, so short passages carry their topic."""
        names = [", ".join(self.aliases)] if self.aliases else []
        return "\n".join([self.heading, *names, *self.merged_headings, self.text])


class SourceFile(BaseModel):
    path: str
    sha256: str
    chunk_ids: list[str]


class Manifest(BaseModel):
    chunker_version: int = 1
    embedder: str
    dimension: int
    index_type: str
    chunk_count: int
    sentence_count: int
    built_at: datetime
    files: dict[str, SourceFile]


class BuildReport(BaseModel):
    added: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    failed: dict[str, str] = Field(default_factory=dict)
    skipped: list[str] = Field(default_factory=list)  # links left out of the notes, one line each
    chunks_embedded: int = 0
    chunks_reused: int = 0
    seconds: float = 0.0

    @property
    def touched(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.failed)

    def summary(self) -> str:
        """One line for the terminal and /reindex: what changed, what was embedded, how long it took."""
        counts = f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed"
        work = f"{len(self.unchanged)} unchanged, {self.chunks_embedded} chunks embedded, {self.chunks_reused} reused"
        return f"index: {counts}, {work}, {self.seconds:.1f}s"


class StaleReport(BaseModel):
    added: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)  # unreadable notes and skipped links, one line each

    @property
    def stale(self) -> bool:
        return bool(self.added or self.changed or self.removed)


class RetrievedChunk(BaseModel):
    chunk: Chunk
    position: int  # row of the chunk in the loaded index (its vectors and sentence rows)
    score: float  # fused rank score
    dense: float  # cosine similarity to the question


class Retrieval(BaseModel):
    query: str
    hits: list[RetrievedChunk]
    best_dense: float  # the best passage's cosine similarity to the question
    evidence: float = 0.0  # the relevance signal: best passage, or best sentence less a discount
    relevant: bool


class Source(BaseModel):
    """A cited passage, as the JSON contract shows it."""

    id: str
    source: str
    title: str
    score: float
    text: str


class AnswerSentence(BaseModel):
    text: str
    source_ids: list[str]  # the chunks whose sentences support it
    generated: bool  # False when quoted from the notes
    facts: list[str] = Field(default_factory=list, exclude=True)  # a model sentence's supporting sentences


class Answer(BaseModel):
    question: str
    standalone_question: str
    answer: str
    refused: bool
    sentences: list[AnswerSentence] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    mode: str = "extractive"  # "mixed" (a model sentence kept), "extractive", "refused" or "declined" (harmful)
    shape: str = ""  # the question's shape, e.g. "comparison" (see bot/shapes.py)
    generated_sentences: int = 0
    kept_sentences: int = 0
    # Model sentences the grounding guard turned down, each with the facts it was checked against.
    rejected_sentences: list[tuple[str, list[str]]] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)

    def contract(self) -> dict:
        """The exact JSON object of `mlbot ask --json`."""
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "sources": [s.model_dump() for s in self.sources],
            # What each sentence of the answer is: quoted from the notes or written by the model, and from which
            # passages (ids in "sources").
            "sentences": [s.model_dump() for s in self.sentences],
            "timings_ms": {k: round(self.timings_ms.get(k, 0.0), 1) for k in ("retrieve", "generate", "total")},
        }


class About(BaseModel):
    """What a front end says about the bot (`/about`): its notes, its index and its model."""

    notes: int
    chunks: int
    built_at: datetime
    embedder: str
    model: str
    role: str
