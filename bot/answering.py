"""The answering service that every front end calls: question (+ conversation) -> grounded, cited answer."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from bot.composition import Composer, skipped_tags
from bot.conversation import Conversation, Reading, Turn, read_question
from bot.embedding import Embedder
from bot.generation import ExtractiveGenerator, Generator
from bot.grounding import GroundingGuard
from bot.index import LoadedIndex
from bot.model_roles import ROLES, ModelWriter, RoleReport, quoted
from bot.models import Answer, AnswerSentence, Retrieval, Source
from bot.plans import join, render
from bot.retrieval import Retriever
from bot.settings import Settings
from bot.shapes import topic_words
from bot.text import content_words, has_control_characters

REFUSAL = (
    "Sorry, I can only help with machine learning and deep learning, and my notes have nothing on that; "
    "try asking about topics such as overfitting, gradient descent, random forests or transformers."
)
STRONG_RETRIEVAL = 0.55  # evidence above which a question stands on its own whatever came before


class InvalidQuestion(ValueError):
    """A question the bot will not try to answer; the message says why in one line."""


def validate_question(question: str, max_chars: int) -> str:
    if has_control_characters(question):
        raise InvalidQuestion("the question contains binary or control characters; send plain text")
    cleaned = " ".join(question.split())
    if not cleaned:
        raise InvalidQuestion("the question is empty; ask something about machine learning")
    if len(cleaned) > max_chars:
        raise InvalidQuestion(f"the question is {len(cleaned)} characters long; the limit is {max_chars}")
    return cleaned


class AnswerService:
    def __init__(
        self,
        settings: Settings,
        index: LoadedIndex,
        embedder: Embedder,
        generator: Generator | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.index = index
        self.embedder = embedder
        self.generator = generator or ExtractiveGenerator()
        self.retriever = Retriever(index, embedder, settings)
        self.guard = GroundingGuard(embedder, settings.guard_min_similarity, settings.guard_min_overlap)
        self.composer = Composer(index, embedder, self.retriever, settings)
        warn = warn or (lambda line: print(f"mlbot: {line}", file=sys.stderr))
        self.writer = None
        if self.generator.is_language_model and settings.model_role != "off":
            self.writer = ModelWriter(self.generator, embedder, self.guard, settings.max_new_tokens, warn)

    def answer(
        self,
        question: str,
        conversation: Conversation | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        started = time.perf_counter()
        question = validate_question(question, self.settings.max_question_chars)
        reading, query_vector, retrieval = self._read(question, conversation)
        retrieved = time.perf_counter()

        if not retrieval.relevant:
            answer = Answer(question=question, standalone_question=reading.standalone, answer=REFUSAL, refused=True)
            answer.mode = "refused"
            if on_text:
                on_text(REFUSAL)
        else:
            answer = self._compose(question, reading, query_vector, retrieval, on_text)
        finished = time.perf_counter()
        answer.timings_ms = {
            "retrieve": (retrieved - started) * 1000,
            "generate": (finished - retrieved) * 1000,
            "total": (finished - started) * 1000,
        }
        if conversation is not None:
            conversation.add(self._turn(question, reading, answer))
        return answer

    def _turn(self, question: str, reading: Reading, answer: Answer) -> Turn:
        """What a follow-up needs of this turn: the topic as the user named it, and the notes the answer used."""
        if answer.refused:
            return Turn(question, reading.standalone, None, (), reading.plan)
        slugs = tuple(dict.fromkeys(s.source.rsplit("/", 1)[-1].removesuffix(".md") for s in answer.sources))
        named = next((t for t in reading.plan.topics if self.composer.knows_topic(t)), None)
        topic = named or (reading.plan.topics[0] if reading.plan.topics else None)
        if topic is None or not self.composer.knows_topic(topic):
            topic = self.composer.lexicon.title(slugs[0]) if slugs else topic
        return Turn(question, reading.standalone, topic, slugs, reading.plan)

    def _read(self, question: str, conversation: Conversation | None):
        """Read the question in its conversation and retrieve for it; a follow-up reading wins when it should.

        "why?" or "is it used at test time too?" is a follow-up by its form, unless the passage it retrieves
        alone is about a topic it names ("How does dropout work and why is it useful?"). A question that names
        no known topic ("what rate should I use?") is read as a follow-up when it does not retrieve strongly
        alone, all its own words occur in the notes (so "what's the weather in Paris?" stays off-topic),
        and the follow-up reading retrieves better.
        """
        asked, followup = read_question(question, conversation, self.composer.knows_topic)
        vector, retrieval = self._retrieve(asked)
        if followup is None:
            return asked, vector, retrieval
        if followup.certain and not self._names_its_topic(asked, retrieval):
            return (followup, *self._retrieve(followup))
        if retrieval.evidence < STRONG_RETRIEVAL and self.retriever.vocabulary_share(topic_words(question)) >= 1.0:
            other_vector, other = self._retrieve(followup)
            if other.evidence > retrieval.evidence:
                return followup, other_vector, other
        return asked, vector, retrieval

    def retrieve(self, question: str, top_k: int | None = None):
        """Retrieval for one question as the answering path does it (what `mlbot eval` measures)."""
        reading, _ = read_question(question, None, self.composer.knows_topic)
        query = self.composer.lexicon.expand(reading.standalone)
        vector = self.embedder.embed([query])[0]
        retriever = self.retriever
        if top_k is not None and top_k != self.settings.top_k:
            retriever = Retriever(self.index, self.embedder, self.settings.model_copy(update={"top_k": top_k}))
        return retriever.retrieve(query, vector, skipped_tags(reading.plan))

    def _retrieve(self, reading: Reading):
        """The question's vector and passages; abbreviations are spelled out first ("ML" meets "machine learning")."""
        query = self.composer.lexicon.expand(reading.standalone)
        vector = self.embedder.embed([query])[0]
        return vector, self.retriever.retrieve(query, vector, skipped_tags(reading.plan))

    @staticmethod
    def _names_its_topic(reading, retrieval) -> bool:
        if not retrieval.hits:
            return False
        top = retrieval.hits[0].chunk
        named = set(content_words(" ".join(reading.plan.topics)))
        return bool(named & set(content_words(" ".join([top.title, *top.heading_path]))))

    def _compose(self, question, reading, query_vector, retrieval, on_text) -> Answer:
        """The plan's sentences, quoted; the lead is shown at once, then the model's role, if any, on the rest."""
        composition = self.composer.compose(reading.plan, reading.standalone, query_vector, retrieval)
        units = composition.units
        texts = render(units)
        if on_text and texts:
            on_text(texts[0])
        report = self._apply_role(reading.standalone, units, texts)
        kept = [
            AnswerSentence(
                text=w.text, source_ids=list(dict.fromkeys(u.chunk_id for u in w.units)), generated=w.generated
            )
            for w in report.sentences
        ]
        if on_text:
            for sentence in kept[1:]:
                on_text(sentence.text)
        return Answer(
            question=question,
            standalone_question=reading.standalone,
            answer=join([s.text for s in kept]),
            refused=False,
            sentences=kept,
            sources=self._sources(retrieval, kept, units, query_vector),
            mode="mixed" if report.kept else "extractive",
            shape=reading.plan.shape.value,
            generated_sentences=report.tried,
            kept_sentences=report.kept,
        )

    def _apply_role(self, question: str, units, texts) -> RoleReport:
        if self.writer is None or not units:
            return RoleReport(quoted(units, texts))
        return ROLES[self.settings.model_role](self.writer, question, units, texts)

    def _sources(self, retrieval: Retrieval, sentences: list[AnswerSentence], units, query_vector) -> list[Source]:
        """The passages the answer cites, in answer order, then the other retrieved passages by rank."""
        dense = {h.position: h.dense for h in retrieval.hits}
        cited = {cid for s in sentences for cid in s.source_ids}
        positions = [u.position for u in units if u.chunk_id in cited]
        positions += [h.position for h in retrieval.hits]
        sources = []
        for position in dict.fromkeys(positions):
            chunk = self.index.chunks[position]
            if position not in dense:
                dense[position] = float(self.index.chunk_vectors[position] @ query_vector)
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
