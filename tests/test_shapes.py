"""Question shapes and topics: the labelled set's accuracy, the parts of two-part questions, comparison sides."""

import json

import pytest

from bot.question_asks import asks_remedy
from bot.question_parsing import comparison_sides, context_split, excluded_phrase, split_parts
from bot.shape_rules import classify
from bot.shapes import Shape
from tests.conftest import DATA

# Measured with benchmarks/shape_accuracy.py; the test keeps the rules from sliding back.
MIN_SHAPE_ACCURACY = 0.98


def test_the_labelled_set_is_recognised():
    rows = [json.loads(line) for line in (DATA / "shapes.jsonl").read_text().splitlines() if line.strip()]
    assert len(rows) >= 150
    assert {r["shape"] for r in rows} == {s.value for s in Shape}
    right = sum(classify(r["question"]).shape.value == r["shape"] for r in rows)
    assert right / len(rows) >= MIN_SHAPE_ACCURACY


@pytest.mark.parametrize(
    "question, shape",
    [
        ("What are LSTMs good at?", Shape.USES),
        ("pros and cons of knn?", Shape.TRADEOFFS),
        ("what are the downsides of dropout", Shape.WEAKNESSES),
        ("Why does dropout help against overfitting?", Shape.WHY),
        ("how can i tell if my model is overfitting", Shape.HOW_TO),
        ("How can I prevent overfitting?", Shape.FIX),
        ("name some activation functions", Shape.LIST),
        ("walk me through k-means step by step", Shape.STEPS),
        ("Can logistic regression be used for multi-class problems?", Shape.YESNO),
        ("Is deep learning always better than classic machine learning?", Shape.YESNO),
        ("What’s the learning rate?", Shape.DEFINITION),
        ("What dropout rate should I pick for my network?", Shape.HOW_TO),
        ("Do you know how K-means works?", Shape.HOW_IT_WORKS),  # the question inside "do you know"
        ("Do you know any dimensionality reduction techniques?", Shape.LIST),
        ("do you know if dropout is used at test time?", Shape.YESNO),
        ("Which hyper-parameter tuning strategies do you know?", Shape.LIST),
        ("What kind of CNN architectures for classification do you know?", Shape.LIST),
        ("What are the main assumptions of linear regression?", Shape.LIST),
        ("What is the bias-variance trade-off?", Shape.DEFINITION),  # a named concept, not "trade-offs of X"
        ("If a weight is larger than another, can we say its feature matters more?", Shape.YESNO),
        ("What are common applications of k-means clustering?", Shape.USES),
        ("Possible approaches to solving the cold start problem?", Shape.LIST),
        ("my training loss isnt going down at all, what should i check", Shape.FIX),
        ("If you have many word vectors, how would you do it?", Shape.HOW_TO),
        ("whats the deal with lstm gates", Shape.DEFINITION),  # an idiom for "explain", not "deal with" (fix)
        ("how does an LSTM remember things over long sequences?", Shape.HOW_IT_WORKS),
    ],
)
def test_shapes_of_typical_questions(question, shape):
    assert classify(question).shape == shape


@pytest.mark.parametrize(
    "question, sides",
    [
        ("cnn vs rnn?", ["cnn", "rnn"]),
        ("What is the difference between bagging and boosting?", ["bagging", "boosting"]),
        ("LSTM or GRU, which one should I use?", ["lstm", "gru"]),
        (
            "how does batch normalization differ from layer normalization",
            ["batch normalization", "layer normalization"],
        ),
        ("whats the diff between word2vec and glove", ["word2vec", "glove"]),
        ("how is that different from stacking?", ["it", "stacking"]),
        # a context clause before the choice, and a longer choice that opens with "should I"
        ("my data is small, should i use xgboost or a neural net?", ["xgboost", "neural net"]),
        ("should i fine-tune bert or just few-shot prompt an llm", ["bert", "few-shot prompt llm"]),
        # "compared to" after "what's better about" or "how does", and "plain" / "vanilla" as frame words
        ("whats better about adam compared to plain sgd", ["adam", "sgd"]),
        ("how does ridge do compared with lasso", ["ridge", "lasso"]),
        # an aspect asked "compared to" something stays that aspect
        ("What are the benefits of a single decision tree compared to more complex models?", []),
    ],
)
def test_comparison_sides(question, sides):
    assert comparison_sides(question) == sides


