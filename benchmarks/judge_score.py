"""Summarise blind judging: per version, the mean score, the full-marks share, correctness errors, points
lost per criterion, and the same by question group (from the question set's `shape` field).

    python benchmarks/judge_score.py /tmp/judging [--questions tests/data/judged.jsonl]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from collections import defaultdict
from pathlib import Path

_LINE = re.compile(r"^\s*(a\d+)\s+(\d)\s+(\d)\s+(\d)\s+(\d)\s+(\d)\b(.*)$")
MAXIMA = {"correct": 2, "direct": 1, "complete": 2, "readable": 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--questions", type=Path, default=Path("tests/data/judged.jsonl"))
    parser.add_argument("--worst", type=int, default=0, help="list the N lowest-scored answers of each version")
    arguments = parser.parse_args()

    key = json.loads((arguments.folder / "key.json").read_text())
    groups = {}
    if arguments.questions.is_file():
        groups = {q["id"]: q.get("shape", "") for q in map(json.loads, arguments.questions.read_text().splitlines())}
    scores: dict[str, list[dict]] = defaultdict(list)
    seen = set()
    for path in sorted(arguments.folder.glob("scores-*.txt")):
        for line in path.read_text().splitlines():
            match = _LINE.match(line)
            if not match or match.group(1) not in key or match.group(1) in seen:
                continue
            seen.add(match.group(1))
            correct, direct, complete, readable = map(int, match.group(2, 3, 4, 5))
            entry = key[match.group(1)]
            for version in entry.get("versions") or [entry["version"]]:  # one judged copy, credited to each
                scores[version].append(
                    {
                        "question_id": entry["question_id"],
                        "correct": correct,
                        "direct": direct,
                        "complete": complete,
                        "readable": readable,
                        "total": correct + direct + complete + readable,
                        "reason": match.group(7).strip(" |"),
                    }
                )
    missing = sorted(set(key) - seen)
    if missing:
        print(f"warning: {len(missing)} answers have no score (e.g. {', '.join(missing[:5])})")
    for version, rows in scores.items():
        totals = [r["total"] for r in rows]
        lost = {c: sum(m - r[c] for r in rows) for c, m in MAXIMA.items()}
        full = sum(t == 6 for t in totals) / len(rows)
        errors = sum(r["correct"] < 2 for r in rows) / len(rows)
        print(
            f"{version}: n={len(rows)} mean {statistics.mean(totals):.2f}/6, full marks {full:.0%}, "
            f"correct<2 {errors:.1%}, lost: " + ", ".join(f"{c} {v}" for c, v in lost.items())
        )
        by_group = defaultdict(list)
        for r in rows:
            by_group[groups.get(r["question_id"], "?")].append(r["total"])
        print("   " + ", ".join(f"{g} {statistics.mean(v):.2f}" for g, v in sorted(by_group.items())))
        for r in sorted(rows, key=lambda r: r["total"])[: arguments.worst]:
            print(f"   {r['question_id']} {r['total']} {r['reason']}")


if __name__ == "__main__":
    main()
