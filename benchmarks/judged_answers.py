"""Answer a judged question set (tests/data/judged.jsonl) and write one JSON line per question.

Earlier turns in `history` are asked first in the same conversation, so follow-ups are answered as in a chat.
The output is what `../shared/eval/judge-rubric.md` asks a judge to read, plus each answer's sentences.

    python benchmarks/judged_answers.py tests/data/judged.jsonl --out /tmp/answers.jsonl
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
    parser.add_argument("questions", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--extractive", action="store_true", help="Answer without the language model.")
    arguments = parser.parse_args()

    from bot.runtime import load_service
    from bot.settings import Settings

    settings = Settings()
    if arguments.extractive:
        settings = settings.model_copy(update={"generator_backend": "extractive"})
    service = load_service(settings)
    conversation_type = _conversation_type()
    with arguments.out.open("w", encoding="utf-8") as out:
        for line in arguments.questions.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            conversation = conversation_type(max_turns=settings.history_turns)
            history = []
            for turn in item.get("history", []):
                earlier = service.answer(turn["question"], conversation)
                history.append({"question": turn["question"], "answer": earlier.answer})
            answer = service.answer(item["question"], conversation)
            record = {
                "id": item["id"],
                "question": item["question"],
                "history": history,
                "answer": answer.answer,
                "sentences": [s.model_dump() for s in answer.sentences],
                "sources": [s.source for s in answer.sources],
                "ms": round(answer.timings_ms["total"], 1),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            print(f"{item['id']} {answer.timings_ms['total']:.0f} ms", file=sys.stderr)


def _conversation_type():
    try:
        from bot.conversation import Conversation
    except ImportError:
        from bot.answering import Conversation
    return Conversation


if __name__ == "__main__":
    main()
