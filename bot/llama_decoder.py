"""A lean decoder for Llama-architecture models (SmolLM2), without the transformers runtime.

transformers spends most of a small model's decode step in Python around the arithmetic (cache objects,
masks, hooks). This module does only the arithmetic: fused QKV and gate/up projections, rotary embeddings
from a precomputed table, a preallocated KV cache and PyTorch's fused attention. Weights come from the
safetensors folder that `generation.py` caches once from the GGUF file, and can be stored as int8 with one
scale per output channel (weight-only quantization: activations stay bfloat16), which halves the memory
read per token again. Loading needs only torch, safetensors, tokenizers and jinja2.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import torch
import torch.nn.functional as F  # noqa: N812 - the usual name

from bot.decoding import decoded_pieces, greedy
from bot.model_cache import read_config

DTYPES = ("float32", "bfloat16", "int8", "int4")
INT4_GROUP = 32  # the block size of GGUF's 4-bit formats: Q4 weights re-quantize almost exactly


class Linear:
    """y = x W^T, with W in float32, bfloat16, int8 with per-output-channel scales, or int4 in groups of 32."""

    def __init__(self, weight: torch.Tensor, mode: str) -> None:
        self.int8 = mode == "int8"
        self.int4 = mode == "int4" and weight.shape[1] % INT4_GROUP == 0
        if self.int4:
            rows, columns = weight.shape
            groups = weight.float().view(rows, columns // INT4_GROUP, INT4_GROUP)
            low, high = groups.amin(-1, keepdim=True), groups.amax(-1, keepdim=True)
            scale = (high - low).clamp(min=1e-8) / 15
            codes = torch.round((groups - low) / scale).clamp(0, 15).to(torch.int32).view(rows, columns)
            self.weight = torch.ops.aten._convert_weight_to_int4pack_for_cpu(codes, 1)
            # The kernel computes (code - 8) * scale + zero, so zero sits eight steps above the group minimum.
            zero = low + 8 * scale
            self.scales = torch.stack([scale[..., 0], zero[..., 0]], dim=-1).transpose(0, 1).contiguous()
            self.scales = self.scales.to(torch.bfloat16)
        elif self.int8 or mode == "int4":
            self.int8 = True
            weight = weight.float()
            scales = weight.abs().amax(dim=1).clamp(min=1e-8) / 127.0
            self.weight = torch.round(weight / scales[:, None]).clamp(-127, 127).to(torch.int8).contiguous()
            self.scales = scales.to(torch.bfloat16)
        else:
            self.weight = weight.to(getattr(torch, mode)).contiguous()
        self.input_dtype = torch.float32 if mode == "float32" else torch.bfloat16

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        x = x.to(self.input_dtype)
        if self.int4:
            return torch.ops.aten._weight_int4pack_mm_for_cpu(x, self.weight, INT4_GROUP, self.scales)
        if self.int8:
            return torch.ops.aten._weight_int8pack_mm(x, self.weight, self.scales)
        return x @ self.weight.T


class Block(NamedTuple):
    """One transformer layer: attention (with its RMS norm) then the gated MLP (with its RMS norm)."""

    attention_norm: torch.Tensor
    qkv: Linear  # the query, key and value projections fused into one product
    out: Linear
    mlp_norm: torch.Tensor
    gate_up: Linear  # the MLP's gate and up projections fused
    down: Linear


class LlamaDecoder:
    def __init__(self, folder: Path, mode: str = "bfloat16", max_positions: int = 2048) -> None:
        from safetensors import safe_open
        from tokenizers import Tokenizer

        if mode not in DTYPES:
            raise ValueError(f"unknown decoder dtype {mode!r}; use one of {', '.join(DTYPES)}")
        config = read_config(folder / "config.json", required=True)
        if config.get("model_type") != "llama":
            raise ValueError(f"{folder} is a {config.get('model_type')} model, not llama")
        # Tensors are read one at a time, so the float32 file never sits in memory whole next to its int4 copy.
        weights = safe_open(str(folder / "model.safetensors"), framework="pt")
        # Matrix products run in the weights' format; the residual stream, norms, rotary embedding, KV cache and
        # attention stay float32, where PyTorch's small CPU kernels are fastest and rounding does not add up.
        state = torch.float32
        self.heads = config["num_attention_heads"]
        self.kv_heads = config["num_key_value_heads"]
        self.head_dim = config.get("head_dim") or config["hidden_size"] // self.heads
        self.eps = config["rms_norm_eps"]
        self.max_positions = max_positions
        layers = config["num_hidden_layers"]

        def w(name: str) -> torch.Tensor:
            return weights.get_tensor(name)

        self.layers: list[Block] = []
        for i in range(layers):
            p = f"model.layers.{i}."
            qkv = torch.cat([w(p + f"self_attn.{n}_proj.weight") for n in ("q", "k", "v")])
            gate_up = torch.cat([w(p + "mlp.gate_proj.weight"), w(p + "mlp.up_proj.weight")])
            self.layers.append(
                Block(
                    attention_norm=w(p + "input_layernorm.weight").to(state),
                    qkv=Linear(qkv, mode),
                    out=Linear(w(p + "self_attn.o_proj.weight"), mode),
                    mlp_norm=w(p + "post_attention_layernorm.weight").to(state),
                    gate_up=Linear(gate_up, mode),
                    down=Linear(w(p + "mlp.down_proj.weight"), mode),
                )
            )
        self.embedding = w("model.embed_tokens.weight").to(torch.bfloat16 if mode != "float32" else state)
        self.final_norm = w("model.norm.weight").to(state)
        # GGUF keeps the token table at 8 bits (Q8_0): the output head stays int8 when the projections go to int4.
        head_mode = "int8" if mode == "int4" else mode
        names = set(weights.keys())
        head = "lm_head.weight" if "lm_head.weight" in names else "model.embed_tokens.weight"  # tied when absent
        self.lm_head = Linear(w(head), head_mode)

        theta = (config.get("rope_parameters") or {}).get("rope_theta") or config.get("rope_theta", 10000.0)
        inv_freq = 1.0 / (theta ** (torch.arange(0, self.head_dim, 2, dtype=torch.float32) / self.head_dim))
        angles = torch.outer(torch.arange(max_positions, dtype=torch.float32), inv_freq)
        angles = torch.cat([angles, angles], dim=-1)
        self.cos, self.sin = angles.cos(), angles.sin()
        shape = (layers, 1, self.kv_heads, max_positions, self.head_dim)
        self.keys = torch.zeros(shape, dtype=state)
        self.values = torch.zeros(shape, dtype=state)

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.template, specials = _chat_template(folder)
        self.bos, self.eos = specials.get("bos_token", ""), specials.get("eos_token", "")
        generation = read_config(folder / "generation_config.json")
        eos_ids = generation.get("eos_token_id", config.get("eos_token_id"))
        self.stop_ids = set(eos_ids if isinstance(eos_ids, list) else [eos_ids]) - {None}

    def prompt_ids(self, messages: list[dict[str, str]], prefix: str = "") -> list[int]:
        """The chat prompt's token ids; `prefix` is the start of the assistant's reply, already written."""
        text = self.template.render(
            messages=messages, add_generation_prompt=True, bos_token=self.bos, eos_token=self.eos
        )
        return self.tokenizer.encode(text + prefix, add_special_tokens=False).ids

    @torch.inference_mode()
    def log_likelihood(self, context: str, continuation: str) -> float:
        """Mean log-probability per token of `continuation` right after `context` (plain text)."""
        context_ids = self.tokenizer.encode(context, add_special_tokens=False).ids
        target_ids = self.tokenizer.encode(continuation, add_special_tokens=False).ids
        ids = (context_ids + target_ids)[-self.max_positions :]
        logits = self._forward(torch.tensor(ids), 0, last_only=False)
        targets = torch.tensor(ids[len(ids) - len(target_ids) :])
        log_probs = torch.log_softmax(logits[len(ids) - len(target_ids) - 1 : -1], dim=-1)
        return float(log_probs.gather(1, targets[:, None]).mean())

    @torch.inference_mode()
    def _forward(self, ids: torch.Tensor, start: int, last_only: bool = True) -> torch.Tensor:
        """Run positions start..start+len(ids)-1 through the model; return the last position's logits (or
        every position's, for scoring a text)."""
        count = ids.shape[0]
        end = start + count
        x = self.embedding[ids].float()  # (T, hidden)
        cos, sin = self.cos[start:end], self.sin[start:end]
        q_size, kv_size = self.heads * self.head_dim, self.kv_heads * self.head_dim
        for index, block in enumerate(self.layers):
            h = F.rms_norm(x, (x.shape[-1],), block.attention_norm, self.eps)
            q, k, v = block.qkv(h).float().split([q_size, kv_size, kv_size], dim=-1)
            q = _rotate(q.view(count, self.heads, self.head_dim), cos, sin).transpose(0, 1)
            k = _rotate(k.view(count, self.kv_heads, self.head_dim), cos, sin).transpose(0, 1)
            self.keys[index, 0, :, start:end] = k
            self.values[index, 0, :, start:end] = v.view(count, self.kv_heads, self.head_dim).transpose(0, 1)
            attention = F.scaled_dot_product_attention(
                q.unsqueeze(0),
                self.keys[index, :, :, :end],
                self.values[index, :, :, :end],
                is_causal=count > 1 and start == 0,
                enable_gqa=True,
            )
            x = x + block.out(attention[0].transpose(0, 1).reshape(count, q_size))
            h = F.rms_norm(x, (x.shape[-1],), block.mlp_norm, self.eps)
            gate, up = block.gate_up(h).chunk(2, dim=-1)
            x = x + block.down(F.silu(gate) * up)
        if not last_only:
            return self.lm_head(F.rms_norm(x, (x.shape[-1],), self.final_norm, self.eps)).float()
        last = F.rms_norm(x[-1:], (x.shape[-1],), self.final_norm, self.eps)
        return self.lm_head(last)[0].float()

    def generate(self, prompt: list[int], max_new_tokens: int) -> Iterator[int]:
        """Greedy decoding, one token id at a time."""
        prompt = prompt[-(self.max_positions - max_new_tokens) :]
        position = len(prompt)

        def step(token: int) -> torch.Tensor:
            nonlocal position
            logits = self._forward(torch.tensor([token]), position)
            position += 1
            return logits

        return greedy(lambda: self._forward(torch.tensor(prompt), 0), step, self.stop_ids, max_new_tokens)

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, prefix: str = "") -> Iterator[str]:
        ids = self.prompt_ids(messages, prefix)
        return decoded_pieces(self.generate(ids, max_new_tokens), self.tokenizer.decode)


def _rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotary position embedding in the half-split layout that the converted weights use."""
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos[:, None, :] + rotated * sin[:, None, :]


def _chat_template(folder: Path):
    import jinja2

    config = read_config(folder / "tokenizer_config.json")
    source = (folder / "chat_template.jinja").read_text() if (folder / "chat_template.jinja").is_file() else None
    source = source or config.get("chat_template")
    if not source:
        raise ValueError(f"{folder} has no chat template")
    environment = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    specials = {k: v for k, v in config.items() if k in ("bos_token", "eos_token") and isinstance(v, str)}
    return environment.from_string(source), specials
