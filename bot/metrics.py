"""Prometheus metrics of one bot process, served on /metrics by bot/server.py.

Counters others increment (one line each, no setup needed):
- `ALERTS_SENT.inc()` when an alert reached Telegram;
- `ALERTS_FAILED.labels(reason="blocked" | "failed").inc()` when it did not.
Updates, handler latency and rate-limit waits are recorded by the update processor
(bot/processing.py) and `MeteredRateLimiter`; the Digiwatt client's own counters
(`DigiwattClient.stats`) are read at scrape time by `DigiwattCollector`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from telegram import Update
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

if TYPE_CHECKING:
    from bot.context import Resources

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

UPDATES = Counter("digiwatt_bot_updates", "Updates received, by type.", ["type"])
UPDATE_SECONDS = Histogram(
    "digiwatt_bot_update_duration_seconds",
    "Time the handlers spent on one update (waiting for the chat's previous update excluded).",
    ["type"],
    buckets=(
        0.001,
        0.0025,
        0.005,
        0.0075,
        0.01,
        0.015,
        0.025,
        0.05,
        0.1,
        0.25,
        0.5,
        1,
        2.5,
        5,
        10,
        30,
    ),
)
WEBHOOK_REJECTED = Counter(
    "digiwatt_bot_webhook_rejected", "Webhook requests refused, by reason.", ["reason"]
)
ALERTS_SENT = Counter("digiwatt_bot_alerts_sent", "Alerts delivered to Telegram.")
ALERTS_FAILED = Counter(
    "digiwatt_bot_alerts_failed", "Alerts not delivered, by reason (blocked, failed).", ["reason"]
)
RATE_LIMIT_WAIT = Histogram(
    "digiwatt_bot_telegram_rate_limit_wait_seconds",
    "Time a Bot API call waited for the rate limiter (and for Telegram's retry_after) before going out.",
    buckets=(0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120),
)
RETRY_AFTER = Counter(
    "digiwatt_bot_telegram_retry_after", "Bot API calls Telegram refused with 429 retry_after."
)

_UPDATE_TYPES = tuple(Update.ALL_TYPES)


def update_type(update: object) -> str:
    """'message', 'callback_query', ...: the field of the Update that is set."""
    if isinstance(update, Update):
        for name in _UPDATE_TYPES:
            if getattr(update, name, None) is not None:
                return name
        return "unknown"
    return type(update).__name__


class DigiwattCollector:
    """The Digiwatt client's counters (ClientStats), read when Prometheus scrapes."""

    def __init__(self, resources: Resources) -> None:
        self._resources = resources

    def collect(self) -> Iterator[Metric]:
        client = self._resources.digiwatt
        if client is None:
            return
        stats = client.stats
        requests = CounterMetricFamily(
            "digiwatt_api_requests",
            "Requests sent to Digiwatt, by endpoint and HTTP status (or timeout, transport_error).",
            labels=["endpoint", "status"],
        )
        for (endpoint, status), count in sorted(stats.upstream.items(), key=str):
            requests.add_metric([endpoint, str(status)], count)
        yield requests
        for name, help_text, counts in (
            (
                "digiwatt_api_cache_hits",
                "Reads answered from the response cache.",
                stats.cache_hits,
            ),
            (
                "digiwatt_api_coalesced",
                "Reads that joined an identical read in flight.",
                stats.coalesced,
            ),
            ("digiwatt_api_retries", "Requests retried after a failure.", stats.retries),
        ):
            family = CounterMetricFamily(name, help_text, labels=["endpoint"])
            for endpoint, count in sorted(counts.items()):
                family.add_metric([endpoint], count)
            yield family
        yield CounterMetricFamily(
            "digiwatt_api_token_refreshes",
            "Access tokens dropped because Digiwatt refused them before their expiry.",
            value=stats.token_refreshes,
        )


def exposition(resources: Resources) -> bytes:
    """The /metrics page: this module's metrics, the process' own, and the Digiwatt client's."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DigiwattCollector(resources))
    return generate_latest(REGISTRY) + generate_latest(registry)


class MeteredRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter that also records how long each call waited and each 429."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        since = time.perf_counter()

        async def attempt(*a: Any, **kw: Any) -> Any:
            nonlocal since
            RATE_LIMIT_WAIT.observe(time.perf_counter() - since)
            try:
                return await callback(*a, **kw)
            except RetryAfter:
                RETRY_AFTER.inc()
                raise
            finally:
                since = time.perf_counter()

        return await super().process_request(attempt, args, kwargs, endpoint, data, rate_limit_args)
