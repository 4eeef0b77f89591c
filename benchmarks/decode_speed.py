"""Generator decode speed, side by side in one run: mlbot's engines against llama.cpp on the same GGUF file.

    .venv/bin/python benchmarks/decode_speed.py [--tokens 64] [--runs 3] [--threads 2] [--server]

llama-cpp-python is a benchmark-only dependency (`make bench-deps`, about five minutes to compile); without
it the llama.cpp rows are skipped. With --server, llama.cpp's OpenAI-compatible server is started on
127.0.0.1 and mlbot's `openai` backend is timed against it.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

MESSAGES = [
    {"role": "system", "content": "You rewrite facts about machine learning. Use only the numbered facts."},
    {
        "role": "user",
        "content": "Facts:\n[1] Dropout randomly switches off a fraction of units during each training step.\n"
        "[2] Dropout reduces overfitting because no unit can rely on any other single unit.\n\n"
        "Question: What is dropout?\nExplain dropout in detail, in several sentences.",
    },
]


def timed_stream(pieces) -> tuple[float, float, int]:
    """(seconds to the first piece, decode tokens per second after it, pieces)."""
    started = time.perf_counter()
    first = None
    count = 0
    for _ in pieces:
        count += 1
        if first is None:
            first = time.perf_counter()
    ended = time.perf_counter()
    first = first or ended
    rate = (count - 1) / (ended - first) if count > 1 and ended > first else 0.0
    return first - started, rate, count


def lean_engine(dtype: str, tokens: int):
    from bot.llama_decoder import LlamaDecoder
    from bot.model_cache import bundled_gguf, converted_gguf
    from bot.settings import Settings

    decoder = LlamaDecoder(converted_gguf(bundled_gguf(), Settings().cache_dir), dtype)
    prompt = decoder.prompt_ids(MESSAGES)
    decoder.stop_ids = set()  # decode exactly `tokens` tokens, like the others
    return lambda: decoder.generate(prompt, tokens)


def transformers_engine(dtype: str, tokens: int):
    from bot.generation import _TransformersDecoder
    from bot.model_cache import bundled_gguf, converted_gguf
    from bot.settings import Settings

    decoder = _TransformersDecoder(converted_gguf(bundled_gguf(), Settings().cache_dir), dtype)
    return lambda: decoder.stream(MESSAGES, tokens)


def llama_cpp_engine(threads: int, tokens: int):
    from llama_cpp import Llama

    from bot.model_cache import bundled_gguf

    model = Llama(str(bundled_gguf()), n_threads=threads, n_ctx=2048, verbose=False)
    return lambda: (
        chunk
        for chunk in model.create_chat_completion(
            MESSAGES, max_tokens=tokens, temperature=0, stream=True, logit_bias={model.token_eos(): -100.0}
        )
        if chunk["choices"][0]["delta"].get("content")
    )


def server_rows(threads: int, tokens: int, runs: int) -> list[tuple[str, str, str]]:
    from bot.generation import OpenAICompatibleGenerator
    from bot.model_cache import bundled_gguf
    from bot.settings import Settings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(bundled_gguf()), "--n_threads", str(threads)]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        generator = OpenAICompatibleGenerator(
            Settings(
                generator_backend="openai", openai_base_url=f"http://127.0.0.1:{port}/v1", openai_timeout_s=30
            ).generation()
        )
        for _ in range(100):  # wait for the server to listen
            try:
                list(generator.stream(MESSAGES, 2))
                break
            except Exception:
                time.sleep(0.2)
        results = [timed_stream(generator.stream(MESSAGES, tokens)) for _ in range(runs)]
    finally:
        server.terminate()
        server.wait(timeout=10)
    first = statistics.median(r[0] for r in results)
    rate = statistics.median(r[1] for r in results)
    return [("mlbot openai backend -> llama_cpp.server", f"{first * 1000:.0f} ms", f"{rate:.1f} pieces/s")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--server", action="store_true")
    parser.add_argument("--engines", default="transformers-bfloat16,lean-float32,lean-bfloat16,lean-int8,llama.cpp")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    rows = []
    rates: dict[str, float] = {}
    for name in args.engines.split(","):
        kind, _, dtype = name.partition("-")
        try:
            if kind == "lean":
                make = lean_engine(dtype, args.tokens)
            elif kind == "transformers":
                make = transformers_engine(dtype, args.tokens)
            else:
                make = llama_cpp_engine(args.threads, args.tokens)
        except ImportError as error:
            rows.append((name, "skipped", f"({error.name} not installed)"))
            continue
        timed_stream(make())  # warm-up
        results = [timed_stream(make()) for _ in range(args.runs)]
        rates[name] = statistics.median(r[1] for r in results)
        first = statistics.median(r[0] for r in results)
        rows.append((name, f"{first * 1000:.0f} ms", f"{rates[name]:.1f} tok/s"))
    if args.server:
        rows += server_rows(args.threads, args.tokens, args.runs)
    print(f"| engine ({args.threads} threads, {args.tokens} tokens, median of {args.runs}) | first token | decode |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if "llama.cpp" in rates:
        for name, rate in rates.items():
            if name != "llama.cpp":
                print(f"{name}: {rate / rates['llama.cpp']:.2f}x llama.cpp")


if __name__ == "__main__":
    main()
