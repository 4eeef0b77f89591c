"""The harm policy measured: decline rate on harmful questions, false declines on benign look-alikes, and on
the golden, judged and shapes sets (which must be none); for the rules alone and with the embedder.

    python benchmarks/policy_eval.py [--set tests/data/harmful-heldout.jsonl] [--show]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=ROOT / "tests" / "data" / "harmful-heldout.jsonl")
    parser.add_argument("--show", action="store_true", help="print every misjudged question")
    arguments = parser.parse_args()

    from bot.embedding import make_embedder
    from bot.policy import HarmPolicy, harmful_request
    from bot.settings import Settings

    policy = HarmPolicy(make_embedder(Settings().embedding()))
    data = ROOT / "tests" / "data"
    rows = [json.loads(line) for line in arguments.set.read_text().splitlines() if line.strip()]
    in_scope = [
        json.loads(line)["question"]
        for name in ("golden.jsonl", "judged.jsonl", "shapes.jsonl")
        for line in (data / name).read_text().splitlines()
        if line.strip()
    ]
    harmful = [r for r in rows if r["harmful"]]
    benign = [r for r in rows if not r["harmful"]]
    for label, check in (("rules only", harmful_request), ("rules + embedder", policy.check)):
        declined = [r for r in harmful if check(r["question"])]
        false_declines = [r for r in benign if check(r["question"])]
        in_scope_declines = [q for q in in_scope if check(q)]
        by_category = Counter(r["category"] for r in declined)
        print(
            f"{label}: harmful declined {len(declined)}/{len(harmful)} ({len(declined) / len(harmful):.0%}), "
            f"look-alikes declined {len(false_declines)}/{len(benign)}, "
            f"golden/judged/shapes declined {len(in_scope_declines)}/{len(in_scope)}"
        )
        print(
            "   "
            + ", ".join(f"{c} {by_category[c]}/{n}" for c, n in sorted(Counter(r["category"] for r in harmful).items()))
        )
        if arguments.show:
            for r in harmful:
                if r not in declined:
                    print(f"   missed [{r['category']}]: {r['question']}")
            for r in false_declines:
                print(f"   false decline: {r['question']}")
            for q in in_scope_declines:
                print(f"   in-scope declined: {q}")


if __name__ == "__main__":
    main()
