"""The grounding guard as a classifier of model sentences: precision and recall of "supported".

    python benchmarks/guard_eval.py [tests/data/guard_labels.jsonl] [--show]

Each line of the labelled set is {"sentence", "facts": [...], "label": "supported" | "not supported"}, labelled by
people (helpers) against the facts, blind to the guard. The guard sees the same facts, with the real embedder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path, nargs="?", default=ROOT / "tests" / "data" / "guard_labels.jsonl")
    parser.add_argument("--show", action="store_true", help="print the sentences the guard gets wrong")
    arguments = parser.parse_args()

    from bot.embedding import make_embedder
    from bot.grounding import guard_verdicts
    from bot.settings import Settings

    rows = [json.loads(line) for line in arguments.labels.read_text(encoding="utf-8").splitlines() if line.strip()]
    settings = Settings()
    verdicts = guard_verdicts(
        make_embedder(settings.embedding()), settings.guard(), [(r["sentence"], r["facts"]) for r in rows]
    )
    truth = [r["label"] == "supported" for r in rows]
    kept = [v.supported for v in verdicts]
    true_positive = sum(k and t for k, t in zip(kept, truth, strict=True))
    precision = true_positive / sum(kept) if sum(kept) else 0.0
    recall = true_positive / sum(truth) if sum(truth) else 0.0
    print(
        f"{len(rows)} labelled sentences ({sum(truth)} supported): guard keeps {sum(kept)}, "
        f"precision {precision:.3f}, recall {recall:.3f}"
    )
    if arguments.show:
        for row, verdict, label in zip(rows, verdicts, truth, strict=True):
            if verdict.supported != label:
                kind = "kept but not supported" if verdict.supported else f"rejected ({verdict.reason}) but supported"
                print(f"- {kind}: {row['sentence']}")


if __name__ == "__main__":
    main()
