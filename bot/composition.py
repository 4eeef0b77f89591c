"""Composition: from a retrieved question to the units of its answer.

The question's topics name notes (by the lexicon, or by retrieval for a phrase the lexicon does not know);
every sentence of those notes and of the retrieved passages becomes a candidate, scored for the question's
shape, and the shape's plan (`plans`) picks and orders the answer. Nothing here needs the language model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bot.aspects import importance_heading
from bot.candidates import Candidate, gather
from bot.configs import CompositionConfig
from bot.embedding import Embedder
from bot.index import LoadedIndex
from bot.models import Retrieval
from bot.plans import plan_answer
from bot.question_asks import asks_cause, asks_choice, asks_remedy
from bot.question_parsing import context_split, excluded_phrase, without_field
from bot.retrieval import Retriever
from bot.scoring import score
from bot.shapes import QuestionPlan, Shape
from bot.topics import GENERIC_WORDS, Topic, TopicLexicon, generic_name, phrase_mentions, stems

ARTICLE_TAG = "source-article"  # the source article and the notes that restate it
RESTATEMENT_TAG = "restatement"  # "The guide says ...": answers questions about the article, and only those
TOPIC_MIN_SIMILARITY = 0.45  # a phrase the lexicon does not know names the note it retrieves this well
SIDE_HITS = 2  # passages retrieved for each side of a comparison
# A sentence that sets the topic against another ("..., while a transformer ...") answers another question.
_CONTRAST = re.compile(r"\b(?:while|whereas|unlike|compared (?:with|to)|than|versus|vs)\b", re.IGNORECASE)
WHOLE_TOPIC_COVERAGE = 0.75  # a note's name covering less of the topic phrase names a part of the note
SHORT_PHRASE_WORDS = 3  # a phrase this short is all topic: a one-word name in it names the note


def skipped_tags(plan: QuestionPlan) -> frozenset[str]:
    """Notes retrieval leaves out for this question: the article's restatement unless the article is asked about."""
    return frozenset() if plan.about_article else frozenset({RESTATEMENT_TAG})


@dataclass
class Composition:
    units: list[Candidate]  # the answer, in order
    topics: list[Topic]
    candidates: list[Candidate]  # everything that was scored, for inspection and for a model to rerank
    plan: QuestionPlan | None = None


