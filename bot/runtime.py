"""Wiring: settings -> index, embedder, generator -> the answering service. Front ends start here."""

from __future__ import annotations

import sys
from collections.abc import Callable

from bot.settings import Settings


def load_service(
    settings: Settings,
    *,
    with_generator: bool = True,
    warn: Callable[[str], None] | None = None,
):
    """Heavy imports happen here, not at CLI start, so `mlbot --help` stays instant."""
    from bot.answering import AnswerService
    from bot.embedding import make_embedder
    from bot.generation import ExtractiveGenerator, make_generator
    from bot.index import build_index, load_index, stale_report

    warn = warn or (lambda line: print(f"mlbot: {line}", file=sys.stderr))
    index = load_index(settings.index_dir)  # fails fast, before any model loads
    stale = stale_report(settings.knowledge_dir, settings.index_dir)
    embedder = make_embedder(settings)
    if stale.stale:
        count = len(stale.added) + len(stale.changed) + len(stale.removed)
        if settings.rebuild_if_stale:
            warn(f"index is stale ({count} notes differ); rebuilding first")
            build_index(settings.knowledge_dir, settings.index_dir, make_embedder(settings, for_build=True))
            index = load_index(settings.index_dir)
        else:
            warn(f"index is stale ({count} notes differ); answering from what is built (run `mlbot index build`)")
    if with_generator:
        generator, warning = make_generator(settings)
        if warning:
            warn(warning)
    else:
        generator = ExtractiveGenerator()
    return AnswerService(settings, index, embedder, generator, warn=warn)
