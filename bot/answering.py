"""The answering service that every front end calls: question (+ conversation) -> grounded, cited answer."""

from __future__ import annotations

import math
import re
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bot.embedding import Embedder
from bot.generation import ExtractiveGenerator, Generator, GeneratorUnavailable
from bot.grounding import Fact, GroundingGuard
from bot.index import LoadedIndex
from bot.models import Answer, AnswerSentence, Retrieval, Source
from bot.retrieval import Retriever
from bot.settings import Settings
from bot.text import clean_markdown, content_words, has_control_characters, split_sentences

REFUSAL = (
    "Sorry, I can only help with machine learning and deep learning, and my notes have nothing on that; "
    "try asking about topics such as overfitting, gradient descent, random forests or transformers."
)
SYSTEM_PROMPT = "You rewrite facts about machine learning. Use only the numbered facts. Never add information."
_PRONOUN = re.compile(r"\b(it|its|they|them|their|this|these|those)\b", re.IGNORECASE)
_CONTINUATION = re.compile(r"^\s*(and|what about|how about|also|then)\b", re.IGNORECASE)
_CITATION = re.compile(r"\s*\[\d+(?:,\s*\d+)*\]")
_SENTENCE_DONE = re.compile(r"(?<!e\.g)(?<!i\.e)[.!?][\"')\]]*\s*$")
_DEFINITION_QUESTION = re.compile(r"^\s*(what\s+(is|are|does)|define|explain|describe|who|tell me about)\b", re.I)


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


@dataclass
class Turn:
    question: str
    standalone: str
    topic: str | None


@dataclass
class Conversation:
    """Recent turns, bounded, used only to resolve follow-ups for retrieval."""

    max_turns: int = 4
    turns: deque[Turn] = field(default_factory=deque)

    def add(self, turn: Turn) -> None:
        self.turns.append(turn)
        while len(self.turns) > self.max_turns:
            self.turns.popleft()

    def last_topic(self) -> Turn | None:
        return next((t for t in reversed(self.turns) if t.topic), None)

    def clear(self) -> None:
        self.turns.clear()


def resolve_followup(question: str, conversation: Conversation | None) -> str:
    """'What is it used for?' after 'What is a CNN?' becomes a question about CNNs."""
    previous = conversation.last_topic() if conversation else None
    if previous is None:
        return question
    topic = previous.topic.lower()
    if _PRONOUN.search(question):

        def substitute(match: re.Match) -> str:
            word = match.group(1).lower()
            return f"{topic}'s" if word in ("its", "their") else topic

        return _PRONOUN.sub(substitute, question, count=1)
    if _CONTINUATION.match(question) or len(question.split()) <= 3:
        return f"{question} ({topic})"
    return question


