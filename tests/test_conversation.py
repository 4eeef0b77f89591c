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


def test_a_later_part_that_repeats_a_word_of_the_first_leans_on_it():
    from bot.conversation import Conversation, Turn, repeats_a_word

    conversation = Conversation()
    conversation.add(Turn("How do we choose k in k-fold cross-validation?", "", "k-fold cross-validation"))
    assert repeats_a_word("What's your favorite k?", conversation)
    assert not repeats_a_word("What is dropout?", conversation)
    assert not repeats_a_word("whats going on in Paris?", conversation)  # no shared word but filler
    assert not repeats_a_word("What's your favorite k?", Conversation())
