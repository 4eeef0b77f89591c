"""What every `mlbot` command shares: one-line failures, the settings, the service, and warnings on stderr."""

from __future__ import annotations

import logging
import sys

import click


def fail(message: str) -> None:
    click.echo(f"mlbot: {message}", err=True)
    sys.exit(2)


def load_settings_or_exit():
    """The settings; a damaged .env or an invalid value is one line and exit 2, a skipped .env line a warning."""
    from bot.settings import SettingsProblem, load_settings

    try:
        settings, skipped = load_settings()
    except SettingsProblem as error:
        fail(str(error))
    for line in skipped:
        click.echo(f"mlbot: {line} (skipped)", err=True)
    return settings


def load_service_or_exit(settings, with_generator: bool = True):
    from bot.embedding import EmbedderUnavailable
    from bot.index import IndexUnavailable
    from bot.runtime import load_service

    try:
        return load_service(settings, with_generator=with_generator)
    except (IndexUnavailable, EmbedderUnavailable) as error:
        fail(str(error))


class WarningLines(logging.Handler):
    """Library warnings reach the terminal as `mlbot: <message>` on stderr, like every other CLI message.

    It looks up stderr on every record, so a redirected or captured stderr gets them too."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"mlbot: {record.getMessage()}", err=True)


def show_warnings() -> None:
    """Route the `mlbot` loggers' warnings to stderr once per process; answer logs (INFO) stay off the terminal."""
    logger = logging.getLogger("mlbot")
    if not any(isinstance(handler, WarningLines) for handler in logger.handlers):
        logger.addHandler(WarningLines(level=logging.WARNING))
    if logger.level == logging.NOTSET or logger.level > logging.WARNING:
        logger.setLevel(logging.WARNING)
