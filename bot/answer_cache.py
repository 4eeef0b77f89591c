"""Recent answers to questions asked without a conversation before them, so a repeated question costs
milliseconds instead of a retrieval, a composition and perhaps a model run.

Only such "fresh" questions are cached: a follow-up's meaning depends on its conversation. The cache belongs to
one answering service, which answers from one index version; a new version (/reindex, a build published by
another process) gets a new service and so an empty cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from bot.conversation import Turn
from bot.models import Answer


def cache_key(question: str) -> str:
    """Questions that differ only in case or spacing are the same question."""
    return " ".join(question.casefold().split())


class AnswerCache:
    """A bounded least-recently-used map from a fresh question to its answer and the turn it leaves behind."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[str, tuple[Answer, Turn | None]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def get(self, question: str) -> tuple[Answer, Turn | None] | None:
        """A copy of the cached answer (callers set its timings), or None."""
        if self.size == 0:
            return None
        key = cache_key(question)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            self.hits += 1
        answer, turn = entry
        return answer.model_copy(deep=True, update={"question": question}), turn

    def put(self, question: str, answer: Answer, turn: Turn | None) -> None:
        if self.size == 0:
            return
        key = cache_key(question)
        with self._lock:
            self._entries[key] = (answer.model_copy(deep=True), turn)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
