"""Answer times on a shared CPU: alone, beside a second answering process, and beside a full index build.

Each case answers the same questions in a fresh `mlbot ask --json` process reading stdin, and takes its own
timings_ms from the JSON (so process start-up is not counted); the noise is a second process doing real work.
It prints p50 and p99 per case, and the ratio of each p99 to the p99 alone.

The build runs as a build beside answering does in that code: with `--build gentle` (what `/reindex` and
rebuild-if-stale do since the contention fix) as `mlbot index build --full` at niceness 10 with one compute
thread; with `--build plain` in-process at full speed (how they ran before). `--root` measures another checkout
(e.g. the code before a change) with this same script.

    python benchmarks/contention.py [--questions 40] [--role join] [--build gentle|plain] [--root PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_NICENESS = 10  # as bot.runtime.BUILD_NICENESS


def questions(count: int) -> list[str]:
    lines = (ROOT / "tests" / "data" / "golden.jsonl").read_text().splitlines()
    step = max(1, len(lines) // count)
    return [json.loads(line)["question"] for line in lines[::step]][:count]


def answer_times(asked: list[str], env: dict[str, str]) -> list[float]:
    """Total answer times (ms) from one process answering every question in turn (after one warm-up)."""
    stdin = "\n".join([asked[0], *asked]) + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json"], input=stdin, text=True, capture_output=True, cwd=ROOT, env=env
    )
    if result.returncode != 0:
        raise SystemExit(f"mlbot ask failed: {result.stderr.strip()[-500:]}")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    return [r["timings_ms"]["total"] for r in records[1:]]


def noise_answering(asked: list[str], env: dict[str, str]) -> subprocess.Popen:
    """A second process answering the same questions over and over until it is stopped."""
    script = (
        "import sys, itertools\n"
        "from bot.runtime import load_service\nfrom bot.settings import Settings\n"
        "service = load_service(Settings())\n"
        f"questions = {asked!r}\n"
        "for q in itertools.cycle(questions):\n    service.answer(q)\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, env=env, stderr=subprocess.DEVNULL, start_new_session=True
    )


def noise_building(env: dict[str, str], folder: Path, gentle: bool) -> subprocess.Popen:
    """Full index builds into a scratch folder, one after another, until stopped."""
    if gentle:
        build = f"{sys.executable} -m bot index build --full --json >/dev/null 2>&1"
        gentle_env = {**env, "MLBOT_INDEX_DIR": str(folder), "MLBOT_GENERATOR_THREADS": "1"}
        return subprocess.Popen(
            ["bash", "-c", f"while true; do {build}; done"],
            cwd=ROOT,
            env=gentle_env,
            preexec_fn=lambda: os.nice(BUILD_NICENESS),  # noqa: PLW1509
            start_new_session=True,
        )
    script = (
        "import itertools\nfrom pathlib import Path\n"
        "from bot.embedding import make_embedder\nfrom bot.index import build_index\n"
        "from bot.settings import Settings\n"
        "settings = Settings()\n"
        # older checkouts passed the whole settings object
        "config = settings.embedding() if hasattr(settings, 'embedding') else settings\n"
        "embedder = make_embedder(config, for_build=True)\n"
        f"target = Path({str(folder)!r})\n"
        "for _ in itertools.count():\n    build_index(settings.knowledge_dir, target, embedder, full=True)\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, env=env, stderr=subprocess.DEVNULL, start_new_session=True
    )


def stop(noise: subprocess.Popen) -> None:
    """Stop the noise and, for a build loop, the build it is running."""
    try:
        os.killpg(noise.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        noise.terminate()
    noise.wait()


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--role", default=None, help="MLBOT_MODEL_ROLE for both processes (default: the default)")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for both processes")
    parser.add_argument("--warm-up", type=float, default=8.0, help="seconds the noise runs before measuring")
    parser.add_argument("--build", choices=["gentle", "plain"], default="gentle")
    parser.add_argument("--root", type=Path, default=None, help="the checkout to measure (default: this one)")
    arguments = parser.parse_args()
    if arguments.root is not None:
        globals()["ROOT"] = arguments.root.resolve()

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    if arguments.role:
        env["MLBOT_MODEL_ROLE"] = arguments.role
    env.update(item.split("=", 1) for item in arguments.env)
    asked = questions(arguments.questions)
    results: dict[str, list[float]] = {"alone": answer_times(asked, env)}
    scratch = Path(tempfile.mkdtemp(prefix="mlbot-contention-"))
    try:
        for case, start in (
            ("beside a second answering process", lambda: noise_answering(asked, env)),
            ("beside a full index build", lambda: noise_building(env, scratch / "index", arguments.build == "gentle")),
        ):
            noise = start()
            try:
                time.sleep(arguments.warm_up)
                results[case] = answer_times(asked, env)
            finally:
                stop(noise)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    alone_p99 = percentile(results["alone"], 0.99)
    extra = " ".join(arguments.env) or "no extra env"
    print(
        f"{ROOT}: {len(asked)} answers per case; role {arguments.role or 'default'}; build {arguments.build}; {extra}"
    )
    print("| case | p50 ms | p99 ms | p99 / p99 alone |\n|---|---|---|---|")
    for case, times in results.items():
        p99 = percentile(times, 0.99)
        print(f"| {case} | {statistics.median(times):.0f} | {p99:.0f} | {p99 / alone_p99:.1f}x |")


if __name__ == "__main__":
    main()
