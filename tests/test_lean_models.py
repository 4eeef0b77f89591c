"""The lean encoder and decoder must compute what the reference libraries compute."""

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.model


def test_lean_encoder_matches_sentence_transformers():
    from bot.embedding import LeanEmbedder, SentenceTransformerEmbedder

    texts = ["What is overfitting?", "Dropout switches off random units during training. " * 40, "ok"]
    lean, reference = LeanEmbedder().embed(texts), SentenceTransformerEmbedder().embed(texts)
    assert lean.shape == reference.shape
    assert np.allclose(lean, reference, atol=1e-4)
    assert np.allclose(np.linalg.norm(lean, axis=1), 1.0, atol=1e-5)


def test_int8_question_vectors_stay_close_to_the_reference():
    import json

    from bot.embedding import LeanEmbedder, SentenceTransformerEmbedder
    from tests.conftest import DATA

    questions = [json.loads(line)["question"] for line in (DATA / "golden.jsonl").read_text().splitlines()][::4]
    cosines = (LeanEmbedder(int8=True).embed(questions) * SentenceTransformerEmbedder().embed(questions)).sum(axis=1)
    assert cosines.min() > 0.98 and cosines.mean() > 0.99


@pytest.mark.parametrize("dtype, tolerance", [("float32", 1e-3), ("bfloat16", 1.5), ("int8", 2.5)])
def test_lean_decoder_matches_transformers(dtype, tolerance):
    from transformers import AutoModelForCausalLM

    from bot.llama_decoder import LlamaDecoder
    from bot.model_cache import bundled_gguf, converted_gguf
    from bot.settings import Settings

    folder = converted_gguf(bundled_gguf(), Settings().cache_dir)
    decoder = LlamaDecoder(folder, dtype)
    messages = [{"role": "user", "content": "Facts:\n[1] Dropout reduces overfitting.\n\nWhat is dropout?"}]
    ids = decoder.prompt_ids(messages)
    reference = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    with torch.inference_mode():
        expected = reference(torch.tensor([ids])).logits[0, -1]
    logits = decoder._forward(torch.tensor(ids), 0).float()
    assert int(logits.argmax()) == int(expected.argmax())
    assert (logits - expected).abs().max() < tolerance


def test_lean_decoder_cache_gives_the_same_tokens_as_full_passes():
    from transformers import AutoModelForCausalLM

    from bot.llama_decoder import LlamaDecoder
    from bot.model_cache import bundled_gguf, converted_gguf
    from bot.settings import Settings

    folder = converted_gguf(bundled_gguf(), Settings().cache_dir)
    decoder = LlamaDecoder(folder, "float32")
    ids = decoder.prompt_ids([{"role": "user", "content": "Name one use of a convolutional neural network."}])
    tokens = list(decoder.generate(ids, 8))
    assert tokens
    reference = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    with torch.inference_mode():
        full = reference(torch.tensor([ids + tokens])).logits[0, len(ids) - 1 : -1].argmax(-1).tolist()
    assert tokens == full
