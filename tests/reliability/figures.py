"""The recorder the reliability tests feed and the summary table prints (see conftest.py).

Each test adds what it measured; the table sums over the run (a test parametrised over
SQLite and PostgreSQL adds both runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Attack:
    name: str
    rejected: bool


@dataclass
class Figures:
    """What the run proved, in numbers."""

    updates_fuzzed: int = 0
    updates_ignored: int = 0  # delivered, and deliberately left unanswered (see test_fuzz.py)
    exceptions: int = 0  # errors that reached an error handler, or ERROR log lines, in the fuzz
    fuzz_seconds: float = 0.0
    fault_durations: list[float] = field(default_factory=list)  # every request under faults
    fault_answered: int = 0  # ... answered (data or a friendly retry) within the limit
    fault_limit: float = 0.0
    alerts_expected: int = 0
    alerts_duplicated: int = 0
    alerts_skipped: int = 0
    steps_checked: int = 0
    steps_lost: int = 0
    attacks: list[Attack] = field(default_factory=list)
    ran: set[str] = field(default_factory=set)

    def attack(self, name: str, rejected: bool) -> bool:
        """Record one attack; returns `rejected` so tests can assert on it."""
        self.attacks.append(Attack(name, rejected))
        return rejected

    def rows(self) -> list[tuple[str, str]]:
        """The summary table's rows (figure, value); parts not run say so."""

        def when(part: str, value: str) -> str:
            return value if part in self.ran else "not run"

        requests = len(self.fault_durations)
        slowest = max(self.fault_durations, default=0.0)
        rejected = sum(a.rejected for a in self.attacks)
        return [
            (
                "updates fuzzed",
                when("fuzz", f"{self.updates_fuzzed:,} in {self.fuzz_seconds:.0f} s"),
            ),
            ("  of which deliberately ignored", when("fuzz", f"{self.updates_ignored:,}")),
            ("unhandled exceptions", when("fuzz", str(self.exceptions))),
            (
                "requests under faults answered in time",
                when(
                    "faults",
                    f"{self.fault_answered}/{requests} (max {slowest:.1f} s, limit {self.fault_limit:.0f} s)",
                ),
            ),
            (
                "alerts duplicated / skipped after SIGKILL",
                when(
                    "restarts",
                    f"{self.alerts_duplicated} / {self.alerts_skipped} of {self.alerts_expected}",
                ),
            ),
            (
                "onboarding steps lost after SIGKILL",
                when("restarts", f"{self.steps_lost} of {self.steps_checked}"),
            ),
            ("attacks rejected", when("security", f"{rejected}/{len(self.attacks)}")),
        ]


FIGURES = Figures()
