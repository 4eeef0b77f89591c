"""mlbot's speed figures on this machine, medians over repeated runs.

    .venv/bin/python benchmarks/bench.py [--questions 20] [--skip-build]

Reports: index load, retrieval per question, warm answer p50/p90 and time to first shown sentence,
cold start (a fresh `mlbot ask` process to its first answer), full and one-file incremental index
builds (on a temporary copy), and peak memory of the answering process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def golden_questions(count: int) -> list[str]:
    lines = (ROOT / "tests" / "data" / "golden.jsonl").read_text().splitlines()
    step = max(1, len(lines) // count)
    return [json.loads(line)["question"] for line in lines[::step]][:count]


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def percentile_ms(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def cold_start(question: str, runs: int) -> tuple[float, float]:
    """Wall time of a fresh process answering one question, and its peak RSS in MB."""
    times = []
    peak = 0.0
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", "--json", question],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    return statistics.median(times), peak


def builds(runs: int) -> tuple[float, float, float]:
    """Full build, and incremental build after editing one note: whole command and embedding alone."""
    from bot.embedding import SentenceTransformerEmbedder
    from bot.index import build_index

    embedder = SentenceTransformerEmbedder()
    full, incremental, embed_only = [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        knowledge = Path(scratch) / "knowledge"
        shutil.copytree(ROOT / "knowledge", knowledge)
        index_dir = Path(scratch) / "index"
        for _ in range(max(1, runs // 2)):
            report = build_index(knowledge, index_dir, embedder, full=True, show_progress=False)
            full.append(report.seconds)
        note = knowledge / "dropout.md"
        original = note.read_text()
        embed_calls: list[float] = []
        real_embed = embedder.embed

        def timed_embed(texts, **kwargs):
            started = time.perf_counter()
            try:
                return real_embed(texts, **kwargs)
            finally:
                embed_calls.append(time.perf_counter() - started)

        embedder.embed = timed_embed
        for i in range(runs):
            note.write_text(original + f"\nDropout benchmark edit number {i} adds one more sentence.\n")
            embed_calls.clear()
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "bot", "index", "build"],
                cwd=ROOT,
                check=True,
                capture_output=True,
                env={**os.environ, "MLBOT_KNOWLEDGE_DIR": str(knowledge), "MLBOT_INDEX_DIR": str(index_dir)},
            )
            incremental.append(time.perf_counter() - started)
            note.write_text(original + f"\nDropout benchmark edit number {i} is now in process.\n")
            embed_calls.clear()
            build_index(knowledge, index_dir, embedder, show_progress=False)
            embed_only.append(sum(embed_calls))
    return statistics.median(full), statistics.median(incremental), statistics.median(embed_only)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()

    from bot.index import load_index
    from bot.runtime import load_service
    from bot.settings import Settings

    settings = Settings()
    load_times = []
    for _ in range(5):
        started = time.perf_counter()
        load_index(settings.index_dir)
        load_times.append(time.perf_counter() - started)

    service = load_service(settings)
    questions = golden_questions(args.questions)
    service.answer(questions[0])  # warm-up
    retrieval, answers, first_shown = [], [], []
    for question in questions:
        started = time.perf_counter()
        service.retriever.retrieve(question)
        retrieval.append(time.perf_counter() - started)
    for question in questions:
        shown: list[float] = []
        started = time.perf_counter()
        service.answer(question, on_text=lambda _text, s=started, shown=shown: shown.append(time.perf_counter() - s))
        answers.append(time.perf_counter() - started)
        first_shown.append(shown[0] if shown else answers[-1])

    cold, peak = cold_start(questions[1], args.cold_runs)
    rows = [
        ("generator", service.generator.name),
        ("index load (median)", f"{median_ms(load_times):.0f} ms"),
        ("retrieval per question (median)", f"{median_ms(retrieval):.1f} ms"),
        ("answer, warm, full (p50)", f"{median_ms(answers):.0f} ms"),
        ("answer, warm, full (p90)", f"{percentile_ms(answers, 0.9):.0f} ms"),
        ("first sentence shown (p50)", f"{median_ms(first_shown):.0f} ms"),
        ("cold start to first answer (median)", f"{cold:.1f} s"),
        ("peak memory, ask process", f"{peak:.0f} MB"),
    ]
    if not args.skip_build:
        full, incremental, embed_only = builds(3)
        rows += [
            ("full index build (median)", f"{full:.1f} s"),
            ("one-file rebuild, whole command (median)", f"{incremental:.1f} s"),
            ("one-file rebuild, embedding only (median)", f"{embed_only * 1000:.0f} ms"),
        ]
    print(f"| figure ({len(questions)} questions, {os.cpu_count()} cores) | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
