"""Conversation memory for front ends that hold many conversations at once (the Discord bot)."""

from __future__ import annotations

from bot.conversation import ConversationMemory


def test_memory_is_bounded_and_expires():
    now = [0.0]
    memory = ConversationMemory(max_turns=2, ttl_s=60, max_conversations=3, clock=lambda: now[0])
    first = memory.get("a")
    assert memory.get("a") is first
    for key in "bcd":
        memory.get(key)
    assert len(memory) == 3 and memory.get("a") is not first  # the oldest was dropped
    now[0] = 61.0
    assert len(memory) == 0
    assert memory.get("b").max_turns == 2
