import pytest

from bot.grounding import Fact, GroundingGuard

SOURCES = [
    "Deep learning is a subset of machine learning, and both are subsets of artificial intelligence.",
    "As a rule, machine learning requires less computing power than deep learning.",
    "Dropout randomly switches off about 50% of the hidden units during each training step.",
    "ReLU does not saturate for positive inputs.",
    "Hyperparameters are set by the practitioner before training begins.",
    "Bagging, short for bootstrap aggregating, trains copies of one algorithm on bootstrap samples.",
]


def facts(embedder):
    vectors = embedder.embed(SOURCES)
    return [Fact(text, vector, f"chunk{i}") for i, (text, vector) in enumerate(zip(SOURCES, vectors, strict=True))]


@pytest.fixture
def rules_only(fake_embedder):
    """Similarity and overlap floors at zero: only the meaning rules decide."""
    return GroundingGuard(fake_embedder, min_similarity=0.0, min_overlap=0.0), facts(fake_embedder)


@pytest.mark.parametrize(
    "sentence, reason",
    [
        ("Deep learning is not a subset of machine learning.", "negation differs"),
        ("Machine learning is a subset of deep learning.", "comparison reversed"),
        ("Deep learning requires less computing power than machine learning.", "comparison reversed"),
        ("Machine learning requires more computing power than deep learning.", "comparison reversed"),
        ("Dropout switches off about 80% of the hidden units during training.", "number not in sources"),
        ("ReLU saturates for positive inputs.", "negation differs"),
        ("Dropout switches off about 50% of the hidden units at Google in each step.", "named term not in sources"),
        ("Parameters are set by the practitioner before training begins.", "subject not in sources"),
        ("Boosting, short for bootstrap aggregating, trains copies of one algorithm.", "subject not in sources"),
        ("Dropout was introduced by researchers in Toronto for hidden units.", "words not in sources"),
        ("Bagging trains copies of one algorithm, and bagging trains copies of samples.", "words not in sources"),
        ("Yes.", "fragment"),
    ],
)
def test_meaning_changes_are_rejected(rules_only, sentence, reason):
    guard, given = rules_only
    verdict = guard.check(sentence, given)
    assert not verdict.supported
    assert verdict.reason == reason


@pytest.mark.parametrize(
    "sentence",
    [
        "Deep learning is a subset of machine learning.",
        "Machine learning requires less computing power than deep learning.",
        "Dropout switches off about 50% of the hidden units in each training step.",
        "ReLU does not saturate for positive inputs.",
    ],
)
def test_faithful_restatements_pass_the_rules(rules_only, sentence):
    guard, given = rules_only
    assert guard.check(sentence, given).supported


def test_a_join_cannot_drop_the_negation_of_its_second_fact(fake_embedder):
    guard = GroundingGuard(fake_embedder, min_similarity=0.0, min_overlap=0.0)
    given = facts(fake_embedder)
    verdict = guard.check("ReLU saturates for positive inputs, and dropout switches off hidden units.", given)
    assert not verdict.supported


def test_words_outside_the_sources_are_rejected(fake_embedder):
    guard = GroundingGuard(fake_embedder, min_similarity=0.0, min_overlap=0.75)
    verdict = guard.check("Dropout is a famous cooking technique from Italian kitchens.", facts(fake_embedder))
    assert verdict.reason == "words not in sources"


@pytest.mark.model
def test_real_embeddings_reject_unrelated_and_keep_paraphrases(real_models):
    embedder, _ = real_models
    guard = GroundingGuard(embedder, min_similarity=0.72, min_overlap=0.75)
    given = facts(embedder)
    assert guard.check("Deep learning is a subset of machine learning.", given).supported
    assert not guard.check("Deep learning is less computationally intensive than machine learning.", given).supported
    assert not guard.check("Neural networks were invented in the 1950s by psychologists.", given).supported


