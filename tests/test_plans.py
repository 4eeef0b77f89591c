"""Answer plans on hand-built candidates: which sentence leads and which are left out, in milliseconds."""

from __future__ import annotations

import numpy as np

from bot.candidates import Candidate
from bot.plans import plan_answer
from bot.shapes import Shape
from bot.topics import Topic

DIMENSIONS = 8


def _vector(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=DIMENSIONS)
    return vector / np.linalg.norm(vector)


def _candidate(text: str, score: float, sentence: int, **fields) -> Candidate:
    fields.setdefault("slug", "note")
    fields.setdefault("position", 0)
    return Candidate(
        text=text,
        vector=_vector(sentence + 100 * fields["position"]),
        chunk_id=f"{fields['slug']}#{fields['position']}",
        section=fields.pop("section", ""),
        sentence=sentence,
        order=(fields["position"], sentence),
        similarity=fields.pop("similarity", score),
        score=score,
        in_topic_note=True,
        **fields,
    )


def test_a_how_to_question_is_answered_by_the_list_of_methods_not_by_the_notes_opening_definition():
    opener = _candidate(
        "Categorical encoding turns categories, such as colours, cities and products, into numbers.",
        0.85,
        0,
        opens_note=True,
        cue_aspects=frozenset({Shape.LIST}),
    )
    methods = _candidate(
        "Common categorical encoding methods include:",
        0.84,
        0,
        position=1,
        items=[
            "One-hot encoding: one binary column per category.",
            "Ordinal encoding: one integer column.",
            "Target encoding: a smoothed mean of the target per category.",
        ],
        heading_aspects=frozenset({Shape.LIST}),
        cue_aspects=frozenset({Shape.LIST}),
    )
    units = plan_answer(Shape.HOW_TO, [opener, methods], [Topic("encode categorical features", frozenset({"note"}))], 4)
    assert units[0] is methods


def test_a_comparison_side_is_not_a_sentence_that_sets_it_against_a_third_topic():
    topics = [Topic("lstm", frozenset({"lstm"})), Topic("gru", frozenset({"lstm"}))]
    both = _candidate(
        "A GRU is a sensible default over an LSTM for small data, while an LSTM suits very long sequences.",
        0.9,
        0,
        slug="lstm",
        mentions=frozenset({0, 1}),
        cue_aspects=frozenset({Shape.COMPARISON}),
    )
    third = _candidate(
        "An LSTM reads tokens one at a time, while a transformer processes all positions in parallel.",
        0.8,
        1,
        slug="lstm",
        mentions=frozenset({0}),
        names_unasked=True,
        cue_aspects=frozenset({Shape.COMPARISON}),
    )
    own = _candidate("An LSTM keeps a cell state as long-term memory.", 0.7, 2, slug="lstm", mentions=frozenset({0}))
    units = plan_answer(Shape.COMPARISON, [both, third, own], topics, 4)
    assert units[0] is both and own in units and third not in units


def test_a_definition_question_prefers_the_named_notes_opening_to_a_close_uses_sentence():
    uses = _candidate(
        "Precision, recall and F1 are used to evaluate classifiers when the positive class is rare.",
        0.82,
        3,
        cue_aspects=frozenset({Shape.USES}),
    )
    opener = _candidate(
        "Precision, recall and F1 are positive-class metrics: precision is the share of predicted positives that are "
        "correct.",
        0.80,
        0,
        opens_note=True,
    )
    units = plan_answer(Shape.DEFINITION, [uses, opener], [Topic("precision classification", frozenset({"note"}))], 4)
    assert units[0] is opener


def test_a_comparison_of_several_things_held_in_one_note_is_answered_by_its_side_by_side_list():
    shared = frozenset({"gradient-descent"})
    topics = [Topic("batch gd", shared), Topic("minibatch", shared), Topic("sgd", shared)]
    side_by_side = _candidate(
        "Batch, stochastic and mini-batch gradient descent differ in how many examples estimate each gradient:",
        0.95,
        0,
        slug="gradient-descent",
        section="Batch gradient descent compared with stochastic and mini-batch gradient descent",
        items=["Batch uses the whole set.", "Stochastic uses one example.", "Mini-batch uses a small batch."],
        heading_aspects=frozenset({Shape.COMPARISON}),
    )
    naming = _candidate(
        'In deep learning libraries, the name "SGD" usually means mini-batch gradient descent.',
        0.9,
        4,
        slug="gradient-descent",
        mentions=frozenset({2}),
    )
    assert plan_answer(Shape.COMPARISON, [side_by_side, naming], topics, 4) == [side_by_side]


def test_a_when_question_is_led_by_the_sentence_that_says_when_not_by_one_under_a_when_heading():
    heading = "L1 compared with L2 regularization"
    mechanism = _candidate(
        "L1 penalizes absolute weights and zeroes some, while L2 penalizes squared weights and only shrinks them.",
        1.27,
        0,
        section=heading,
        heading_aspects=frozenset({Shape.WHEN, Shape.COMPARISON}),
        cue_aspects=frozenset({Shape.COMPARISON}),
    )
    choice = _candidate(
        "L1 is the better choice when only a few features matter, while L2 is preferred when features are correlated.",
        1.22,
        1,
        section=heading,
        heading_aspects=frozenset({Shape.WHEN, Shape.COMPARISON}),
        cue_aspects=frozenset({Shape.WHEN, Shape.COMPARISON}),
    )
    units = plan_answer(
        Shape.WHEN, [mechanism, choice], [Topic("l1 regularization instead l2", frozenset({"note"}))], 4
    )
    assert units[0] is choice


def test_a_yes_no_verdict_is_followed_only_by_what_speaks_of_the_asked_part():
    verdict = _candidate(
        "Feature scaling is not needed for decision trees, because splits depend only on the order of values.",
        0.75,
        0,
        cue_aspects=frozenset({Shape.YESNO, Shape.WHY}),
        names_rest=True,
    )
    filler = _candidate(
        "Decision trees are easy to interpret, because a small tree can be read as if-then rules.",
        0.74,
        1,
        cue_aspects=frozenset({Shape.WHY}),
        heading_aspects=frozenset({Shape.WHEN}),
    )
    topic = Topic("normalize data decision tree", frozenset({"note"}), whole=False, rest="normalize data")
    assert plan_answer(Shape.YESNO, [verdict, filler], [topic], 4) == [verdict]
