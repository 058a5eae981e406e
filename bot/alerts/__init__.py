"""Greenness alerts: the daily push, reminders before green windows and the weekly recap.

Entry points:
- `run_alerts(application, now) -> DispatchReport`: one run of the dispatcher with an explicit
  clock (the minute job, tests, the playground's "run alerts now" button);
- `schedule_alerts(application)`: the JobQueue job "alerts", every minute (called in post_init);
- `stop_alerts(application)`: stop a run in progress at shutdown (called in post_shutdown).
"""

from bot.alerts.config import AlertsConfig
from bot.alerts.dispatcher import (
    ALERTS_JOB,
    DispatchReport,
    alerts_state,
    configure,
    run_alerts,
    schedule_alerts,
    stop_alerts,
)

__all__ = [
    "ALERTS_JOB",
    "AlertsConfig",
    "DispatchReport",
    "alerts_state",
    "configure",
    "run_alerts",
    "schedule_alerts",
    "stop_alerts",
]
