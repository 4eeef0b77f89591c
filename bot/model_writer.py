"""The language model as a writer of answer sentences, and the records the roles pass around.

`ModelWriter` asks the generator for text and checks each sentence with the grounding guard; a role
(`model_roles`, `composer_role`) decides what to ask for and where a kept sentence goes in the answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from bot.candidates import Candidate
from bot.embedding import Embedder
from bot.generation import Generator, GeneratorUnavailable
from bot.grounding import Fact, GroundingGuard
from bot.text import clean_markdown, split_sentences

log = logging.getLogger("mlbot.model")

MIN_MODEL_WORDS = 6  # decoding stops at the first sentence end after this many words
SAME_AS_LEAD = 0.9  # a model sentence this close to the lead repeats it
_CITATION = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_SENTENCE_DONE = re.compile(r"(?<!e\.g)(?<!i\.e)[.!?][\"')\]]*\s*$")


@dataclass
class Written:
    """A sentence of the answer: quoted (`units` holds the one candidate) or written by the model from `units`."""

    text: str
    units: list[Candidate]
    generated: bool = False


@dataclass
class RoleReport:
    sentences: list[Written]
    tried: int = 0  # model sentences generated
    kept: int = 0  # ... and kept by the guard
    rejected: list[tuple[str, list[str]]] = field(default_factory=list)  # model sentences turned down, with facts


@dataclass
class RoleInput:
    """What a role works on: the question, the plan's units and their shown texts, all scored candidates,
    and a way to make the plan again from re-scored candidates (for the reranker)."""

    question: str
    units: list[Candidate]
    texts: list[str]
    candidates: list[Candidate]
    replan: Callable[[list[Candidate]], list[Candidate]]
    render: Callable[[list[Candidate]], list[str]]


class ModelWriter:
    """Asks the generator for text and checks it; warns once per distinct failure."""

    def __init__(
        self,
        generator: Generator,
        embedder: Embedder,
        guard: GroundingGuard,
        max_new_tokens: int,
    ) -> None:
        self.generator = generator
        self.embedder = embedder
        self.guard = guard
        self.max_new_tokens = max_new_tokens
        self._warned: set[str] = set()

    def text(self, messages: list[dict[str, str]], *, prefix: str = "", tokens: int = 0, one: bool = True) -> str:
        """The model's reply after `prefix`: its first complete sentence when `one`, else all of it."""
        buffer = ""
        stream: Iterator[str] = self.generator.stream(messages, tokens or self.max_new_tokens, prefix)
        try:
            for piece in stream:
                buffer += piece
                if one and _SENTENCE_DONE.search(buffer) and len(buffer.split()) >= MIN_MODEL_WORDS:
                    break
        except GeneratorUnavailable as error:
            self.unavailable(error)
            return ""
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()
        return buffer

    def sentence(self, messages: list[dict[str, str]]) -> str | None:
        """The model's first complete sentence, or None when it wrote none or the generator failed."""
        buffer = self.text(messages)
        if not buffer.strip():
            return None
        sentence = tidy(split_sentences(buffer.replace("\n", " "))[0])
        return sentence if sentence.endswith((".", "!", "?")) else None

    def unavailable(self, error: Exception) -> None:
        if str(error) not in self._warned:  # one line per distinct problem, not one per question
            self._warned.add(str(error))
            log.warning("%s; answering extractively", error)

    def embed(self, sentence: str) -> np.ndarray:
        """A written sentence's vector, embedded once for the guard and the repeat checks."""
        return self.embedder.embed([sentence])[0]

    def checked(self, sentence: str, vector: np.ndarray, units: list[Candidate]) -> list[int] | None:
        """The indices of the units that support the sentence, or None when the guard rejects it."""
        facts = [Fact(u.text, u.vector, u.chunk_id) for u in units]
        verdict = self.guard.check(sentence, facts, vector)
        return verdict.facts if verdict.supported else None

    @staticmethod
    def repeats(vector: np.ndarray, other: Candidate) -> bool:
        return float(np.dot(vector, other.vector)) >= SAME_AS_LEAD


def quoted(units: list[Candidate], texts: list[str]) -> list[Written]:
    return [Written(text, [unit]) for unit, text in zip(units, texts, strict=True)]


def numbered(facts: list[str]) -> str:
    return "\n".join(f"[{i}] {fact}" for i, fact in enumerate(facts, 1))


def tidy(sentence: str) -> str:
    """A model sentence without Markdown, citation marks or an "Answer:" label."""
    sentence = _CITATION.sub("", clean_markdown(sentence))
    sentence = re.sub(r"^(answer|response)\s*:\s*", "", sentence, flags=re.I)
    return sentence.strip()
