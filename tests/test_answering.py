"""Behaviour that depends on the real models: refusal, grounding of real answers, follow-ups, recall."""

import json

import pytest

from bot.answering import REFUSAL
from bot.conversation import Conversation, Turn, standalone_question
from bot.evaluation import evaluate, load_questions
from bot.text import InvalidQuestion, validate_question
from tests.conftest import DATA

pytestmark = pytest.mark.model


def test_headline_question_gets_a_cited_answer(real_service):
    answer = real_service.answer("What is the difference between machine learning and deep learning?")
    assert not answer.refused
    assert 1 <= len(answer.sentences) <= real_service.config.composition.answer_sentences
    assert "deep learning" in answer.answer.lower()
    cited = {cid for s in answer.sentences for cid in s.source_ids}
    assert cited and cited <= {s.id for s in answer.sources}
    assert any(s.source.startswith("knowledge/") for s in answer.sources)


@pytest.mark.parametrize(
    "question", ["What is the capital of Australia?", "Write a poem about my cat", "How do I bake bread?"]
)
def test_off_topic_questions_are_declined_politely(real_service, question):
    answer = real_service.answer(question)
    assert answer.refused
    assert answer.answer == REFUSAL
    assert answer.sources == []


def test_off_topic_turns_inside_conversations_are_declined(real_service):
    """An off-topic question after ML questions ("what's Apple's stock price right now?") must not borrow the
    conversation's topic: every off-topic turn of the conversation set is declined."""
    checked = 0
    for line in (DATA / "conversations.jsonl").read_text().splitlines():
        conversation = Conversation()
        for turn in json.loads(line)["turns"]:
            answer = real_service.answer(turn["question"], conversation=conversation)
            if turn.get("off_topic"):
                assert answer.refused, turn["question"]
                checked += 1
    assert checked >= 5


def test_a_later_part_keeps_to_the_subject_of_the_first(real_service):
    answer = real_service.answer("What is TF-IDF? How is it useful for text classification?")
    assert answer.answer.startswith("TF-IDF")
    path_of = {source.id: source.source for source in answer.sources}
    used = {path_of[source_id] for sentence in answer.sentences for source_id in sentence.source_ids}
    assert used == {"knowledge/text-representation.md"}  # not the classification note's list of uses


def test_a_term_named_by_an_alias_is_defined_by_its_own_sentence_not_the_notes_opening(real_service):
    # "adam" is an alias of the optimizers note, whose opening defines optimizers
    answer = real_service.answer("What is Adam?")
    assert answer.answer.startswith("Adam")


def test_every_answer_sentence_is_quoted_or_passed_the_guard(real_service):
    answer = real_service.answer("Why does batch normalization help training?")
    source_text = " ".join(s.text for s in answer.sources)
    for sentence in answer.sentences:
        if not sentence.generated:
            assert sentence.text in source_text
    assert answer.generated_sentences >= answer.kept_sentences


def test_followup_is_answered_about_the_previous_topic(real_service):
    conversation = Conversation(max_turns=4)
    first = real_service.answer("What is a CNN?", conversation)
    assert "convolutional" in first.sources[0].title.lower()
    followup = real_service.answer("What is it used for?", conversation)
    assert "cnn" in followup.standalone_question.lower()  # the topic as the user named it
    assert any("convolutional" in s.source or "cnn" in s.source for s in followup.sources)


def test_a_new_topic_is_not_pulled_back_to_the_previous_one(real_service):
    conversation = Conversation(max_turns=4)
    real_service.answer("What is a CNN?", conversation)
    answer = real_service.answer("How does dropout work and why is it useful?", conversation)
    assert "cnn" not in answer.standalone_question.lower()  # "it" is dropout, from the question's first part
    assert answer.sources[0].source == "knowledge/dropout.md"


def test_history_is_bounded():
    conversation = Conversation(max_turns=2)
    for i in range(5):
        conversation.add(Turn(f"q{i}", f"q{i}", f"topic {i}"))
    assert [t.question for t in conversation.turns] == ["q3", "q4"]
    assert standalone_question("Why does it matter?", conversation, lambda t: False) == "Why does topic 4 matter?"
    assert standalone_question("Why does it matter?", None, lambda t: False) == "Why does it matter?"


@pytest.mark.parametrize(
    "question, problem",
    [("", "empty"), ("   \t ", "empty"), ("x" * 1001, "limit is 1000"), ("what is \x00 ml", "control characters")],
)
def test_bad_questions_are_refused_with_one_line(question, problem):
    with pytest.raises(InvalidQuestion, match=problem):
        validate_question(question, 1000)


def test_golden_recall_and_refusal_accuracy(real_service):
    questions = load_questions(DATA / "golden.jsonl") + load_questions(DATA / "offtopic.jsonl")
    result = evaluate(real_service, questions, k=3)
    assert result.in_scope >= 80
    assert result.off_topic >= 30
    assert result.recall >= 0.9, result.misses
    assert result.refusal_accuracy >= 0.95, result.wrong_answers + result.wrong_refusals


def test_question_sets_are_well_formed():
    for name in ("golden.jsonl", "offtopic.jsonl"):
        for line in (DATA / name).read_text().splitlines():
            assert set(json.loads(line)) <= {"question", "note", "off_topic"}
