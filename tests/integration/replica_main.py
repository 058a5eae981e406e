"""A bot replica for test_replicas.py: exactly `digiwatt-bot run --webhook`, plus one test hook.

SIGUSR1 runs the alerts dispatcher once for the last two minutes and appends its report as a
JSON line to $REPLICA_REPORT, so the test can start the same run in every replica at once
instead of waiting for the minute job.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import UTC, datetime, timedelta

from bot.app import BotApplication, build_application
from bot.logging_setup import configure_logging, redact_settings
from bot.runner import run_until_complete
from bot.service import serve
from bot.settings import Settings, load_settings
from storage.migrate import upgrade


async def _alerts(application: BotApplication) -> None:
    from bot.alerts import run_alerts

    now = datetime.now(UTC)
    report = await run_alerts(application, now, since=now - timedelta(minutes=2))
    line = {"pid": os.getpid(), "sent": [list(p) for p in report.sent], "claimed": report.claimed}
    await asyncio.to_thread(_append, os.environ["REPLICA_REPORT"], json.dumps(line))


def _append(path: str, line: str) -> None:
    with open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")


async def _serve(application: BotApplication, settings: Settings) -> None:
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, lambda: application.create_task(_alerts(application)))
    await serve(application, settings, webhook=True)


def main() -> int:
    configure_logging()
    settings = load_settings()
    redact_settings(settings)
    asyncio.run(upgrade(settings.database_url))
    application = build_application(settings)
    run_until_complete(_serve(application, settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
