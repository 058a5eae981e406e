"""A bot process for test_restarts.py: exactly `digiwatt-bot run` (polling), plus two test hooks.

- The every-minute alerts job is removed: alerts go only when the test says so, at its clock.
- SIGUSR1 runs the dispatcher once at $ALERTS_NOW (ISO 8601) and appends its report to
  $ALERTS_REPORT as a JSON line.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import datetime, timedelta

from bot.app import BotApplication, build_application
from bot.logging_setup import configure_logging, redact_settings
from bot.service import serve
from bot.settings import load_settings


async def _alerts(application: BotApplication) -> None:
    from bot.alerts import alerts_state, run_alerts

    now = datetime.fromisoformat(os.environ["ALERTS_NOW"])
    alerts_state(application).clock = lambda: now
    report = await run_alerts(application, now, since=now - timedelta(minutes=2))
    line = {
        "pid": os.getpid(),
        "sent": [list(pair) for pair in report.sent],
        "claimed": report.claimed,
        "reclaimed": report.reclaimed,
    }
    await asyncio.to_thread(_append, os.environ["ALERTS_REPORT"], json.dumps(line))


def _append(path: str, line: str) -> None:
    with open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")


async def _serve(application: BotApplication) -> None:
    from bot.alerts import ALERTS_JOB

    started = application.post_init
    assert started is not None

    async def post_init(app: BotApplication) -> None:
        await started(app)
        assert app.job_queue is not None
        for job in app.job_queue.get_jobs_by_name(ALERTS_JOB):
            job.schedule_removal()

    application.post_init = post_init
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, lambda: application.create_task(_alerts(application)))
    await serve(application, application.bot_data.settings)  # type: ignore[arg-type]


def main() -> int:
    configure_logging()
    settings = load_settings()
    redact_settings(settings)
    application = build_application(settings)
    asyncio.run(_serve(application))
    return 0


if __name__ == "__main__":
    sys.exit(main())
