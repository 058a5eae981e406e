"""What the simulator remembers: users, their onboarding, bearer tokens, counters, a frozen clock.

Users live as long as the process; with a state file (`--state`) they are loaded at start-up and
written back, atomically, after every change. Tokens are never persisted: a restart logs clients out.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.digiwatt.models import OnboardingRequest
from simulator.config import SimulatorConfig
from simulator.household import DEFAULT_PROFILE, Profile

log = logging.getLogger(__name__)


@dataclass
class UserRecord:
    account_number: str
    pod: str
    company_code: str
    created_at: datetime
    onboarding: dict | None = None  # the Onboarding `data`, as served
    profile: Profile = DEFAULT_PROFILE

    def to_json(self) -> dict:
        return {
            "account_number": self.account_number,
            "pod": self.pod,
            "company_code": self.company_code,
            "created_at": self.created_at.isoformat(),
            "onboarding": self.onboarding,
        }

    @classmethod
    def from_json(cls, raw: dict) -> UserRecord:
        record = cls(
            account_number=raw["account_number"],
            pod=raw["pod"],
            company_code=raw["company_code"],
            created_at=datetime.fromisoformat(raw["created_at"]),
        )
        if raw.get("onboarding"):
            record.onboard(raw["onboarding"])
        return record

    def onboard(self, data: dict) -> None:
        request = OnboardingRequest.model_validate(data)
        self.onboarding = data
        self.profile = Profile.from_onboarding(request)


@dataclass
class Stats:
    """Requests received, for benchmarks: how many reached the 'upstream' and which."""

    requests: int = 0
    token_requests: int = 0
    by_route: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict:
        return {
            "requests": self.requests,
            "token_requests": self.token_requests,
            "by_route": dict(self.by_route),
        }


class SimulatorState:
    """Mutable state behind one app; safe to share with the thread that serves it."""

    def __init__(self, config: SimulatorConfig, path: Path | None = None) -> None:
        self.config = config
        self.path = path
        self.users: dict[str, UserRecord] = {}
        self.tokens: dict[str, datetime] = {}  # token -> expiry
        self.stats = Stats()
        self.frozen_now: datetime | None = None
        self._lock = threading.Lock()
        if path is not None and path.exists():
            self._load(path)

    # --- time -------------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The simulator's "now" in its time zone: the config's clock unless frozen."""
        moment = self.frozen_now or self.config.clock()
        return moment.astimezone(self.config.tz).replace(microsecond=0)

    # --- tokens -----------------------------------------------------------------------------------

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(32)
        now = self.now()
        with self._lock:
            # Forget expired tokens now and then, so a naive client's thousands do not pile up.
            if len(self.tokens) > 1000:
                self.tokens = {t: exp for t, exp in self.tokens.items() if exp > now}
            self.tokens[token] = now + timedelta(seconds=self.config.token_lifetime)
        return token

    def token_status(self, token: str) -> str:
        """ "valid", "expired" or "unknown"."""
        expiry = self.tokens.get(token)
        if expiry is None:
            return "unknown"
        return "valid" if self.now() < expiry else "expired"

    def expire_tokens(self) -> None:
        """Make every issued token expired (control endpoint: tests of refresh on 401)."""
        past = self.now() - timedelta(seconds=1)
        with self._lock:
            self.tokens = dict.fromkeys(self.tokens, past)

    # --- users ------------------------------------------------------------------------------------

    def add_user(self, record: UserRecord) -> None:
        with self._lock:
            self.users[record.account_number] = record
        self.save()

    def remove_user(self, account_number: str) -> UserRecord | None:
        with self._lock:
            record = self.users.pop(account_number, None)
        self.save()
        return record

    def save(self) -> None:
        """Write users to the state file, if any, atomically."""
        if self.path is None:
            return
        with self._lock:
            payload = {"users": [u.to_json() for u in self.users.values()]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".simulator-", dir=self.path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(payload, out, indent=2)
        os.replace(tmp, self.path)

    def _load(self, path: Path) -> None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            records = [UserRecord.from_json(item) for item in raw.get("users", [])]
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"not a simulator state file ({error})") from None
        for record in records:
            self.users[record.account_number] = record
        log.info("loaded %d users from %s", len(self.users), path)
