"""The answering service that every front end calls: question (+ conversation) -> grounded, cited answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from bot.answer_cache import AnswerCache
from bot.answer_text import cited_sources, join, merge_parts, render
from bot.composition import Composer, Composition, skipped_tags
from bot.configs import AnsweringConfig
from bot.conversation import Conversation, Reading, Turn, read_question, repeats_a_word
from bot.embedding import Embedder
from bot.generation import ExtractiveGenerator, Generator
from bot.grounding import GroundingGuard
from bot.index import LoadedIndex
from bot.model_roles import ROLES
from bot.model_writer import ModelWriter, RoleInput, RoleReport, quoted
from bot.models import About, Answer, AnswerSentence, Retrieval
from bot.policy import DECLINE, HarmPolicy
from bot.question_parsing import refers_back, split_parts, topic_words
from bot.retrieval import Retriever
from bot.text import content_words, validate_question
from bot.topics import GENERIC_STEMS

log = logging.getLogger("mlbot.answers")

REFUSAL = (
    "Sorry, I can only help with machine learning and deep learning, and my notes have nothing on that; "
    "try asking about topics such as overfitting, gradient descent, random forests or transformers."
)
STRONG_RETRIEVAL = 0.55  # evidence above which a question stands on its own whatever came before
# A question that names no topic is read as a follow-up only when the conversation's topic makes it retrieve
# better than this: "what's Apple's stock price?" after a deep-learning question reaches 0.40, real follow-ups
# 0.56 and more (tests/data/conversations.jsonl).
FOLLOWUP_MIN_EVIDENCE = 0.5


@dataclass
class PartReading:
    """One part of a question, read in its conversation and retrieved for."""

    reading: Reading
    vector: np.ndarray
    retrieval: Retrieval
    refers_back: bool = False  # leans on an earlier part: "How is it used?"


def _log_answer(answer: Answer, with_question: bool) -> None:
    """One line per answer for the operator: its latency and kind; the question only when they asked for it."""
    asked = f" question={answer.question!r}" if with_question else ""
    log.info(
        "answered in %.0f ms: mode=%s shape=%s refused=%s model_sentences=%d/%d%s",
        answer.timings_ms.get("total", 0.0),
        answer.mode,
        answer.shape or "-",
        answer.refused,
        answer.kept_sentences,
        answer.generated_sentences,
        asked,
    )


class AnswerService:
    def __init__(
        self,
        config: AnsweringConfig,
        index: LoadedIndex,
        embedder: Embedder,
        generator: Generator | None = None,
        policy: HarmPolicy | None = None,
    ) -> None:
        self.config = config
        self.index = index
        self.embedder = embedder
        self.generator = generator or ExtractiveGenerator()
        self.retriever = Retriever(index, embedder, config.retrieval)
        self.guard = GroundingGuard(embedder, config.guard.min_similarity, config.guard.min_overlap)
        self.composer = Composer(index, embedder, self.retriever, config.composition)
        self.policy = policy or HarmPolicy(embedder)
        self.cache = AnswerCache(config.answer_cache_size)
        self.writer = None
        if self.generator.is_language_model and config.model_role != "off":
            self.writer = ModelWriter(self.generator, embedder, self.guard, config.max_new_tokens)

    def answer(
        self,
        question: str,
        conversation: Conversation | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer a question (each part of a two-part question in turn), grounded and cited."""
        started = time.perf_counter()
        question = validate_question(question, self.config.max_question_chars)
        fresh = conversation is None or not conversation.turns  # nothing before it: its meaning is its own
        if fresh and (cached := self.cache.get(question)) is not None:
            return self._replay(*cached, conversation, on_text, started)
        parts = split_parts(question)
        # Later parts read earlier ones as their conversation: "What is X? When do we use it?"
        memory = conversation
        if len(parts) > 1:
            memory = Conversation(max_turns=max(1, self.config.history_turns) + len(parts))
            memory.turns.extend(conversation.turns if conversation is not None else ())
        readings: list[PartReading] = []
        for part in parts:
            reading, vector, retrieval = self._read(part, memory)
            readings.append(PartReading(reading, vector, retrieval, refers_back(part)))
            if len(parts) > 1 and retrieval.relevant:
                memory.add(self._turn(part, reading, retrieval, within_message=True))
        retrieved = time.perf_counter()

        answered = [r for r in readings if r.retrieval.relevant]
        if answered and self.policy.check(question) is not None:  # off-topic questions get the refusal below
            return self._decline(question, DECLINE, conversation, on_text, started)
        if not answered:
            standalone = " ".join(r.reading.standalone for r in readings)
            answer = Answer(question=question, standalone_question=standalone, answer=REFUSAL, refused=True)
            answer.mode = "refused"
            if on_text:
                on_text(REFUSAL)
        else:
            earlier = conversation.turns[-1].shown if conversation is not None and conversation.turns else ()
            answer = self._compose(question, answered, on_text, frozenset(earlier))
        finished = time.perf_counter()
        answer.timings_ms = {
            "retrieve": (retrieved - started) * 1000,
            "generate": (finished - retrieved) * 1000,
            "total": (finished - started) * 1000,
        }
        first = answered[0] if answered else readings[0]
        turn = self._turn(question, first.reading, first.retrieval)
        turn.shown = tuple(answer.sentences[0].text.splitlines()[:1]) if answer.sentences else ()
        if conversation is not None:
            conversation.add(turn)
        if fresh:
            self.cache.put(question, answer, turn)
        _log_answer(answer, self.config.log_questions)
        return answer

    def _replay(self, answer: Answer, turn: Turn, conversation, on_text, started: float) -> Answer:
        """A cached answer, shown and remembered as if it had just been made."""
        if on_text:
            for text in [s.text for s in answer.sentences] or [answer.answer]:
                on_text(text)
        if conversation is not None:
            conversation.add(turn)
        answer.timings_ms = {"retrieve": 0.0, "generate": 0.0, "total": (time.perf_counter() - started) * 1000}
        _log_answer(answer, self.config.log_questions)
        return answer

    def _decline(self, question, text: str, conversation, on_text, started: float) -> Answer:
        """A harmful request: one polite line, no sources, and nothing for a follow-up to build on."""
        answer = Answer(question=question, standalone_question=question, answer=text, refused=True, mode="declined")
        if on_text:
            on_text(text)
        answer.timings_ms = {"retrieve": 0.0, "generate": 0.0, "total": (time.perf_counter() - started) * 1000}
        if conversation is not None:
            conversation.add(Turn(question, question, None))
        _log_answer(answer, self.config.log_questions)
        return answer

    def about(self) -> About:
        """The notes, index and model this service answers from (for `/about` and `mlbot doctor`)."""
        manifest = self.index.manifest
        return About(
            notes=len(manifest.files),
            chunks=manifest.chunk_count,
            built_at=manifest.built_at,
            embedder=manifest.embedder,
            model=self.generator.name,
            role=self.config.model_role if self.writer is not None else "off",
        )

    def _turn(self, question: str, reading: Reading, retrieval: Retrieval, within_message: bool = False) -> Turn:
        """What a follow-up needs of this turn: the topic as the user named it, and the notes it retrieved.

        Within one message (`within_message`), "how do I fix it?" after "is 99% train but 70% test accuracy bad?" is
        about the user's own phrase even where no note is named by it."""
        if not retrieval.relevant:
            return Turn(question, reading.standalone, None, (), reading.plan)
        slugs = tuple(dict.fromkeys(h.chunk.slug for h in retrieval.hits))
        named = next((t for t in reading.plan.topics if self.composer.knows_topic(t)), None)
        # a phrase of generic words only ("the model") carries nothing; then, as between messages, a topic the notes
        # do not know is remembered by the title of the note it retrieved
        phrase = (
            next((t for t in reading.plan.topics if set(content_words(t)) - GENERIC_STEMS), None)
            if within_message
            else None
        )
        topic = (
            named
            or phrase
            or (self.composer.lexicon.title(slugs[0]) if slugs else next(iter(reading.plan.topics), None))
        )
        return Turn(question, reading.standalone, topic, slugs, reading.plan)

    def _read(self, question: str, conversation: Conversation | None):
        """Read the question in its conversation and retrieve for it; a follow-up reading wins when it should.

        "why?" or "is it used at test time too?" is a follow-up by its form, unless the passage it retrieves
        alone is about a topic it names ("How does dropout work and why is it useful?"). A question that names
        no known topic ("what rate should I use?") is read as a follow-up when it does not retrieve strongly
        alone, all its own words occur in the notes (so "what's the weather in Paris?" stays off-topic) or
        it repeats a word of the last question ("What's your favorite k?"), and the follow-up reading retrieves
        better.
        """
        asked, followup = read_question(question, conversation, self.composer.knows_topic)
        vector, retrieval = self._retrieve(asked)
        if followup is None:
            return asked, vector, retrieval
        if followup.certain and not self._names_its_topic(asked, retrieval):
            return (followup, *self._retrieve(followup))
        if retrieval.evidence < STRONG_RETRIEVAL and (
            repeats_a_word(question, conversation) or self.retriever.vocabulary_share(topic_words(question)) >= 1.0
        ):
            other_vector, other = self._retrieve(followup)
            if other.evidence > max(retrieval.evidence, FOLLOWUP_MIN_EVIDENCE):
                return followup, other_vector, other
        return asked, vector, retrieval

    def retrieve(self, question: str, top_k: int | None = None):
        """Retrieval for one question as the answering path does it (what `mlbot eval` measures)."""
        reading, _ = read_question(question, None, self.composer.knows_topic)
        retriever = self.retriever
        if top_k is not None and top_k != self.config.retrieval.top_k:
            retriever = Retriever(self.index, self.embedder, replace(self.config.retrieval, top_k=top_k))
        return self._retrieve(reading, retriever)[1]

    def _retrieve(self, reading: Reading, retriever: Retriever | None = None):
        """The question's vector and passages; abbreviations are spelled out first ("ML" meets "machine learning")."""
        query = self.composer.lexicon.expand(reading.standalone)
        vector = self.embedder.embed([query])[0]
        return vector, (retriever or self.retriever).retrieve(query, vector, skipped_tags(reading.plan))

    @staticmethod
    def _names_its_topic(reading, retrieval) -> bool:
        if not retrieval.hits:
            return False
        top = retrieval.hits[0].chunk
        named = set(content_words(" ".join(reading.plan.topics))) - GENERIC_STEMS  # "Is it a useful metric?"
        return bool(named & set(content_words(" ".join([top.title, *top.heading_path]))))

    def _compose(self, question: str, parts: list[PartReading], on_text, shown: frozenset[str]) -> Answer:
        """The plan's sentences, quoted; the lead is shown at once (unless the model writes it), then the
        model's role, if any, works on the rest. Each part of a two-part question gets its own plan; a follow-up
        does not repeat what the answer before it showed."""
        compositions = []
        for p in parts:
            repeated = shown if p.reading.followup else frozenset()
            read = p.reading
            compositions.append(self.composer.compose(read.plan, read.standalone, p.vector, p.retrieval, repeated))
        self.composer.keep_to_subject(compositions, [p.reading.followup or p.refers_back for p in parts])
        units = merge_parts([c.units for c in compositions], self.config.composition.answer_sentences)
        texts = render(units)
        lead_first = self.config.model_role != "lead"
        if on_text and texts and lead_first:
            on_text(texts[0])
        report = self._apply_role(parts[0].reading.standalone, compositions, units, texts)
        kept = [
            AnswerSentence(
                text=w.text,
                source_ids=list(dict.fromkeys(u.chunk_id for u in w.units)),
                generated=w.generated,
                facts=[u.text for u in w.units] if w.generated else [],
            )
            for w in report.sentences
        ]
        if on_text:
            for sentence in kept[1 if lead_first else 0 :]:
                on_text(sentence.text)
        used = [u for w in report.sentences for u in w.units]
        return Answer(
            question=question,
            standalone_question=" ".join(p.reading.standalone for p in parts),
            answer=join([s.text for s in kept]),
            refused=False,
            sentences=kept,
            sources=cited_sources(
                self.index, [h for p in parts for h in p.retrieval.hits], kept, used, parts[0].vector
            ),
            mode="mixed" if report.kept else "extractive",
            shape="+".join(p.reading.plan.shape.value for p in parts),
            generated_sentences=report.tried,
            kept_sentences=report.kept,
            rejected_sentences=report.rejected,
        )

    def _apply_role(self, question: str, compositions: list[Composition], units, texts) -> RoleReport:
        if self.writer is None or not units:
            return RoleReport(quoted(units, texts))
        single = len(compositions) == 1
        given = RoleInput(
            question=question,
            units=units,
            texts=texts,
            candidates=[c for composition in compositions for c in composition.candidates],
            # A two-part answer keeps its parts: only a single plan is made again from re-scored candidates.
            replan=(lambda candidates: self.composer.replan(compositions[0], candidates))
            if single
            else (lambda _: units),
            render=render,
        )
        return ROLES[self.config.model_role](self.writer, given)
