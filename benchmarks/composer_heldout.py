"""The LoRA composer on its held-out examples: what it writes after the lead, given the example's own facts.

Every held-out example (training/data/composer-heldout.jsonl, never trained on) is given to the composer as the
bot gives it: the question, the numbered facts, and the quoted lead as the reply's start. Each sentence it
writes is written out with the facts it cites and the guard's verdict, for judges to label faithful or not,
blind to the verdict. Prints how many sentences were written, kept by the guard, and the seconds per example.

    python benchmarks/composer_heldout.py --out /tmp/composer-heldout.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=Path, default=ROOT / "training" / "data" / "composer-heldout.jsonl")
    parser.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args()

    from bot.composer_role import COMPOSER_TOKENS, composer_messages, composer_prefix, parse_cited
    from bot.embedding import make_embedder
    from bot.generation import LocalGenerator
    from bot.grounding import Fact, GroundingGuard
    from bot.runtime import prepare_process
    from bot.settings import Settings

    settings = Settings(model_role="compose")
    prepare_process(settings)
    embedder = make_embedder(settings.embedding())
    generator = LocalGenerator(settings.generation())
    guard = GroundingGuard(embedder, settings.guard_min_similarity, settings.guard_min_overlap)
    records = [json.loads(line) for line in arguments.examples.read_text(encoding="utf-8").splitlines() if line]
    written = kept = 0
    seconds: list[float] = []
    with arguments.out.open("w", encoding="utf-8") as out:
        for number, record in enumerate(records):
            facts = record["facts"]
            started = time.perf_counter()
            pieces = generator.stream(
                composer_messages(record["question"], facts), COMPOSER_TOKENS, composer_prefix(facts[0])
            )
            reply = "".join(pieces)
            seconds.append(time.perf_counter() - started)
            vectors = embedder.embed(facts)
            for sentence, cited in parse_cited(reply, len(facts)):
                cited_facts = [i for i in cited if i > 0] or list(range(1, len(facts)))
                checked = [Fact(facts[i], vectors[i], str(i)) for i in cited_facts]
                verdict = guard.check(sentence, checked)
                written += 1
                kept += verdict.supported
                row = {
                    "example": number,
                    "question": record["question"],
                    "sentence": sentence,
                    "facts": [facts[i] for i in cited_facts],
                    "guard_kept": verdict.supported,
                }
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(
        f"{len(records)} held-out examples: {written} sentences written, {kept} kept by the guard "
        f"({kept / max(1, written):.0%}); {statistics.median(seconds):.2f} s per example (median)"
    )


if __name__ == "__main__":
    main()
