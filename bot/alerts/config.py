"""The dispatcher's knobs: the pace comes from Settings (ALERTS_RATE), the rest are defaults."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from bot.settings import Settings


@dataclass(frozen=True, slots=True)
class AlertsConfig:
    """How fast, how often and how patiently alerts go out."""

    rate: float = 25.0  # messages per second, all chats together
    per_chat_interval: float = 1.0  # seconds between two messages to the same chat
    max_attempts: int = 3  # tries per message on transient errors (network, 5xx, Digiwatt down)
    backoff: float = 1.0  # seconds before the first retry, doubled for each next one
    max_retry_after: int = 5  # RetryAfter answers honoured per message before giving up
    # A claim still "claimed" after this is taken to be a crashed sender's: sent again. Well
    # above the time one run takes to send (see max_batch), or two senders would overlap.
    stale_after: timedelta = timedelta(minutes=30)
    max_claims: int = 3  # times a stale claim is taken over before it is recorded failed
    # Greenness missing: keep trying this long after an alert's time, then say it is missing.
    forecast_patience: timedelta = timedelta(hours=3)
    # On the first run after a start, alerts due this far back are still sent.
    catch_up: timedelta = timedelta(minutes=30)
    # Seconds at least between two writes of outcomes while a run sends; 0: each write as soon
    # as the previous one is done, so a crash repeats only the sends in flight (bot/alerts/ledger.py).
    flush_interval: float = 0.0
    recap_weekday: int = 6  # Sunday
    recap_at: str = "19:00"

    @classmethod
    def from_settings(cls, settings: Settings) -> AlertsConfig:
        return cls(rate=settings.alerts_rate)

    @property
    def workers(self) -> int:
        """Sends in flight at once: 4 keep 25 a second going with Telegram answering in up to
        160 ms. No more: each open connection costs CPU on every request (httpcore scans its
        pool): measured, 10-25% more CPU per alert with 8 than with 4."""
        return max(2, min(4, math.ceil(self.rate / 4)))

    @property
    def max_batch(self) -> int:
        """Alerts claimed by one run: what it sends in half of `stale_after` (the rest wait)."""
        return max(1, int(self.rate * self.stale_after.total_seconds() / 2))
