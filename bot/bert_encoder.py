"""A lean BERT sentence encoder for all-MiniLM-L6-v2, without importing sentence-transformers.

Importing sentence-transformers (and transformers behind it) costs seconds at every start, while encoding
one short question is a few milliseconds of arithmetic. This encoder runs the same weights the same way
(BERT layers, mean pooling over real tokens, unit length), and a test holds its vectors to the
sentence-transformers ones. Index builds still use sentence-transformers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 - the usual name

from bot.model_cache import read_config


class _Int8Linear:
    """Dynamic int8 linear layer (fbgemm): weights int8 per output channel, activations quantized per call.

    About three times faster than float32 for a question's handful of tokens; the vectors stay within
    a cosine of 0.99 of the float32 ones (checked by a test).
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # quantized-tensor constructors warn about a future redesign
            scales = weight.abs().amax(dim=1).clamp(min=1e-8) / 127.0
            zero_points = torch.zeros(weight.shape[0], dtype=torch.long)
            quantized = torch.quantize_per_channel(weight, scales, zero_points, 0, torch.qint8)
            self._packed = torch.ops.quantized.linear_prepack(quantized, bias)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        return torch.ops.quantized.linear_dynamic(x.reshape(-1, shape[-1]), self._packed).view(*shape[:-1], -1)


class _Float32Linear:
    def __init__(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        self.weight, self.bias = weight, bias

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight, self.bias)


class EncoderLayer(NamedTuple):
    """One BERT layer: self-attention and its post-norm, then the GELU MLP and its post-norm."""

    qkv: Callable  # the query, key and value projections fused
    out: Callable
    attention_norm: tuple[torch.Tensor, torch.Tensor]  # LayerNorm weight and bias
    up: Callable
    down: Callable
    output_norm: tuple[torch.Tensor, torch.Tensor]


class BertSentenceEncoder:
    def __init__(self, folder: Path, int8: bool = False) -> None:
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        config = read_config(folder / "config.json", required=True)
        if config.get("model_type") != "bert":
            raise ValueError(f"{folder} is a {config.get('model_type')} model, not bert")
        sentence_config = read_config(folder / "sentence_bert_config.json")
        pooling = read_config(folder / "1_Pooling" / "config.json")
        if pooling and not pooling.get("pooling_mode_mean_tokens", False):
            raise ValueError(f"{folder} does not use mean pooling")
        self.max_length = int(sentence_config.get("max_seq_length", 256))
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        self.dimension = config["hidden_size"]
        weights = {k.removeprefix("bert."): v.float() for k, v in load_file(str(folder / "model.safetensors")).items()}

        def w(name: str) -> torch.Tensor:
            return weights[name]

        self.word = w("embeddings.word_embeddings.weight")
        self.position = w("embeddings.position_embeddings.weight")
        self.token_type = w("embeddings.token_type_embeddings.weight")[0]
        self.embedding_norm = (w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
        linear = _Int8Linear if int8 and "fbgemm" in torch.backends.quantized.supported_engines else _Float32Linear
        self.layers: list[EncoderLayer] = []
        for i in range(config["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            qkv_weight = torch.cat([w(p + f"attention.self.{n}.weight") for n in ("query", "key", "value")])
            qkv_bias = torch.cat([w(p + f"attention.self.{n}.bias") for n in ("query", "key", "value")])
            self.layers.append(
                EncoderLayer(
                    qkv=linear(qkv_weight, qkv_bias),
                    out=linear(w(p + "attention.output.dense.weight"), w(p + "attention.output.dense.bias")),
                    attention_norm=(
                        w(p + "attention.output.LayerNorm.weight"),
                        w(p + "attention.output.LayerNorm.bias"),
                    ),
                    up=linear(w(p + "intermediate.dense.weight"), w(p + "intermediate.dense.bias")),
                    down=linear(w(p + "output.dense.weight"), w(p + "output.dense.bias")),
                    output_norm=(w(p + "output.LayerNorm.weight"), w(p + "output.LayerNorm.bias")),
                )
            )
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_length)
        self.tokenizer.enable_padding(pad_id=config.get("pad_token_id", 0))

    @torch.inference_mode()
    def encode(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in encodings])
        mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.bool)
        batch, length = ids.shape
        x = self.word[ids] + self.position[:length] + self.token_type
        x = F.layer_norm(x, (self.dimension,), *self.embedding_norm, self.eps)
        attention_mask = mask[:, None, None, :]
        head_dim = self.dimension // self.heads
        for layer in self.layers:
            q, k, v = layer.qkv(x).view(batch, length, 3, self.heads, head_dim).permute(2, 0, 3, 1, 4)
            attended = F.scaled_dot_product_attention(q, k, v, attn_mask=attention_mask)
            attended = attended.transpose(1, 2).reshape(batch, length, self.dimension)
            x = F.layer_norm(x + layer.out(attended), (self.dimension,), *layer.attention_norm, self.eps)
            x = F.layer_norm(x + layer.down(F.gelu(layer.up(x))), (self.dimension,), *layer.output_norm, self.eps)
        weights = mask.unsqueeze(-1).float()
        pooled = (x * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return F.normalize(pooled, dim=-1).numpy().astype(np.float32)
