"""The grounding guard as a classifier of model sentences: precision and recall of "supported".

    python benchmarks/guard_eval.py [tests/data/guard_labels.jsonl] [--show] [--sweep]

Each line of the labelled set is {"sentence", "facts": [...], "label": "supported" | "not supported"}, labelled by
people (helpers) against the facts, blind to the guard. The guard sees the same facts, with the real embedder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SWEEP_SIMILARITY = (0.72, 0.8, 0.86, 0.9, 0.94)
SWEEP_OVERLAP = (0.75, 0.9, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path, nargs="?", default=ROOT / "tests" / "data" / "guard_labels.jsonl")
    parser.add_argument("--show", action="store_true", help="print the sentences the guard gets wrong")
    parser.add_argument("--sweep", action="store_true", help="precision and recall for stricter thresholds too")
    arguments = parser.parse_args()

    from bot.embedding import make_embedder
    from bot.grounding import guard_verdicts
    from bot.settings import Settings

    rows = [json.loads(line) for line in arguments.labels.read_text(encoding="utf-8").splitlines() if line.strip()]
    settings = Settings()
    embedder = make_embedder(settings.embedding())
    pairs = [(r["sentence"], r["facts"]) for r in rows]
    truth = [r["label"] == "supported" for r in rows]
    # does a stricter guard reach the precision asked for? (at what recall)
    sweep = [(s, o) for s in SWEEP_SIMILARITY for o in SWEEP_OVERLAP] if arguments.sweep else []
    configs = [settings.guard(), *(replace(settings.guard(), min_similarity=s, min_overlap=o) for s, o in sweep)]
    verdicts, *stricter = guard_verdicts(embedder, configs, pairs)
    print(f"{len(rows)} labelled sentences ({sum(truth)} supported): {_summary(verdicts, truth)}")
    for (similarity, overlap), found in zip(sweep, stricter, strict=True):
        print(f"  min_similarity {similarity}, min_overlap {overlap}: {_summary(found, truth)}")
    if arguments.show:
        for row, verdict, label in zip(rows, verdicts, truth, strict=True):
            if verdict.supported != label:
                kind = "kept but not supported" if verdict.supported else f"rejected ({verdict.reason}) but supported"
                print(f"- {kind}: {row['sentence']}")


def _summary(verdicts, truth: list[bool]) -> str:
    kept = [v.supported for v in verdicts]
    true_positive = sum(k and t for k, t in zip(kept, truth, strict=True))
    precision = true_positive / sum(kept) if sum(kept) else 0.0
    recall = true_positive / sum(truth) if sum(truth) else 0.0
    return f"guard keeps {sum(kept)}, precision {precision:.3f}, recall {recall:.3f}"


if __name__ == "__main__":
    main()