# Model sentences that passed the earlier guard and an independent grounding check, and were wrong.
SLIPPED_PAST = [
    (
        "An embedding in deep learning is a neural network that maps each category to a dense vector that is "
        "trained together with a neural network.",
        [
            "Learned embeddings map each category to a dense vector that is trained together with a neural network.",
            "A deep neural network is simply a neural network with many hidden layers.",
        ],
        None,
    ),
    (
        "Dropout prevents co-adaptation, where neurons learn useful features on their own instead of fixing each "
        "other's mistakes.",
        [
            "Dropout prevents co-adaptation, where neurons learn to fix each other's mistakes instead of learning "
            "useful features on their own.",
            "Dropout can be seen as training a huge ensemble of thinned networks that share weights.",
        ],
        None,  # any rejection: the roles around "instead of" are swapped
    ),
    (
        "Clustering is an unsupervised algorithm that divides unlabelled data into k groups, placing each point in "
        "the cluster whose centre is nearest.",
        [
            "K-means clustering is an unsupervised algorithm that splits unlabelled data into k groups, placing each "
            "point in the cluster whose centre is nearest.",
            "Clustering is the unsupervised task of grouping data points so that similar points share a group.",
        ],
        None,
    ),
    (
        "Time series is a sequence of observations indexed by time, which is a fundamental assumption of ordinary "
        "regression.",
        [
            "A time series is a sequence of observations indexed by time, such as daily sales or hourly temperature.",
            "Time series observations are not independent, which breaks a basic assumption of ordinary regression.",
        ],
        None,
    ),
    (
        "Classification predicts a discrete class, whereas regression is used as a classification model.",
        [
            "Classification predicts a discrete class, while regression predicts a continuous number.",
            "Logistic regression is a classification model despite its name.",
        ],
        None,
    ),
]


@pytest.mark.parametrize("sentence, sources, reason", SLIPPED_PAST)
def test_sentences_that_slipped_past_the_old_guard_are_rejected(fake_embedder, sentence, sources, reason):
    guard = GroundingGuard(fake_embedder, min_similarity=0.0, min_overlap=0.0)
    vectors = fake_embedder.embed(sources)
    given = [Fact(text, vector, f"c{i}") for i, (text, vector) in enumerate(zip(sources, vectors, strict=True))]
    verdict = guard.check(sentence, given)
    assert not verdict.supported, verdict
    if reason:
        assert verdict.reason == reason


@pytest.mark.parametrize(
    "sentence, sources",
    [
        (
            "Precision is the fraction of positive predictions that are truly positive.",
            ["Precision is TP / (TP + FP), the fraction of positive predictions that are truly positive."],
        ),
        (
            "Bagging trains models in parallel to reduce variance, while boosting trains them in sequence to reduce "
            "bias.",
            [
                "Bagging trains independent models in parallel to reduce variance.",
                "Boosting trains models in sequence, each correcting the last, to reduce bias.",
            ],
        ),
    ],
)
def test_faithful_trims_and_joins_pass(fake_embedder, sentence, sources):
    guard = GroundingGuard(fake_embedder, min_similarity=0.0, min_overlap=0.0)
    vectors = fake_embedder.embed(sources)
    given = [Fact(text, vector, f"c{i}") for i, (text, vector) in enumerate(zip(sources, vectors, strict=True))]
    assert guard.check(sentence, given).supported


def test_each_clause_must_come_from_one_fact_and_keep_its_subject():
    from bot.grounding import _clause_problem

    embedding, network = SLIPPED_PAST[0][1]
    assert _clause_problem(SLIPPED_PAST[0][0], [embedding, network]) == "clause not in one fact"
    k_means = SLIPPED_PAST[2][1][0]
    assert _clause_problem(SLIPPED_PAST[2][0], [k_means]) == "subject changed"
    assert _clause_problem("Machine learning requires less computing power than deep learning.", [SOURCES[1]]) is None