class Composer:
    def __init__(self, index: LoadedIndex, embedder: Embedder, retriever: Retriever, config: CompositionConfig) -> None:
        self.index = index
        self.embedder = embedder
        self.retriever = retriever
        self.config = config
        self.lexicon = TopicLexicon.from_chunks(index.chunks)
        self.article_slugs = {c.slug for c in index.chunks if ARTICLE_TAG in c.tags}
        self.restatement_slugs = frozenset(c.slug for c in index.chunks if RESTATEMENT_TAG in c.tags)
        self._names_cache: dict[tuple[str, str], bool] = {}
        self._note_texts: dict[str, str] = {}

    def knows_topic(self, phrase: str) -> bool:
        return self.lexicon.best(phrase) is not None

    def compose(
        self,
        plan: QuestionPlan,
        question: str,
        question_vector: np.ndarray,
        retrieval: Retrieval,
        shown: frozenset[str] = frozenset(),
    ) -> Composition:
        """The answer's units for one question (`shown`: sentences the conversation already showed)."""
        hits = retrieval.hits
        positions = [h.position for h in hits]
        topics, extra_positions = self._topics(plan, question, hits)
        left_out = set()
        if excluded := excluded_phrase(question):  # unless the rest of the question names the same note
            left_out = self._named_slugs(excluded) - self._named_slugs(question.replace(excluded, " "))
        for topic in topics:  # "regularization besides dropout": not the dropout note
            topic.slugs = topic.slugs - left_out or topic.slugs
        topic_slugs = set().union(*(t.slugs for t in topics)) if topics else set()
        if plan.about_article and self.article_slugs:
            topic_slugs = set(self.article_slugs)
            positions = [p for p in positions if self.index.chunks[p].slug in topic_slugs]
        elif hits and not topic_slugs:
            topic_slugs.add(hits[0].chunk.slug)  # no name matched: the best passage's note is the topic
        context_slugs = {slug for t in topics for slug in t.context_slugs}
        for slug in sorted(topic_slugs | context_slugs):
            positions += self.index.note_positions.get(slug, [])
        positions += extra_positions
        candidates = gather(self.index, positions)
        candidates = [c for c in candidates if c.text not in shown] or candidates
        if plan.shape == Shape.WHY and asks_cause(question):  # "Why loss functions matter" is not a cause
            for candidate in candidates:
                if importance_heading(candidate.section):
                    candidate.heading_aspects = candidate.heading_aspects - {Shape.WHY}
        if plan.shape == Shape.HOW_TO and asks_choice(question):  # the steps of a method do not say how to choose
            for candidate in candidates:
                if Shape.HOW_TO not in candidate.heading_aspects:
                    candidate.heading_aspects = candidate.heading_aspects - {Shape.STEPS, Shape.LIST}
        mentions = [self._mentions(c, topics) for c in candidates]
        for candidate in candidates:
            candidate.in_context = self._in_context(candidate, topics)
            candidate.outside_setting = candidate.slug in left_out or any(
                self._astray(candidate, t) for t in topics if t.context
            )
        if plan.shape == Shape.COMPARISON:
            asked = {slug for t in topics for slug in t.slugs}
            for candidate in candidates:
                named = {slug for m in self.lexicon.find(candidate.text) for slug in m.slugs}
                candidate.names_unasked = bool(named - asked)
                candidate.names_other = candidate.names_unasked and not named & asked
        elif not plan.about_article:  # "X, while self-supervised learning ..." drifts off the question
            for candidate, mention in zip(candidates, mentions, strict=True):
                covers_question = len(topics) > 1 and len(mention) == len(topics)  # "Is A better than B?"
                if _CONTRAST.search(candidate.text) and not covers_question:
                    named = {
                        slug
                        for m in self.lexicon.find(candidate.text)
                        if not generic_name(m.phrase)  # "features" names no topic of its own
                        for slug in m.slugs
                    }
                    candidate.names_other = bool(named - topic_slugs)
        score(
            candidates,
            plan.shape,
            question,
            question_vector,
            topic_slugs,
            mentions,
            rank_of={h.position: rank for rank, h in enumerate(hits)},
            rank_penalty=self.config.rank_penalty,
            word_weight=self.config.word_match_weight,
            article_slugs=self.article_slugs,
            about_article=plan.about_article,
            topic_phrases=tuple(t.phrase for t in topics) + tuple(t.rest for t in topics if t.rest),
            rest_phrases=tuple(t.rest for t in topics if t.rest),
            restatement_slugs=self.restatement_slugs,
            # a note that names only part of the topic, or only the topic it is set in: its headings ("How
            # transformers work") speak of its own topic, not of the one asked ("self-attention")
            partial_slugs=frozenset(s for t in topics for s in (t.context_slugs if t.whole else t.slugs))
            - {s for t in topics if t.whole for s in t.slugs - t.context_slugs},
        )
        if plan.about_article:
            candidates = [c for c in candidates if c.slug in topic_slugs] or candidates
        remedies = plan.shape == Shape.LIST and asks_remedy(question)
        units = plan_answer(plan.shape, candidates, topics, self.config.answer_sentences, plan.about_article, remedies)
        return Composition(units, topics, candidates, plan)

    def replan(self, composition: Composition, candidates: list[Candidate]) -> list[Candidate]:
        """The plan made again from other candidates: re-scored by a model, or narrowed to a message's subject."""
        plan = composition.plan
        return plan_answer(plan.shape, candidates, composition.topics, self.config.answer_sentences, plan.about_article)

    def keep_to_subject(self, compositions: list[Composition], leans_back: list[bool]) -> None:
        """The parts of one message share its subject: "What is TF-IDF? How is it useful for text
        classification?" is answered from the TF-IDF note, not from the classification note's uses. A part that
        leans on an earlier one is planned again from the notes the first part was answered from (its topic's
        notes when it has no units), so a misread topic phrase does not pull the rest off subject; a comparison
        keeps its sides'."""
        first = compositions[0]
        subject = {u.slug for u in first.units} or {slug for topic in first.topics for slug in topic.slugs}
        for composition, leaning in zip(compositions[1:], leans_back[1:], strict=True):
            own = [c for c in composition.candidates if c.slug in subject]
            if leaning and own and composition.plan.shape != Shape.COMPARISON:
                composition.units = self.replan(composition, own)

    def _topics(self, plan: QuestionPlan, question: str, hits) -> tuple[list[Topic], list[int]]:
        """Each topic phrase with the notes it names; for a phrase the lexicon does not know, the best passages.

        A single topic is looked up in the whole question, where its verb still stands next to it ("tune
        hyperparameters" names hyperparameter tuning); the sides of a comparison are looked up one by one.
        """
        topics: list[Topic] = []
        positions: list[int] = []
        hit_slugs = {h.chunk.slug for h in hits}
        single = len(plan.topics) == 1 and not plan.about_article
        if single and plan.shape != Shape.COMPARISON and (topic := self._set_in(plan.topics[0], question)):
            return [topic], positions
        for phrase in plan.topics:
            matches = self.lexicon.find(without_field(question) if single else phrase)
            # A one-word name inside a long phrase ("loss" in "validation loss goes up while training loss goes
            # down") names the topic only if the question's own passages come from that note.
            slugs = {
                slug
                for m in matches
                for slug in m.slugs
                if len(m.phrase) > 1 or slug in hit_slugs or len(phrase.split()) <= SHORT_PHRASE_WORDS
            }
            named = {w for m in matches if set(m.slugs) & slugs for w in m.phrase}
            covered = _coverage(phrase, named)
            rest = " ".join(w for w in phrase.split() if not set(stems(w)) <= named)
            if not slugs or plan.shape == Shape.COMPARISON:
                vector = self.embedder.embed([phrase])[0]
                found = self.retriever.retrieve(phrase, vector, skipped_tags(plan))
                strong = [h for h in found.hits[:SIDE_HITS] if h.dense >= TOPIC_MIN_SIMILARITY]
                positions += [h.position for h in strong]
                if not slugs and strong:
                    slugs = {strong[0].chunk.slug}
            whole = not named or covered >= WHOLE_TOPIC_COVERAGE
            topics.append(Topic(phrase, frozenset(slugs), whole, "" if whole else rest))
        return topics, positions

    def _set_in(self, phrase: str, question: str) -> Topic | None:
        """A topic set inside another ("what does temperature do in an LLM?"), when both name notes.

        The inner topic is asked about, in the outer one's setting. When the inner topic's note never names the
        outer one ("the learning rate in gradient boosting": the learning-rate note speaks of gradient descent),
        the outer topic's note answers, and the inner topic is the part of it that is asked.
        """
        if not (split := context_split(question)):
            return None
        head, context = split
        head_slugs = self._named_slugs(head)
        context_slugs = self._named_slugs(context) - head_slugs
        if not head_slugs or not context_slugs or not self._names_whole(head):
            return None
        relevant = frozenset(s for s in head_slugs if any(self._note_names(s, c) for c in context_slugs))
        if relevant:
            return Topic(head, relevant | context_slugs, context=context, context_slugs=frozenset(context_slugs))
        return Topic(phrase, frozenset(context_slugs), False, head, context, frozenset(context_slugs))

    def _astray(self, candidate: Candidate, topic: Topic) -> bool:
        """Whether a candidate leaves a topic set inside another: a sentence of another note that is silent on the
        setting ("the learning rate in gradient boosting": the learning-rate note speaks of gradient descent), or a
        sentence of the setting's own note that is silent on the asked topic (the perceptron learning rule, for
        "the steps of backpropagation in a multilayer perceptron")."""
        if not topic.whole:
            return candidate.slug not in topic.slugs and not candidate.in_context
        asked = topic.slugs - topic.context_slugs
        if candidate.slug not in topic.context_slugs - asked:
            return False
        text = f"{candidate.section} {candidate.text} {' '.join(candidate.items)}"
        return not phrase_mentions(topic.phrase, text) and not any(self.lexicon.mentions(s, text) for s in asked)

    def _named_slugs(self, phrase: str) -> set[str]:
        return {slug for m in self.lexicon.find(phrase) if not generic_name(m.phrase) for slug in m.slugs}

    def _names_whole(self, phrase: str) -> bool:
        """Whether note names cover the phrase ("temperature"), not one word of it ("tuning parameters")."""
        named = {w for m in self.lexicon.find(phrase) for w in m.phrase}
        return _coverage(phrase, named) >= WHOLE_TOPIC_COVERAGE

    def _note_names(self, slug: str, other: str) -> bool:
        """Whether a note names another note anywhere in its text (each note's text is joined once)."""
        if (slug, other) not in self._names_cache:
            if slug not in self._note_texts:
                positions = self.index.note_positions.get(slug, [])
                self._note_texts[slug] = " ".join(s for p in positions for s in self.index.chunks[p].sentences)
            self._names_cache[slug, other] = self.lexicon.mentions(other, self._note_texts[slug])
        return self._names_cache[slug, other]

    def _in_context(self, candidate: Candidate, topics: list[Topic]) -> bool:
        """Whether a candidate of the note a topic is set in names the asked part of it: "The learning rate, or
        shrinkage, scales the contribution of each tree" for "the learning rate in gradient boosting"."""
        text = f"{candidate.section} {candidate.text}"
        return any(
            t.context and not t.whole and candidate.slug in t.context_slugs and phrase_mentions(t.rest, text)
            for t in topics
        )

    def _mentions(self, candidate: Candidate, topics: list[Topic]) -> frozenset[int]:
        """The topics a candidate names: by the user's phrase, or by a name of a note only that topic names.

        "bagging" and "boosting" both live in the ensemble note, so naming the note is no sign of either side.
        """
        text = f"{candidate.section} {candidate.text}" if candidate.is_list else candidate.text
        shared = {slug for i, t in enumerate(topics) for u in topics[i + 1 :] for slug in t.slugs & u.slugs}
        return frozenset(
            i
            for i, topic in enumerate(topics)
            if phrase_mentions(topic.phrase, text)
            or any(self.lexicon.mentions(slug, text) for slug in topic.slugs - shared)
        )


def _coverage(phrase: str, named: set[str]) -> float:
    """The share of a topic phrase's content stems that note names cover (all of it when it has none)."""
    words = [w for w in stems(phrase) if w not in GENERIC_WORDS] or list(stems(phrase))
    return sum(w in named for w in words) / len(words) if words else 1.0
