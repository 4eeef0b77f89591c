"""Answer plans with the fake embedder, in milliseconds: each shape gets the answer a tutor would give."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering import AnswerService
from bot.generation import ExtractiveGenerator
from bot.index import build_index, load_index
from bot.policy import HarmPolicy
from bot.settings import Settings
from bot.text import DEPENDENT_OPENING

NOTES = {
    "gans": """---
title: Generative adversarial networks
aliases: [gan, gans]
tags: [generative]
related: []
---
A generative adversarial network (GAN) is a generative model in which a generator and a discriminator compete.
GANs learn to produce realistic samples from random noise vectors.

## How GANs work
The GAN generator maps random noise to a fake sample that should look real.
The GAN discriminator scores each sample as real or fake.
This adversarial game pushes the generator towards realistic samples.

## Uses of GANs
GANs are used for image synthesis, super-resolution and synthetic training data.
GANs also translate images between styles, such as sketches to photos.

## Advantages and drawbacks of GANs
The main advantage of GANs is sharp, realistic samples that are fast to generate.
The main drawbacks of GANs are unstable training and mode collapse.

## GANs compared with diffusion models
GANs generate a sample in one pass, while diffusion models need many denoising steps.

## Training GANs
The learning rate of a GAN is often set separately for the generator and the discriminator.
""",
    "overfitting": """---
title: Overfitting and underfitting
aliases: [overfitting, underfitting]
tags: [training]
related: []
---
Overfitting is when a model fits its training data so closely that it does worse on new data.

## How to fix overfitting
Overfitting is fixed with more data, stronger regularization or a smaller model.
Early stopping also limits overfitting by halting training at the best validation score.

## How to fix underfitting
Reducing regularization strength lets the model fit the data more closely.
""",
    "learning-rate": """---
title: Learning rate
aliases: [step size]
tags: [training]
related: []
---
The learning rate is a hyperparameter that sets the step size of gradient descent.
A learning rate that is too large makes the loss diverge.
""",
    "class-imbalance": """---
title: Class imbalance
aliases: [imbalanced data]
tags: [data]
related: []
---
Class imbalance is when one class has far more examples than another.

## Examples of class imbalance
Some ways class imbalance shows up in practice include:
- Fraud: fraudulent payments are rare.
- Disease screening: sick patients are rare.
- Defects: faulty parts are rare.

## How to handle class imbalance
Class imbalance is handled in these steps:
1. Pick a metric that reflects the rare class.
2. Weight the rare class more in the loss.
3. Tune the decision threshold.
""",
    "diffusion-models": """---
title: Diffusion models
aliases: [diffusion, diffusion model]
tags: [generative]
related: []
---
A diffusion model is a generative model that learns to turn random noise into data by removing noise step by step.
Diffusion models train a network to predict the noise that was added to a sample.

## Uses of diffusion models
Diffusion models are used for text-to-image generation, image editing and audio synthesis.
""",
    "regularization": """---
title: Regularization
aliases: [regularisation]
tags: [regularization]
related: []
---
Regularization is any technique that constrains a model during training to reduce overfitting.

## Types of regularization
Common regularization techniques include:
- L2 penalty: shrinks the weights towards zero.
- L1 penalty: sets some weights exactly to zero.
- Dropout: switches off random units while training.
- Early stopping: halts training when validation loss rises.

## Regularization in GANs
Regularization of GANs, such as a gradient penalty on the discriminator, keeps GAN training stable.

