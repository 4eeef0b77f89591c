"""Collect model sentences for the guard's labelled set: each role's sentences, with the facts each was checked
against and the guard's verdict, from questions outside the judged set.

    python benchmarks/guard_sentences.py training/data/composer-heldout.jsonl tests/data/shapes.jsonl \
        --roles join lead compose --out /tmp/guard-pool.jsonl
Then people (or helpers) label each line "supported" or "not supported" against its facts, blind to the
verdict, and `tests/data/guard_labels.jsonl` keeps {sentence, facts, label}; `benchmarks/guard_eval.py`
reports the guard's precision and recall of "supported" on it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", nargs="+", type=Path, help="JSONL files with a 'question' field")
    parser.add_argument("--roles", nargs="+", default=["join", "lead", "compose"])
    parser.add_argument("--limit", type=int, default=0, help="questions per file (0: all)")
    parser.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args()

    from bot.answering import AnswerService
    from bot.embedding import make_embedder
    from bot.generation import make_generator
    from bot.index import load_index
    from bot.runtime import prepare_process
    from bot.settings import Settings

    questions = []
    for path in arguments.questions:
        lines = [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line]
        questions += lines[: arguments.limit or None]
    base = Settings()
    prepare_process(base)  # threads and OpenMP waiting as the bot sets them, before any model loads
    index, embedder = load_index(base.index_dir), make_embedder(base.embedding())
    generators = {}
    seen = set()
    with open(arguments.out, "w", encoding="utf-8") as out:
        for role in arguments.roles:
            settings = base.model_copy(update={"model_role": role})
            key = "adapter" if role == "compose" else "base"
            if key not in generators:
                generators[key], warning = make_generator(settings.generation())
                if warning:
                    raise SystemExit(warning)
            service = AnswerService(settings.answering(), index, embedder, generators[key])
            for question in questions:
                answer = service.answer(question)
                found = [(s.text, s.facts, True) for s in answer.sentences if s.generated]
                found += [(text, facts, False) for text, facts in answer.rejected_sentences]
                for sentence, facts, kept in found:
                    if (sentence, tuple(facts)) in seen:
                        continue
                    seen.add((sentence, tuple(facts)))
                    record = {"role": role, "question": question, "sentence": sentence, "facts": facts, "kept": kept}
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
            print(f"{role}: done", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
