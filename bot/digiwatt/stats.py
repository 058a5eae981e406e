"""Counters of what the Digiwatt client did, for the benchmark and a later /metrics page."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# Outcome label of an upstream attempt that got no HTTP status at all.
TIMEOUT = "timeout"
TRANSPORT_ERROR = "transport_error"


@dataclass
class ClientStats:
    """Plain counters; one event loop updates them, so they need no lock."""

    # (endpoint, status) -> attempts sent upstream; status is an int or TIMEOUT / TRANSPORT_ERROR.
    upstream: Counter[tuple[str, int | str]] = field(default_factory=Counter)
    cache_hits: Counter[str] = field(default_factory=Counter)
    # Reads that joined an identical read already in flight instead of going upstream.
    coalesced: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    token_refreshes: int = 0  # tokens dropped because Digiwatt refused them before their expiry

    @property
    def token_requests(self) -> int:
        """Attempts sent to /auth/token, retries included."""
        return self.upstream_requests("token")

    def upstream_requests(self, endpoint: str | None = None) -> int:
        """Attempts sent upstream, token requests included, for one endpoint or all."""
        return sum(n for (name, _), n in self.upstream.items() if endpoint in (None, name))

    def snapshot(self) -> dict[str, object]:
        """A JSON-ready copy: {"upstream": {"realtime": {"200": 3}}, "cache_hits": {...}, ...}."""
        upstream: dict[str, dict[str, int]] = {}
        for (endpoint, status), count in sorted(self.upstream.items(), key=str):
            upstream.setdefault(endpoint, {})[str(status)] = count
        return {
            "upstream": upstream,
            "cache_hits": dict(self.cache_hits),
            "coalesced": dict(self.coalesced),
            "retries": dict(self.retries),
            "token_requests": self.token_requests,
            "token_refreshes": self.token_refreshes,
        }