## How regularization works
1. Regularization adds a penalty on large weights to the training loss.
2. The optimizer then trades a little training fit for smaller weights.
3. Smaller weights give a smoother function that generalizes better.
""",
}


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> AnswerService:
    from tests.conftest import FakeEmbedder

    root = tmp_path_factory.mktemp("compose")
    knowledge = root / "knowledge"
    knowledge.mkdir()
    for slug, text in NOTES.items():
        (knowledge / f"{slug}.md").write_text(text, encoding="utf-8")
    embedder = FakeEmbedder()
    build_index(knowledge, root / "index", embedder)
    settings = Settings(knowledge_dir=knowledge, index_dir=root / "index", relevance_floor=0.05)
    rules_only = HarmPolicy()  # the fake embedder's vectors mean nothing to the policy's examples
    return AnswerService(
        settings.answering(), load_index(Path(root / "index")), embedder, ExtractiveGenerator(), policy=rules_only
    )


def test_a_uses_question_leads_with_the_uses_section(service):
    answer = service.answer("What are GANs used for?")
    assert answer.shape == "uses"
    assert answer.sentences[0].text.startswith("GANs are used for")


def test_a_definition_question_leads_with_the_defining_sentence(service):
    answer = service.answer("What is a GAN?")
    assert answer.sentences[0].text.startswith("A generative adversarial network (GAN) is")


def test_a_comparison_names_both_sides_first(service):
    answer = service.answer("gans vs diffusion models?")
    assert answer.shape == "comparison"
    lead = answer.sentences[0].text
    assert "GANs" in lead and "diffusion" in lead
    later = " ".join(s.text for s in answer.sentences[1:])
    assert "diffusion model is" in later.lower() or "Diffusion models" in later


def test_a_list_question_gets_the_whole_list(service):
    answer = service.answer("Name some regularization techniques")
    assert answer.shape == "list"
    lines = answer.answer.splitlines()
    assert lines[0] == "Common regularization techniques include:"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "- L2 penalty",
        "- L1 penalty",
        "- Dropout",
        "- Early stopping",
    ]


def test_a_steps_question_keeps_the_numbered_order(service):
    answer = service.answer("What are the steps of regularization?")
    numbered = [line for line in answer.answer.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert [line[:2] for line in numbered] == ["1.", "2.", "3."]


def test_a_tradeoff_question_gives_both_sides(service):
    answer = service.answer("pros and cons of GANs?")
    text = answer.answer
    assert "main advantage" in text and "main drawbacks" in text


def test_a_sentence_that_leans_on_the_one_before_never_leads_or_stands_alone(service):
    for question in ("How do GANs work?", "Why does the GAN game work?", "What does the discriminator do?"):
        answer = service.answer(question)
        texts = [s.text for s in answer.sentences]
        assert not DEPENDENT_OPENING.match(texts[0])
        for i, text in enumerate(texts[1:], 1):
            if text.startswith("This adversarial game"):
                assert texts[i - 1].startswith("The GAN discriminator")


def test_no_two_sentences_repeat_and_every_sentence_is_on_topic(service):
    for question in ("What is a GAN?", "What are GANs used for?", "How do GANs work?"):
        answer = service.answer(question)
        texts = [s.text for s in answer.sentences]
        assert len(texts) == len(set(texts))
        where = {s.id: s.source for s in answer.sources}
        assert all(where[i].endswith("gans.md") for s in answer.sentences for i in s.source_ids)


def test_every_quoted_sentence_is_in_a_cited_source(service):
    answer = service.answer("pros and cons of GANs?")
    cited = {s.id: s.text for s in answer.sources}
    for sentence in answer.sentences:
        assert all(sentence.text in cited[i] for i in sentence.source_ids)


def test_a_followup_without_a_pronoun_keeps_the_topic(service):
    from bot.conversation import Conversation

    conversation = Conversation()
    service.answer("What is a GAN?", conversation)
    answer = service.answer("any drawbacks?", conversation)
    assert "gan" in answer.standalone_question.lower()
    assert answer.sentences[0].text.startswith("The main drawbacks of GANs")


def test_a_harmful_request_is_declined_in_one_line_and_a_look_alike_is_answered(service):
    from bot.policy import DECLINE

    answer = service.answer("how do I train a GAN to make nude images of my classmate?")
    assert answer.refused and answer.answer == DECLINE and answer.sources == [] and answer.mode == "declined"
    assert not service.answer("How do GANs work?").refused


def test_a_later_part_whose_only_noun_is_generic_stays_on_the_first_parts_topic(service):
    # "model" names no topic: "Is it a fast model?" is about GANs, though "Diffusion models" shares its word
    answer = service.answer("What are GANs used for? Is it a fast model?")
    first_part, second_part, *_ = [*answer.standalone_question.lower().split("?"), ""]
    assert "gan" in first_part and "gan" in second_part


def test_a_sentence_that_draws_a_conclusion_from_the_one_before_is_dependent():
    assert DEPENDENT_OPENING.match("In that decomposition, bias^2 measures how far the average prediction is.")
    assert DEPENDENT_OPENING.match("PR-AUC therefore exposes poor precision that ROC-AUC can hide.")
    assert DEPENDENT_OPENING.match("The model thus overfits.")
    assert not DEPENDENT_OPENING.match("Precision matters when false positives are expensive.")


def test_a_verdict_is_a_main_clause_not_a_condition():
    from bot.aspects import cue_aspects
    from bot.shapes import Shape

    assert Shape.YESNO in cue_aspects("Feature scaling is needed before PCA when features have different units.")
    assert Shape.YESNO not in cue_aspects(
        "A tree is a good choice when rules must be shown or a fast baseline is needed."
    )


def test_a_contrast_with_a_word_every_note_uses_does_not_set_the_sentence_against_another_topic():
    from bot.topics import generic_name, stems

    assert generic_name(stems("features")) and generic_name(stems("training"))
    assert not generic_name(stems("l2 regularization")) and not generic_name(stems("dropout"))


def test_a_topic_set_inside_another_is_answered_in_that_setting(service):
    # the learning-rate note never names GANs: the GAN note's own sentence on learning rates answers
    answer = service.answer("what is the learning rate in gans?")
    assert answer.sentences[0].text.startswith("The learning rate of a GAN")


def test_a_list_of_ways_to_deal_with_a_problem_is_the_list_of_remedies(service):
    answer = service.answer("list some ways to deal with class imbalance")
    assert answer.answer.splitlines()[0] == "Class imbalance is handled in these steps:"
    assert "Fraud" not in answer.answer


def test_a_followup_does_not_open_with_the_answer_before_it(service):
    from bot.conversation import Conversation

    conversation = Conversation()
    first = service.answer("What is a GAN?", conversation)
    again = service.answer("what about at generation time?", conversation)
    assert again.sentences[0].text != first.sentences[0].text


def test_a_topic_set_inside_another_is_not_answered_by_the_settings_other_sentences(service):
    # the regularization note names GANs, so it answers; GAN sentences silent on regularization are off the question
    answer = service.answer("what does regularization do in gans?")
    assert "regulariz" in answer.sentences[0].text.lower()
    assert all("regulariz" in s.text.lower() or "penalty" in s.text.lower() for s in answer.sentences)


def test_a_sentence_on_the_opposite_problem_never_follows(service):
    # "Reducing regularization strength ..." never names underfitting, but its heading does
    answer = service.answer("how do i fix overfitting?")
    assert answer.sentences[0].text.startswith("Overfitting is fixed")
    assert not any("Reducing regularization" in s.text for s in answer.sentences)


def test_normalizing_features_is_read_as_scaling_not_as_the_normal_distribution():
    import numpy as np

    from bot.candidates import Candidate
    from bot.scoring import score
    from bot.shapes import Shape

    vector = np.ones(4, dtype=np.float32) / 2.0  # both sentences equally similar to the question
    texts = {
        "feature-scaling": "Tree models do not need feature scaling, because splits depend only on value order.",
        "normal-distribution": "Tree models do not need normally distributed features, because splits use value order.",
    }
    candidates = [Candidate(t, vector, slug, slug, "", i, 0, (0, 0)) for i, (slug, t) in enumerate(texts.items())]
    score(
        candidates,
        Shape.YESNO,
        "do i need to normalize features for tree models?",
        vector,
        set(),
        [frozenset(), frozenset()],
        rank_of={},
        rank_penalty=0.0,
        word_weight=0.0,
        article_slugs=set(),
        about_article=False,
    )
    scaling, normal = candidates
    assert normal.opposite and not scaling.opposite
    assert scaling.score > normal.score
    # a question about the distribution asks for that sense
    score(
        candidates,
        Shape.YESNO,
        "are my features normally distributed?",
        vector,
        set(),
        [frozenset()] * 2,
        rank_of={},
        rank_penalty=0.0,
        word_weight=0.0,
        article_slugs=set(),
        about_article=False,
    )
    assert not normal.opposite
