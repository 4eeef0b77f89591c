"""The language model's roles compared on a judged question set: answers, model sentences, speed.

For each role (`off` is extractive only), every question of the set is answered in its conversation; the
script writes the answers for blind judging (`benchmarks/judge_pack.py`), every model sentence with the facts
it was checked against (kept and rejected, for judging the guard's precision), and prints per role: the share
of answers holding a model sentence, sentences tried and kept, answer p50/p90 and first-sentence p50.

    python benchmarks/roles.py tests/data/judged.jsonl --roles off join lead rerank compose --out /tmp/roles
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
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--roles", nargs="+", default=["off", "join", "lead", "rerank", "compose"])
    parser.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args()

    from bot.answering import AnswerService
    from bot.conversation import Conversation
    from bot.embedding import make_embedder
    from bot.generation import make_generator
    from bot.index import load_index
    from bot.runtime import prepare_process
    from bot.settings import Settings

    items = [json.loads(line) for line in arguments.questions.read_text(encoding="utf-8").splitlines() if line]
    arguments.out.mkdir(parents=True, exist_ok=True)
    base = Settings()
    prepare_process(base)  # threads and OpenMP waiting as the bot sets them, before any model loads
    index = load_index(base.index_dir)
    embedder = make_embedder(base.embedding())
    generators = {}
    for role in arguments.roles:
        settings = base.model_copy(update={"model_role": role})
        key = "adapter" if role == "compose" else "base"
        if key not in generators:
            generators[key], warning = make_generator(settings.generation())
            if warning:
                print(f"{role}: {warning}", file=sys.stderr)
        service = AnswerService(settings.answering(), index, embedder, generators[key])
        service.answer("What is overfitting?")  # warm-up
        totals, firsts, with_model, tried, kept = [], [], 0, 0, 0
        with (
            open(arguments.out / f"{role}.jsonl", "w") as answers,
            open(arguments.out / f"{role}-model.jsonl", "w") as model,
        ):
            for item in items:
                conversation = Conversation(max_turns=settings.history_turns)
                history = []
                for turn in item.get("history", []):
                    earlier = service.answer(turn["question"], conversation)
                    history.append({"question": turn["question"], "answer": earlier.answer})
                started = time.perf_counter()
                shown: list[float] = []
                answer = service.answer(item["question"], conversation, on_text=_first_time(shown))
                totals.append(answer.timings_ms["total"])
                if shown:
                    firsts.append((shown[0] - started) * 1000)
                tried += answer.generated_sentences
                kept += answer.kept_sentences
                with_model += any(s.generated for s in answer.sentences)
                record = {"id": item["id"], "question": item["question"], "history": history, "answer": answer.answer}
                answers.write(json.dumps(record, ensure_ascii=False) + "\n")
                for sentence in answer.sentences:
                    if sentence.generated:
                        model.write(_model_line(item, sentence.text, sentence.facts, kept=True))
                for rejected, facts in answer.rejected_sentences:
                    model.write(_model_line(item, rejected, facts, kept=False))
        count = len(items)
        print(
            f"{role}: answers with a model sentence {with_model}/{count} ({with_model / count:.0%}), model sentences "
            f"kept {kept}/{tried}, answer p50 {statistics.median(totals):.0f} ms p90 "
            f"{statistics.quantiles(totals, n=10)[-1]:.0f} ms, first sentence p50 {statistics.median(firsts):.0f} ms",
            flush=True,
        )


def _model_line(item: dict, sentence: str, facts: list[str], kept: bool) -> str:
    record = {"id": item["id"], "question": item["question"], "sentence": sentence, "facts": facts, "kept": kept}
    return json.dumps(record, ensure_ascii=False) + "\n"


def _first_time(shown: list[float]):
    """An on_text callback that records when the first sentence is shown."""

    def record(_text: str) -> None:
        if not shown:
            shown.append(time.perf_counter())

    return record


if __name__ == "__main__":
    main()
