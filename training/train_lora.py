"""Fine-tune SmolLM2-135M-Instruct with LoRA to compose answers from numbered facts, on the CPU.

Each example is a question, numbered facts from our notes, and an answer that starts with fact [1] (the lead
the bot shows at once) and goes on with sentences that use only the facts, each ending in the numbers of the
facts it uses. The loss covers only what follows the lead, which is what the model writes at run time.

    pip install -e '.[train]'      # peft
    python training/train_lora.py --data training/data/composer-train.jsonl     # -> bot/adapters/composer

The base weights are the bundled GGUF file, de-quantized once by the bot's own conversion cache. The adapter
(a few MB) is what the bot merges into those weights before it quantizes them for the lean decoder.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LORA_RANK = 8
LORA_ALPHA = 16
LORA_DROPOUT = 0.05
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
MAX_TOKENS = 640  # longer examples are skipped, not cut: a cut answer would teach the model to stop mid-way


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "training" / "data" / "composer-train.jsonl")
    parser.add_argument("--out", type=Path, default=ROOT / "bot" / "adapters" / "composer")
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--batch", type=int, default=8, help="examples per optimizer step (gradient accumulation)")
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--threads", type=int, default=0, help="0: the cores this process may use")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--base", type=Path, default=None, help="a transformers model folder (default: the GGUF)")
    parser.add_argument("--seed", type=int, default=13)
    arguments = parser.parse_args()

    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from bot.composer_role import composer_messages

    torch.manual_seed(arguments.seed)
    random.seed(arguments.seed)
    torch.set_num_threads(arguments.threads or len(os.sched_getaffinity(0)))
    base = arguments.base or _converted_base()
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32, local_files_only=True)
    model = get_peft_model(
        model,
        LoraConfig(
            r=LORA_RANK,
            lora_alpha=LORA_ALPHA,
            lora_dropout=LORA_DROPOUT,
            target_modules=TARGETS,
            task_type="CAUSAL_LM",
        ),
    ).to(arguments.device)
    model.print_trainable_parameters()

    examples = []
    for line in arguments.data.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        ids, labels = _encode(tokenizer, composer_messages(record["question"], record["facts"]), record)
        if len(ids) <= MAX_TOKENS:
            examples.append((ids, labels))
    print(f"{len(examples)} examples", flush=True)

    steps = math.ceil(len(examples) * arguments.epochs / arguments.batch)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=arguments.lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / 20) * max(0.0, 1 - step / steps)
    )
    model.train()
    started = time.perf_counter()
    order: list[int] = []
    for step in range(steps):
        total = 0.0
        for _ in range(arguments.batch):
            if not order:
                order = list(range(len(examples)))
                random.shuffle(order)
            ids, labels = examples[order.pop()]
            output = model(
                input_ids=torch.tensor([ids], device=arguments.device),
                labels=torch.tensor([labels], device=arguments.device),
            )
            (output.loss / arguments.batch).backward()
            total += float(output.loss) / arguments.batch
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % 10 == 0 or step == steps - 1:
            elapsed = time.perf_counter() - started
            print(f"step {step + 1}/{steps} loss {total:.3f} {elapsed:.0f}s", flush=True)
    arguments.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(arguments.out)
    _halve(arguments.out / "adapter_model.safetensors")
    (arguments.out / "training.json").write_text(
        json.dumps(
            {
                "examples": len(examples),
                "epochs": arguments.epochs,
                "batch": arguments.batch,
                "lr": arguments.lr,
                "rank": LORA_RANK,
                "alpha": LORA_ALPHA,
                "targets": TARGETS,
                "device": arguments.device,
                "threads": torch.get_num_threads(),
                "seconds": round(time.perf_counter() - started),
            },
            indent=1,
        )
    )
    print(f"adapter saved to {arguments.out} after {time.perf_counter() - started:.0f}s")


def _encode(tokenizer, messages: list[dict[str, str]], record: dict) -> tuple[list[int], list[int]]:
    """Token ids of prompt + lead + continuation; labels are -100 except on the continuation and its end."""
    prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    lead = record["facts"][0]
    continuation = record["continuation"].strip()
    prefix_ids = tokenizer(prompt + lead, add_special_tokens=False)["input_ids"]
    full_ids = tokenizer(
        prompt + lead + (" " + continuation if continuation else "") + "<|im_end|>", add_special_tokens=False
    )["input_ids"]
    labels = [-100] * len(prefix_ids) + full_ids[len(prefix_ids) :]
    return full_ids, labels


def _halve(path: Path) -> None:
    """Store the adapter in float16: half the size in the repository; the merge computes in float32."""
    from safetensors.torch import load_file, save_file

    tensors = {name: tensor.half() for name, tensor in load_file(str(path)).items()}
    save_file(tensors, str(path), metadata={"format": "pt"})


def _converted_base() -> Path:
    from bot.model_cache import bundled_gguf, converted_gguf
    from bot.settings import Settings

    gguf = bundled_gguf()
    if gguf is None:
        raise SystemExit("the bundled model is not installed; run `make setup`")
    return converted_gguf(gguf, Settings().cache_dir)


if __name__ == "__main__":
    main()
