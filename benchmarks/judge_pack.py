"""Blind judging packs: the answers of several bot versions to one question set, shuffled and anonymised.

Each pack holds every version's answer to its questions, so a judge compares versions within one run, as
`../shared/eval/judge-rubric.md` asks. The key that maps anonymous ids back to versions stays out of the packs.
Versions that give one question the same answer (a model role that changed nothing) share one judged copy,
which the key credits to each of them.

    python benchmarks/judge_pack.py old=/tmp/old.jsonl new=/tmp/new.jsonl --packs 4 --out /tmp/judging
    # a judge writes /tmp/judging/scores-N.txt for pack-N.jsonl, one line per answer:
    #   <id> <correct> <direct> <complete> <readable> <total> | reason
    python benchmarks/judge_score.py /tmp/judging
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("versions", nargs="+", help="NAME=answers.jsonl (from benchmarks/judged_answers.py)")
    parser.add_argument("--packs", type=int, default=4)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()

    rng = random.Random(arguments.seed)
    answers: dict[str, dict[str, dict]] = {}
    for spec in arguments.versions:
        name, path = spec.split("=", 1)
        answers[name] = {r["id"]: r for r in map(json.loads, Path(path).read_text().splitlines())}
    questions = sorted(set.intersection(*(set(v) for v in answers.values())))
    rng.shuffle(questions)
    arguments.out.mkdir(parents=True, exist_ok=True)
    key = {}
    used: set[str] = set()
    for pack in range(arguments.packs):
        rows = []
        for question_id in questions[pack :: arguments.packs]:
            copies: dict[str, str] = {}  # answer text -> its anonymous id in this question
            for name, by_id in answers.items():
                record = by_id[question_id]
                if record["answer"] in copies:
                    key[copies[record["answer"]]]["versions"].append(name)
                    continue
                anonymous = f"a{rng.randrange(10_000, 99_999)}"
                while anonymous in used:
                    anonymous = f"a{rng.randrange(10_000, 99_999)}"
                used.add(anonymous)
                copies[record["answer"]] = anonymous
                key[anonymous] = {"versions": [name], "question_id": question_id}
                rows.append(
                    {
                        "id": anonymous,
                        "question": record["question"],
                        "history": record.get("history", []),
                        "answer": record["answer"],
                    }
                )
        rng.shuffle(rows)
        with open(arguments.out / f"pack-{pack + 1}.jsonl", "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    (arguments.out / "key.json").write_text(json.dumps(key, indent=1))
    print(
        f"{len(questions)} questions x {len(answers)} versions: {len(key)} distinct answers in {arguments.packs} "
        f"packs under {arguments.out}"
    )


if __name__ == "__main__":
    main()
