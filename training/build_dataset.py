"""Assemble the composer's dataset from checked examples: drop the rejected, de-duplicate, split 90/10.

    python training/build_dataset.py /work/train/checked/*.jsonl
    # -> training/data/composer-train.jsonl and training/data/composer-heldout.jsonl

An example is kept when the independent check marked it "ok" or "fixed"; the held-out tenth is never trained
on and serves to judge the tuned composer's faithfulness.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
HELD_OUT = 0.1
FIELDS = ("question", "shape", "facts", "continuation")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--seed", type=int, default=5)
    arguments = parser.parse_args()

    examples, rejected, seen = [], 0, set()
    for path in arguments.files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            if not str(record.get("check", "")).startswith(("ok", "fixed")):
                rejected += 1
                continue
            key = record["question"].strip().lower()
            if key in seen:
                continue
            seen.add(key)
            examples.append({field: record[field] for field in FIELDS})
    random.Random(arguments.seed).shuffle(examples)
    cut = round(len(examples) * HELD_OUT)
    DATA.mkdir(parents=True, exist_ok=True)
    for name, part in (("composer-heldout.jsonl", examples[:cut]), ("composer-train.jsonl", examples[cut:])):
        with open(DATA / name, "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in part)
    print(
        f"{len(examples)} examples kept ({rejected} rejected by the check): {len(examples) - cut} train, {cut} held out"
    )


if __name__ == "__main__":
    main()
