"""Answer the independent interview-question set in ../shared/eval/external and compare with its answers.

Reports how many questions the bot answers rather than declines, and the mean cosine similarity
(all-MiniLM-L6-v2) between the bot's answer and the community answer, over questions that have one.

    .venv/bin/python benchmarks/external_eval.py [--extractive] [--limit N] [--show N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SET = ROOT.parent / "shared" / "eval" / "external" / "data-science-interviews" / "theory.md"
_QUESTION = re.compile(r"^\*\*(.+?)\*\*\s*$")


def parse(path: Path) -> list[tuple[str, str]]:
    """(question, community answer) pairs; the answer is empty where the set has none."""
    pairs: list[tuple[str, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _QUESTION.match(line.strip())
        if match:
            question = re.sub(r"[\U0001F300-\U0001FAFF\u2B50\u2B06\u200d\ufe0f]", "", match.group(1)).strip()
            pairs.append((question, []))
        elif pairs and not line.startswith("## "):
            pairs[-1][1].append(line)
    result = []
    for question, lines in pairs:
        answer = re.sub(r"<[^>]+>|!\[[^\]]*\]\([^)]*\)", " ", "\n".join(lines))
        answer = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", answer)
        answer = " ".join(answer.split())
        if len(answer.split()) < 8 or re.search(r"answer here|refer to the above", answer, re.I):
            answer = ""  # a placeholder, not an answer
        result.append((question, answer))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--extractive", action="store_true", help="answer without the language model")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--show", type=int, default=0, help="print the N least similar answers")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from bot.runtime import load_service
    from bot.settings import Settings

    pairs = parse(args.set)[: args.limit or None]
    service = load_service(Settings(), with_generator=not args.extractive)
    answered = 0
    similarities: list[tuple[float, str, str, str]] = []
    declined: list[str] = []
    for question, reference in pairs:
        answer = service.answer(question)
        if answer.refused:
            declined.append(question)
            continue
        answered += 1
        if reference:
            vectors = service.embedder.embed([answer.answer, reference])
            similarities.append((float(vectors[0] @ vectors[1]), question, answer.answer, reference))
    scores = [s for s, *_ in similarities]
    print(f"questions: {len(pairs)}, with a community answer: {sum(1 for _, r in pairs if r)}")
    print(f"answered (not declined): {answered}/{len(pairs)} = {answered / len(pairs):.1%}")
    print(
        f"mean similarity to community answer: {statistics.mean(scores):.3f} "
        f"(median {statistics.median(scores):.3f}, n={len(scores)})"
    )
    for question in declined:
        print(f"  declined: {question}")
    for score, question, answer, reference in sorted(similarities)[: args.show]:
        print(f"\n{score:.2f} Q: {question}\n  bot: {answer}\n  ref: {reference[:300]}")


if __name__ == "__main__":
    main()
