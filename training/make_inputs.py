"""Inputs for the composer's training examples: for each question, the answer's quoted lead and the facts.

The facts are what the answering service would give the model at run time (see `bot/composer_role.py`): the
lead first, then the plan's other sentences, then the best other candidates, numbered from 1. A question
whose answer is declined or leads with a list is skipped (the model does not write around lists).

    python training/make_inputs.py questions.jsonl > inputs.jsonl      # {"question": ...} per line
    python training/make_inputs.py - <<< '{"question": "What is dropout?"}'
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
    parser.add_argument("questions", help="JSONL with a 'question' field per line, or - for stdin")
    arguments = parser.parse_args()

    from bot.composer_role import composer_facts
    from bot.runtime import load_service
    from bot.settings import Settings

    service = load_service(Settings().model_copy(update={"generator_backend": "extractive"}))
    source = sys.stdin.read() if arguments.questions == "-" else Path(arguments.questions).read_text(encoding="utf-8")
    for line in source.splitlines():
        if not line.strip():
            continue
        question = json.loads(line)["question"]
        reading, vector, retrieval = service._read(question, None)
        if not retrieval.relevant:
            print(f"skipped (declined): {question}", file=sys.stderr)
            continue
        composition = service.composer.compose(reading.plan, reading.standalone, vector, retrieval)
        facts = composer_facts(composition.units, composition.candidates)
        if facts is None:
            print(f"skipped (list or empty answer): {question}", file=sys.stderr)
            continue
        record = {"question": question, "shape": reading.plan.shape.value, "facts": [f.text for f in facts]}
        print(json.dumps(record, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
