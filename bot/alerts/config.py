"""The dispatcher's knobs: the pace comes from Settings (ALERTS_RATE), the rest are defaults."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from bot.settings import Settings

# The slowest usual answer of the Bot API to a send: what sets how many must be in flight.
TELEGRAM_LATENCY_S = 0.16


@dataclass(frozen=True, slots=True)
class AlertsConfig:
    """How fast, how often and how patiently alerts go out."""

    rate: float = 25.0  # messages per second, all chats together, in this process
    per_chat_interval: float = 1.0  # seconds between two messages to the same chat
    max_attempts: int = 3  # tries per message on transient errors (network, 5xx, Digiwatt down)
    backoff: float = 1.0  # seconds before the first retry, doubled for each next one
    max_retry_after: int = 5  # RetryAfter answers honoured per message before giving up
    # A claim still "claimed" after this is taken to be a crashed sender's: sent again. Well
    # above the time a claimed chunk waits to be sent (seconds, more with long RetryAfter
    # pauses), or two senders would overlap.
    stale_after: timedelta = timedelta(minutes=30)
    # A run claims what it sends in this long at a time (at least `min_claim` alerts), and
    # the next chunk when the current one has `claim_lead` seconds of sending left: replicas
    # running the same minute share it out chunk by chunk (bot/alerts/dispatcher.py).
    claim_seconds: float = 1.0
    min_claim: int = 10
    # ...and at least 1/max_chunks of the run's alerts: the claims of a run stay a bounded
    # number of statements (two each) however many subscribers are due, while replicas still
    # split a minute within about 1/max_chunks of each other.
    max_chunks: int = 16
    claim_lead: float = 0.25
    max_claims: int = 3  # times a stale claim is taken over before it is recorded failed
    # Greenness missing: keep trying this long after an alert's time, then say it is missing.
    forecast_patience: timedelta = timedelta(hours=3)
    # On the first run after a start, alerts due this far back are still sent.
    catch_up: timedelta = timedelta(minutes=30)
    # Seconds at least between two writes of outcomes while a run sends (bot/alerts/ledger.py):
    # a crash may repeat the sends in flight and those of the last interval (half an alert at
    # 25/s); at 1000/s it makes batches of about twenty instead of six, a third less CPU per
    # alert (benchmarks/alerts.py). 0: each write as soon as the previous one is done.
    flush_interval: float = 0.02
    recap_weekday: int = 6  # Sunday
    recap_at: str = "19:00"

    @classmethod
    def from_settings(cls, settings: Settings) -> AlertsConfig:
        return cls(rate=settings.alerts_rate)

    @property
    def workers(self) -> int:
        """Sends in flight at once: enough to keep `rate` going with Telegram answering in up
        to 160 ms (4 at 25 a second, 160 at 1000), within the transport's 256 connections."""
        return max(2, min(256, math.ceil(self.rate * TELEGRAM_LATENCY_S)))

    @property
    def max_batch(self) -> int:
        """Alerts one run sends at most: what it sends in half of `stale_after` (the rest wait
        for the next run, so a huge backlog does not hold up the minutes after it forever)."""
        return max(1, int(self.rate * self.stale_after.total_seconds() / 2))

    def claim_size(self, due: int = 0) -> int:
        """Alerts claimed at a time, in a run with `due` alerts to claim."""
        by_time = max(self.min_claim, math.ceil(self.rate * self.claim_seconds))
        return max(by_time, math.ceil(due / self.max_chunks))

    @property
    def refill_at(self) -> int:
        """Bundles still waiting when the next chunk is claimed."""
        return max(1, math.ceil(self.rate * self.claim_lead))
