"""The model's roles without a model: citations parsed, an adapter merged exactly, greedy decoding."""

from pathlib import Path

import pytest
import torch

from bot.composer_role import composer_prefix, parse_cited
from bot.decoding import decoded_pieces, greedy


def test_citations_are_parsed_per_sentence_and_out_of_range_numbers_dropped():
    reply = " LSTMs learn long patterns in ordered data. [2] They also suit streaming work well enough. [3, 9]"
    assert parse_cited(reply, fact_count=4) == [
        ("LSTMs learn long patterns in ordered data.", [1]),
        ("They also suit streaming work well enough.", [2]),
    ]
    assert parse_cited("Too short. [2]", fact_count=4) == []  # under the minimum words of a model sentence


def test_the_composer_continues_after_the_lead_it_was_shown():
    assert composer_prefix("Dropout is a regularization technique.") == "Dropout is a regularization technique. [1]"


def test_greedy_stops_at_a_stop_token_or_the_budget():
    steps = iter([torch.tensor([0.0, 5.0, 1.0]), torch.tensor([0.0, 0.0, 9.0])])
    assert list(greedy(lambda: torch.tensor([3.0, 1.0, 0.0]), lambda _: next(steps), {2}, 10)) == [0, 1]
    assert list(greedy(lambda: torch.tensor([3.0, 1.0]), lambda _: torch.tensor([3.0, 1.0]), set(), 3)) == [0, 0, 0]


def test_a_multibyte_character_waits_for_all_its_tokens():
    table = {(1,): "a", (1, 2): "a\ufffd", (1, 2, 3): "aé"}
    pieces = list(decoded_pieces([1, 2, 3], lambda ids, skip_special_tokens: table[tuple(ids)]))
    assert pieces == ["a", "é"]


def test_a_lora_adapter_is_merged_into_the_weights_once_and_cached_by_its_digest(tmp_path: Path):
    from safetensors.torch import load_file, save_file

    from bot.model_cache import merged_with_adapter

    base = tmp_path / "base"
    base.mkdir()
    weight = torch.randn(6, 4)
    save_file(
        {"model.layers.0.self_attn.q_proj.weight": weight, "model.norm.weight": torch.ones(4)},
        str(base / "model.safetensors"),
    )
    (base / "config.json").write_text("{}")
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    a, b = torch.randn(2, 4), torch.randn(6, 2)
    prefix = "base_model.model.model.layers.0.self_attn.q_proj"
    save_file(
        {f"{prefix}.lora_A.weight": a.half(), f"{prefix}.lora_B.weight": b.half()},
        str(adapter / "adapter_model.safetensors"),
    )
    (adapter / "adapter_config.json").write_text('{"r": 2, "lora_alpha": 4}')

    merged = merged_with_adapter(base, adapter, tmp_path / "cache")
    expected = weight + (b.half().float() @ a.half().float()) * 2.0
    tensors = load_file(str(merged / "model.safetensors"))
    assert torch.allclose(tensors["model.layers.0.self_attn.q_proj.weight"], expected, atol=1e-5)
    assert torch.equal(tensors["model.norm.weight"], torch.ones(4))
    assert (merged / "config.json").is_file()
    assert merged_with_adapter(base, adapter, tmp_path / "cache") == merged  # cached: the same folder

    (adapter / "adapter_model.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ValueError, match="not a readable adapter"):
        merged_with_adapter(base, adapter, tmp_path / "other-cache")
