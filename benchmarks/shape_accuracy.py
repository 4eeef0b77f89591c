"""How well question shapes are recognised on the labelled set (tests/data/shapes.jsonl).

Compares the rules in `bot/shape_rules.py` with a nearest-prototype classifier on the embedder (each question
labelled like its most similar other question, leave-one-out), and prints the rules' confusions.

    python benchmarks/shape_accuracy.py [--set tests/data/shapes.jsonl] [--show]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=ROOT / "tests" / "data" / "shapes.jsonl")
    parser.add_argument("--show", action="store_true", help="print every question the rules get wrong")
    parser.add_argument("--no-embedder", action="store_true", help="skip the nearest-prototype comparison")
    arguments = parser.parse_args()

    from bot.shape_rules import classify

    rows = [json.loads(line) for line in arguments.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    predicted = [classify(r["question"]).shape.value for r in rows]
    right = sum(p == r["shape"] for p, r in zip(predicted, rows, strict=True))
    print(f"rules: {right}/{len(rows)} = {right / len(rows):.1%}")
    confusions = Counter((r["shape"], p) for p, r in zip(predicted, rows, strict=True) if p != r["shape"])
    for (truth, guess), count in confusions.most_common(8):
        print(f"  {truth} -> {guess}: {count}")
    if arguments.show:
        for p, r in zip(predicted, rows, strict=True):
            if p != r["shape"]:
                print(f"  [{r['shape']} -> {p}] {r['question']}")
    if arguments.no_embedder:
        return
    import numpy as np

    from bot.embedding import make_embedder
    from bot.settings import Settings

    embedder = make_embedder(Settings().embedding())
    vectors = embedder.embed([r["question"] for r in rows])
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -1.0)
    nearest = similarity.argmax(axis=1)
    right = sum(rows[int(j)]["shape"] == r["shape"] for j, r in zip(nearest, rows, strict=True))
    print(f"nearest prototype (embedder, leave-one-out): {right}/{len(rows)} = {right / len(rows):.1%}")


if __name__ == "__main__":
    main()
