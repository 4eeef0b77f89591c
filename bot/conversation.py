"""Conversation memory and follow-ups: "is it used at test time too?" after dropout is a question about dropout.

A turn remembers its topic (the phrase the user used and the notes it names) and its plan. A new question is
read against it when it names no topic of its own, leans on a pronoun ("it", "they", "that"), or only
continues the last one ("what about random forests?", "and for regression?").
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace

from bot.question_parsing import PRONOUN, strip_filler, topic_words
from bot.shape_rules import classify
from bot.shapes import QuestionPlan, Shape
from bot.topics import GENERIC_NAME_STEMS, stems

# "what about random forests?", "and for regression?", "how about GRUs?": the last question, about a new topic.
_CONTINUATION = re.compile(
    r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(.+)$|^\s*and\s+(?:for|with|in|what about|how about)?\s*(.+)$",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"[?!.\s]+$")
CONTINUATION_WORDS = 4  # "and for tabular data?" continues the last question; a longer tail is a question
MAX_CONVERSATIONS = 10_000  # memory bound on top of the time-to-live


@dataclass
class Turn:
    question: str
    standalone: str
    topic: str | None  # the topic phrase the answer was about, e.g. "dropout"
    slugs: tuple[str, ...] = ()  # the notes the answer came from, best first
    plan: QuestionPlan | None = None
    shown: tuple[str, ...] = ()  # the answer's lead, which a follow-up does not repeat


@dataclass
class Conversation:
    """Recent turns, bounded, used only to read follow-ups."""

    max_turns: int = 4
    turns: deque[Turn] = field(default_factory=deque)

    def add(self, turn: Turn) -> None:
        self.turns.append(turn)
        while len(self.turns) > self.max_turns:
            self.turns.popleft()

    def last_topic(self) -> Turn | None:
        """The latest turn that was answered (a declined off-topic turn in between is skipped)."""
        return next((t for t in reversed(self.turns) if t.topic), None)

    def clear(self) -> None:
        self.turns.clear()


class ConversationMemory:
    """Conversations by key (a thread, a DM, or a member in a channel), bounded in number and forgotten when idle.

    A front end serving many people at once holds one conversation per place; without the bounds a busy bot
    would keep every conversation it ever had.
    """

    def __init__(
        self,
        max_turns: int,
        ttl_s: float,
        max_conversations: int = MAX_CONVERSATIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_turns = max_turns
        self.ttl_s = ttl_s
        self.max_conversations = max_conversations
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, Conversation]] = OrderedDict()

    def get(self, key: Hashable) -> Conversation:
        """The conversation under `key`, a fresh one when there is none; using it keeps it alive."""
        self._expire()
        _, conversation = self._entries.pop(key, (0.0, None))
        conversation = conversation or Conversation(max_turns=self.max_turns)
        self._entries[key] = (self._clock(), conversation)
        while len(self._entries) > self.max_conversations:
            self._entries.popitem(last=False)
        return conversation

    def forget(self, key: Hashable) -> bool:
        """Drop the conversation under `key`; False when there was none."""
        self._expire()
        return self._entries.pop(key, None) is not None

    def __len__(self) -> int:
        self._expire()
        return len(self._entries)

    def _expire(self) -> None:
        oldest_allowed = self._clock() - self.ttl_s
        while self._entries:
            key, (used, _) = next(iter(self._entries.items()))
            if used >= oldest_allowed:
                break
            del self._entries[key]


@dataclass(frozen=True)
class Reading:
    """How a question is read in its conversation: the text to retrieve with and the plan to answer by."""

    standalone: str
    plan: QuestionPlan
    followup: bool = False  # True when the previous topic was brought in
    certain: bool = False  # a follow-up by its form alone ("why?", "what about GRUs?"), not by retrieval


def read_question(
    question: str, conversation: Conversation | None, knows_topic: Callable[[str], bool]
) -> tuple[Reading, Reading | None]:
    """The question as asked, and as a follow-up of the conversation's topic (None when there is none).

    `knows_topic` tells whether a phrase names a topic of the notes; the caller picks between the two
    readings by how well each retrieves, unless the follow-up is `certain`.
    """
    plan = classify(question)
    asked = Reading(question, plan)
    previous = conversation.last_topic() if conversation else None
    if previous is None or not previous.topic:
        return asked, None
    topic = previous.topic
    named = [t for t in plan.topics if knows_topic(t)]

    continuation = _CONTINUATION.match(strip_filler(question))
    if continuation and previous.plan is not None:
        fragment = _TRAILING.sub("", continuation.group(1) or continuation.group(2) or "").strip()
        new_plan = classify(fragment) if fragment else None
        if new_plan is not None and new_plan.shape == Shape.DEFINITION:
            if new_plan.topics and any(knows_topic(t) for t in new_plan.topics):
                # "what about random forests?" asks the last question again, about a new topic.
                standalone = _replace_topic(previous.standalone, topic, fragment)
                return asked, Reading(standalone, replace(previous.plan, topics=new_plan.topics), True, True)
            if len(fragment.split()) <= CONTINUATION_WORDS:
                # "and too big?", "and for tabular data?": the last question again, with a new condition.
                return asked, Reading(f"{previous.standalone} ({fragment})", previous.plan, True, True)

    if plan.shape == Shape.COMPARISON:
        if not any(PRONOUN.fullmatch(side) for side in plan.topics) and len(plan.topics) >= 2:
            return asked, None
        sides = tuple(side for side in plan.topics if not PRONOUN.fullmatch(side))
        return asked, Reading(_substitute_pronoun(question, topic), replace(plan, topics=(topic, *sides)), True, True)
    if PRONOUN.search(question) and not named:
        return asked, Reading(_substitute_pronoun(question, topic), replace(plan, topics=(topic,)), True, True)
    if not named and not any(_names_something(t) for t in plan.topics):
        # "pros and cons?", "why?", "how do I choose k then?": nothing of its own to be about.
        return asked, Reading(f"{question} ({topic})", replace(plan, topics=(topic,)), True, True)
    if named:
        return asked, None
    return asked, Reading(f"{question} ({topic})", replace(plan, topics=(topic, *plan.topics)), True, False)


def repeats_a_word(question: str, conversation: Conversation | None) -> bool:
    """A question naming no known topic that repeats a word of the last one ("What's your favorite k?" after
    "How do we choose k in k-fold?") is about that one's topic."""
    previous = conversation.last_topic() if conversation else None
    if previous is None:
        return False
    asked = set(stems(topic_words(question))) - GENERIC_NAME_STEMS
    return bool(asked & set(stems(topic_words(previous.question))))


def standalone_question(question: str, conversation: Conversation | None, knows_topic: Callable[[str], bool]) -> str:
    """The question as it stands alone when its form alone makes it a follow-up; else as asked."""
    asked, followup = read_question(question, conversation, knows_topic)
    return followup.standalone if followup is not None and followup.certain else asked.standalone


def _names_something(phrase: str) -> bool:
    """A phrase with at least one word of three letters or more ("k" or "it" alone name nothing)."""
    return any(len(word) >= 3 for word in re.findall(r"[a-z0-9]+", phrase.lower()))


def _substitute_pronoun(question: str, topic: str) -> str:
    def substitute(match: re.Match) -> str:
        word = match.group(0).lower()
        return f"{topic}'s" if word in ("its", "their") else topic

    return PRONOUN.sub(substitute, question, count=1)


def _replace_topic(question: str, old: str, new: str) -> str:
    if old and re.search(re.escape(old), question, re.IGNORECASE):
        return re.sub(re.escape(old), new, question, count=1, flags=re.IGNORECASE)
    return f"{question} ({new})"
