"""`digiwatt-bot run [--webhook]`: migrate the database, build the Application, serve until stopped."""

from __future__ import annotations

import argparse
import asyncio
import logging

from bot.app import build_application
from bot.logging_setup import redact_settings
from bot.server import webhook_settings
from bot.service import serve
from bot.settings import load_settings
from storage.migrate import upgrade

log = logging.getLogger(__name__)


def run(args: argparse.Namespace) -> int:
    """Long polling (default) or webhook; SIGTERM or Ctrl-C stops it cleanly (bot/service.py)."""
    settings = load_settings()
    redact_settings(settings)
    webhook = bool(getattr(args, "webhook", False))
    if webhook:
        webhook_settings(settings)  # a missing WEBHOOK_* stops us before anything starts
    asyncio.run(upgrade(settings.database_url))
    application = build_application(settings)
    log.info("starting against %s", settings.telegram_api_url)
    asyncio.run(serve(application, settings, webhook=webhook))
    return 0