@dataclass
class _Candidate:
    text: str
    vector: np.ndarray
    chunk_id: str
    score: float


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
        self._warn = warn or (lambda line: print(f"mlbot: {line}", file=sys.stderr))
        self._warned: set[str] = set()

    def answer(
        self,
        question: str,
        conversation: Conversation | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        started = time.perf_counter()
        question = validate_question(question, self.settings.max_question_chars)
        standalone, query_vector, retrieval = self._retrieve(question, conversation)
        retrieved = time.perf_counter()

        if not retrieval.relevant:
            answer = Answer(question=question, standalone_question=standalone, answer=REFUSAL, refused=True)
            answer.mode = "refused"
            if on_text:
                on_text(REFUSAL)
        else:
            answer = self._compose(question, standalone, query_vector, retrieval, on_text)
        finished = time.perf_counter()
        answer.timings_ms = {
            "retrieve": (retrieved - started) * 1000,
            "generate": (finished - retrieved) * 1000,
            "total": (finished - started) * 1000,
        }
        if conversation is not None:
            topic = None if answer.refused else retrieval.hits[0].chunk.title
            conversation.add(Turn(question, standalone, topic))
        return answer

    def _retrieve(self, question: str, conversation: Conversation | None):
        """Retrieve for the question as asked, and for its follow-up rewrite when it has one; keep the better.

        "What is it used for?" retrieves poorly alone and well rewritten; "How does dropout work and why is it
        useful?" names the topic its best passage is about, and a rewrite would only pull it away.
        """
        vector = self.embedder.embed([question])[0]
        retrieval = self.retriever.retrieve(question, vector)
        rewritten = resolve_followup(question, conversation)
        top_title = retrieval.hits[0].chunk.title if retrieval.hits else ""
        names_its_topic = bool(set(content_words(top_title)) & set(content_words(question)))
        if rewritten != question and not names_its_topic:
            rewritten_vector = self.embedder.embed([rewritten])[0]
            alternative = self.retriever.retrieve(rewritten, rewritten_vector)
            if alternative.best_dense > retrieval.best_dense:
                return rewritten, rewritten_vector, alternative
        return question, vector, retrieval

    # --- composition --------------------------------------------------------------------------------------------

    def _candidates(self, question: str, query_vector: np.ndarray, retrieval: Retrieval) -> list[_Candidate]:
        """Sentences of the retrieved chunks, scored by meaning, by the question's own words and by chunk rank.

        The embedding finds the topic; the word match finds the aspect asked about ("parameters", "train").
        Words are weighted by how rare they are among the retrieved sentences, so the topic's name, which
        every sentence shares, counts for little.
        """
        wants_definition = bool(_DEFINITION_QUESTION.match(question)) and len(question.split()) <= 7
        asked = set(content_words(question))
        rows: list[tuple[int, str, np.ndarray, str, set[str], float]] = []
        for rank, hit in enumerate(retrieval.hits):
            span = self.index.sentence_rows(hit.position)
            vectors = np.asarray(self.index.sentence_vectors[span.start : span.stop])
            similarities = vectors @ query_vector
            heading_words = set(content_words(" ".join(hit.chunk.heading_path + hit.chunk.merged_headings)))
            for i, sentence in enumerate(hit.chunk.sentences):
                score = float(similarities[i]) - self.settings.rank_penalty * rank
                if wants_definition and i == 0 and not hit.chunk.heading_path:
                    score += 0.08  # a note's opening sentence defines its topic
                words = heading_words | set(content_words(sentence))
                rows.append((rank, sentence, vectors[i], hit.chunk.id, words & asked, score))
        total = len(rows) or 1
        weight = {w: math.log((1 + total) / (1 + sum(w in r[4] for r in rows))) for w in asked}
        denominator = sum(weight.values()) or 1.0
        candidates = [
            _Candidate(
                sentence,
                vector,
                chunk_id,
                score + self.settings.word_match_weight * sum(weight[w] for w in matched) / denominator,
            )
            for _, sentence, vector, chunk_id, matched, score in rows
        ]
        return sorted(candidates, key=lambda c: c.score, reverse=True)

    def _select(self, candidates: list[_Candidate], count: int, chosen: list[np.ndarray] | None = None):
        """Maximal marginal relevance: the best sentences that do not repeat each other."""
        picked: list[_Candidate] = []
        seen = list(chosen or [])
        for candidate in candidates:
            if len(picked) >= count:
                break
            if len(candidate.text.split()) < 5:
                continue
            if any(float(np.dot(candidate.vector, v)) > 0.85 for v in seen):
                continue
            picked.append(candidate)
            seen.append(candidate.vector)
        return picked

    def _compose(self, question, standalone, query_vector, retrieval, on_text) -> Answer:
        """The best source sentence leads, quoted at once; the model then joins the next two into one sentence.

        A joined sentence is shown only if it passes the grounding guard; otherwise those two facts are quoted.
        """
        candidates = self._candidates(standalone, query_vector, retrieval)
        context = self._select(candidates, self.settings.context_sentences) or candidates[:1]
        lead, rest = context[0], context[1:]
        kept = [AnswerSentence(text=lead.text, source_ids=[lead.chunk_id], generated=False)]
        kept_vectors = [lead.vector]
        if on_text:
            on_text(lead.text)

        generated = composed = 0
        wanted = self.settings.answer_sentences - 1
        if self.generator.is_language_model and len(rest) >= 2 and wanted >= 1:
            facts = [Fact(c.text, c.vector, c.chunk_id) for c in rest[:2]]
            for sentence in self._joined_sentence(standalone, facts):
                generated += 1
                vector = self.embedder.embed([sentence])[0]
                verdict = self.guard.check(sentence, facts, vector)
                if verdict.supported and float(np.dot(vector, lead.vector)) < 0.9:
                    kept.append(
                        AnswerSentence(
                            text=sentence, source_ids=[facts[i].chunk_id for i in verdict.facts], generated=True
                        )
                    )
                    kept_vectors.extend(facts[i].vector for i in verdict.facts)
                    composed = 1
                    if on_text:
                        on_text(sentence)

        # Quoted sentences fill what the model did not compose (all of it without a model).
        for candidate in self._select(rest, self.settings.answer_sentences - len(kept), kept_vectors):
            kept.append(AnswerSentence(text=candidate.text, source_ids=[candidate.chunk_id], generated=False))
            kept_vectors.append(candidate.vector)
            if on_text:
                on_text(candidate.text)

        return Answer(
            question=question,
            standalone_question=standalone,
            answer=" ".join(s.text for s in kept),
            refused=False,
            sentences=kept,
            sources=self._sources(retrieval, kept),
            mode="mixed" if composed else "extractive",
            generated_sentences=generated,
            kept_sentences=composed,
        )

    def _joined_sentence(self, question: str, facts: list[Fact]):
        """Ask the model for one sentence that joins two facts; stop decoding as soon as it ends."""
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {
                "role": "user",
                "content": f"Facts:\n[1] {facts[0].text}\n[2] {facts[1].text}\n\nQuestion: {question}\n"
                "Combine facts [1] and [2] into one sentence that answers the question. Use the facts' own words.",
            },
        ]
        buffer = ""
        stream = self.generator.stream(messages, self.settings.max_new_tokens)
        try:
            for piece in stream:
                buffer += piece
                if _SENTENCE_DONE.search(buffer) and len(buffer.split()) >= 6:
                    break
        except GeneratorUnavailable as error:
            if str(error) not in self._warned:  # one line per distinct problem, not one per question
                self._warned.add(str(error))
                self._warn(f"{error}; answering extractively")
            return
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()
        sentence = _tidy(split_sentences(buffer.replace("\n", " "))[0]) if buffer.strip() else ""
        if sentence.endswith((".", "!", "?")):
            yield sentence

    def _sources(self, retrieval: Retrieval, sentences: list[AnswerSentence]) -> list[Source]:
        cited = {cid for s in sentences for cid in s.source_ids}
        hits = sorted(retrieval.hits, key=lambda h: h.chunk.id not in cited)  # cited first, rank kept
        return [
            Source(
                id=h.chunk.id, source=h.chunk.source, title=h.chunk.heading, score=round(h.dense, 4), text=h.chunk.text
            )
            for h in hits
        ]


def _tidy(sentence: str) -> str:
    sentence = _CITATION.sub("", clean_markdown(sentence))
    sentence = re.sub(r"^(answer|response)\s*:\s*", "", sentence, flags=re.I)
    return sentence.strip()