@pytest.mark.parametrize(
    "question, parts",
    [
        ("What is linear regression? When do we use it?", ["What is linear regression?", "When do we use it?"]),
        ("What is dropout and why does it work?", ["What is dropout", "why does it work?"]),
        ("pros and cons of knn", ["pros and cons of knn"]),
        (
            "What is the difference between bagging and boosting?",
            ["What is the difference between bagging and boosting?"],
        ),
        ("what is overfitting? thanks", ["what is overfitting? thanks"]),
        # a fragment that asks nothing takes the place of the words it mirrors in the part before it
        (
            "What happens when the learning rate is too large? Too small?",
            ["What happens when the learning rate is too large?", "What happens when the learning rate is too small?"],
        ),
        ("Is dropout used in CNNs? In RNNs?", ["Is dropout used in CNNs?", "Is dropout used in RNNs?"]),
        ("Is dropout used in CNNs? In practice?", ["Is dropout used in CNNs? In practice?"]),  # a qualifier
        ("why is my model overfitting? my val loss rises?", ["why is my model overfitting? my val loss rises?"]),
    ],
)
def test_two_part_questions_are_cut_only_where_each_part_asks(question, parts):
    assert split_parts(question) == parts


def test_article_questions_are_recognised_and_their_topic_keeps_no_frame_words():
    plan = classify("According to the guide, what does ML need that DL does not?")
    assert plan.about_article
    assert "guide" not in " ".join(plan.topics)


def test_when_to_choose_each_of_two_is_one_comparison():
    question = "When would you choose K-means and when DBSCAN?"
    assert split_parts(question) == [question]
    assert comparison_sides(question) == ["k-means", "dbscan"]
    assert classify(question).shape == Shape.COMPARISON


def test_the_field_a_question_is_set_in_is_not_a_second_topic():
    assert classify("What is dropout in deep learning?").topics == ("dropout",)
    assert classify("What is the bias-variance tradeoff in machine learning?").shape == Shape.DEFINITION
    assert classify("What is machine learning?").topics == ("machine learning",)


def test_a_topic_set_inside_another_is_split_from_its_setting():
    assert context_split("what does temperature do in an llm?") == ("temperature", "llm")
    assert context_split("what is the learning rate in gradient boosting") == ("learning rate", "gradient boosting")
    # the field, and a network as such, are where every topic lives
    assert context_split("What is dropout in deep learning?") is None
    assert context_split("What is dropout in neural networks?") is None
    assert context_split("gru vs lstm in nlp?") is None  # a comparison keeps its sides


def test_a_step_of_something_is_not_a_steps_question():
    assert classify("my forecast is the input shifted by one step, what do i do").shape == Shape.FIX
    assert classify("walk me through one training step").shape == Shape.STEPS
    assert classify("What are the main mechanisms of missing data?").shape == Shape.LIST


def test_a_list_of_ways_to_deal_with_a_problem_asks_for_remedies():
    assert asks_remedy("list some ways to deal with class imbalance")
    assert asks_remedy("techniques to prevent overfitting?")
    assert not asks_remedy("list some examples of class imbalance")


def test_what_a_question_leaves_out_is_read_and_asks_for_a_list():
    assert excluded_phrase("regularization tricks for neural nets besides dropout?") == "dropout"
    assert excluded_phrase("any metrics other than accuracy, for imbalanced data") == "accuracy"
    assert excluded_phrase("what is dropout?") == ""
    assert classify("regularization tricks for neural nets besides dropout?").shape == Shape.LIST
    assert classify("where is reinforcement learning used besides games").shape == Shape.USES


def test_an_abbreviation_is_spelled_out_even_when_the_title_carries_it_in_parentheses():
    from bot.topics import TopicLexicon

    lexicon = TopicLexicon({"rag": ["Retrieval-augmented generation (RAG)", "rag"], "gans": ["GANs", "gan"]})
    assert lexicon.expand("how do i reduce hallucinations in rag") == (
        "how do i reduce hallucinations in rag (Retrieval-augmented generation (RAG))"
    )
    assert lexicon.expand("what is a gan") == "what is a gan"  # the title itself is the abbreviation
