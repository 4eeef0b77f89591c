"""Greedy decoding shared by every local engine, with no torch import: a leaf module both decoders use.

An engine supplies two functions: one that reads the prompt and returns the logits of the next token, and
one that feeds a chosen token and returns the next logits. `greedy` picks the arg-max until a stop token or
the budget, and `decoded_pieces` turns token ids into text as they arrive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol


class Logits(Protocol):
    def argmax(self): ...


def greedy(
    first: Callable[[], Logits], step: Callable[[int], Logits], stop_ids: set[int], max_new_tokens: int
) -> Iterator[int]:
    """Token ids, one at a time: the most likely next token each step, until a stop token or the budget."""
    logits = first()
    for _ in range(max_new_tokens):
        token = int(logits.argmax())
        if token in stop_ids:
            return
        yield token
        logits = step(token)


def decoded_pieces(tokens: Iterable[int], decode: Callable[..., str]) -> Iterator[str]:
    """Text pieces as token ids arrive; a multi-byte character waits until all its tokens are in."""
    generated: list[int] = []
    emitted = ""
    for token in tokens:
        generated.append(token)
        text = decode(generated, skip_special_tokens=True)
        if not text.endswith("\ufffd"):
            yield text[len(emitted) :]
            emitted = text
