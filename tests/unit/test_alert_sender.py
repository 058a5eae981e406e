"""The sender on a fake clock: pace, per-chat spacing, and what each Telegram answer leads to."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.alerts.config import AlertsConfig
from bot.alerts.sender import Outcome, Pacer, Result, Retry, Sender
from bot.digiwatt.errors import NotFound, Unavailable


class FakeClock:
    """Time moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@dataclass(frozen=True)
class Item:
    chat_id: int
    name: str


class Telegram:
    """Answers each send with the next scripted error for that item (None: delivered)."""

    def __init__(self, clock: FakeClock, script: dict[str, list[Exception | None]]) -> None:
        self.clock = clock
        self.script = script
        self.calls: list[tuple[str, float]] = []

    async def send(self, item: Item) -> None:
        self.calls.append((item.name, self.clock.now))
        answers = self.script.get(item.name, [])
        error = answers.pop(0) if answers else None
        if error is not None:
            raise error


def sender(clock: FakeClock, **config: object) -> Sender:
    return Sender(AlertsConfig(**config), clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]


async def deliver(
    s: Sender, telegram: Telegram, bundles: list[list[Item]]
) -> dict[str, Result[Item]]:
    results: dict[str, Result[Item]] = {}
    await s.deliver(bundles, telegram.send, lambda r: results.__setitem__(r.item.name, r))
    return results


async def test_pacer_spaces_sends_evenly_without_a_burst() -> None:
    clock = FakeClock()
    pacer = Pacer(5, clock=clock, sleep=clock.sleep)
    moments = []
    for _ in range(6):
        await pacer.wait()
        moments.append(round(clock.now, 6))
    assert moments == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]


async def test_a_pause_holds_every_later_send() -> None:
    clock = FakeClock()
    pacer = Pacer(10, clock=clock, sleep=clock.sleep)
    await pacer.wait()
    pacer.pause(3)
    await pacer.wait()
    assert clock.now >= 3


async def test_one_second_between_two_messages_to_the_same_chat() -> None:
    clock = FakeClock()
    telegram = Telegram(clock, {})
    results = await deliver(
        sender(clock, rate=100), telegram, [[Item(1, "daily"), Item(1, "reminder")], [Item(2, "x")]]
    )
    assert {r.outcome for r in results.values()} == {Outcome.SENT}
    at = dict(telegram.calls)
    assert at["reminder"] - at["daily"] >= 1.0
    # Another chat does not wait for it.
    assert [name for name, _ in telegram.calls] == ["daily", "x", "reminder"]


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (Forbidden("Forbidden: bot was blocked by the user"), Outcome.BLOCKED),
        (BadRequest("Bad Request: chat not found"), Outcome.BLOCKED),
        (BadRequest("Bad Request: message caption is too long"), Outcome.FAILED),
        (NotFound("no such account"), Outcome.FAILED),
    ],
)
async def test_refusals_are_not_retried(error: Exception, outcome: Outcome) -> None:
    clock = FakeClock()
    telegram = Telegram(clock, {"a": [error]})
    results = await deliver(sender(clock), telegram, [[Item(1, "a")]])
    assert results["a"].outcome is outcome
    assert [name for name, _ in telegram.calls] == ["a"]


async def test_a_blocked_chat_gets_none_of_its_other_messages() -> None:
    clock = FakeClock()
    telegram = Telegram(clock, {"daily": [Forbidden("Forbidden: bot was blocked by the user")]})
    results = await deliver(sender(clock), telegram, [[Item(1, "daily"), Item(1, "reminder")]])
    assert results["reminder"].outcome is Outcome.BLOCKED
    assert [name for name, _ in telegram.calls] == ["daily"]


async def test_transient_errors_are_retried_with_backoff_then_recorded() -> None:
    clock = FakeClock()
    flaky: list[Exception | None] = [NetworkError("Bad Gateway"), Unavailable("Digiwatt down")]
    broken: list[Exception | None] = [NetworkError("Bad Gateway")] * 5
    telegram = Telegram(clock, {"flaky": flaky, "broken": broken})
    s = sender(clock, rate=1000, backoff=1.0, max_attempts=3)
    results = await deliver(s, telegram, [[Item(1, "flaky")]])
    assert results["flaky"].outcome is Outcome.SENT
    assert [s for s in clock.sleeps if s >= 1] == [1.0, 2.0]  # doubled each time

    results = await deliver(s, telegram, [[Item(2, "broken")]])
    assert results["broken"].outcome is Outcome.FAILED
    assert "Bad Gateway" in (results["broken"].error or "")
    assert [name for name, _ in telegram.calls].count("broken") == 3


async def test_retry_after_pauses_everything_then_tries_again() -> None:
    clock = FakeClock()
    telegram = Telegram(clock, {"a": [RetryAfter(timedelta(seconds=7))]})
    results = await deliver(sender(clock, rate=1000), telegram, [[Item(1, "a")], [Item(2, "b")]])
    assert results["a"].outcome is Outcome.SENT
    assert results["b"].outcome is Outcome.SENT
    assert max(t for name, t in telegram.calls if name == "a") >= 7


async def test_endless_flood_control_gives_up() -> None:
    clock = FakeClock()
    telegram = Telegram(clock, {"a": [RetryAfter(timedelta(seconds=1))] * 10})
    results = await deliver(sender(clock, max_retry_after=2), telegram, [[Item(1, "a")]])
    assert results["a"].outcome is Outcome.FAILED
    assert len(telegram.calls) == 3


async def test_retry_asks_for_an_immediate_second_try() -> None:
    clock = FakeClock()
    telegram = Telegram(clock, {"a": [Retry("stale file id")]})
    results = await deliver(sender(clock), telegram, [[Item(1, "a")]])
    assert results["a"].outcome is Outcome.SENT
    assert len(telegram.calls) == 2


class Crash(BaseException):
    pass


async def test_a_crash_stops_every_worker_and_propagates() -> None:
    clock = FakeClock()
    never = asyncio.Event()
    seen: list[Result[Item]] = []

    async def send(item: Item) -> None:
        if item.name == "boom":
            raise Crash
        await never.wait()  # a send still in flight when the process dies

    with pytest.raises(Crash):
        await sender(clock, rate=1000).deliver(
            [[Item(1, "in flight")], [Item(2, "boom")]], send, seen.append
        )
    assert seen == []  # nothing reported: neither sent nor failed


async def test_stopping_finishes_the_send_in_flight_and_starts_no_other() -> None:
    clock = FakeClock()
    telegram = Telegram(clock, {})
    s = sender(clock, rate=1000)
    results: list[Result[Item]] = []

    def reported(result: Result[Item]) -> None:
        results.append(result)
        s.stop()  # shutdown begins while the first alert is being sent

    items = [[Item(chat_id, f"chat {chat_id}")] for chat_id in range(1, 30)]
    await s.deliver(items, telegram.send, reported)

    assert len(telegram.calls) == len(results) >= 1
    assert len(results) <= s.config.workers  # only the sends already under way
    assert all(r.outcome is Outcome.SENT for r in results)


def chunks(names: list[str], size: int) -> list[list[list[Item]]]:
    """One bundle per name, `size` bundles per chunk."""
    bundles = [[Item(i, name)] for i, name in enumerate(names)]
    return [bundles[i : i + size] for i in range(0, len(bundles), size)]


async def test_more_is_asked_for_before_the_last_ones_are_sent() -> None:
    clock = FakeClock()
    telegram = Telegram(clock, {})
    names = [f"n{i}" for i in range(20)]
    pending = chunks(names, 5)
    results: list[Result[Item]] = []
    given = 0
    waiting_at_call: list[int] = []

    async def more() -> list[list[Item]]:
        nonlocal given
        waiting_at_call.append(given - len(results))
        chunk = pending.pop(0) if pending else []
        given += len(chunk)
        return chunk

    await sender(clock, rate=10).deliver([], telegram.send, results.append, more=more, low=2)

    assert sorted(r.item.name for r in results) == sorted(names)
    assert all(r.outcome is Outcome.SENT for r in results)
    assert len(waiting_at_call) == 5  # four chunks, then "no more"
    assert all(0 < waiting <= 2 + 4 for waiting in waiting_at_call[1:])  # low + workers sending


async def test_an_error_getting_more_is_raised_once_the_rest_is_sent() -> None:
    clock = FakeClock()
    telegram = Telegram(clock, {})
    pending = chunks(["a", "b", "c"], 3)
    results: list[Result[Item]] = []

    async def more() -> list[list[Item]]:
        if pending:
            return pending.pop(0)
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError, match="database down"):
        await sender(clock, rate=1000).deliver([], telegram.send, results.append, more=more, low=1)
    assert sorted(r.item.name for r in results) == ["a", "b", "c"]


async def test_stopping_waits_for_more_in_progress_and_sends_none_of_it() -> None:
    clock = FakeClock()
    telegram = Telegram(clock, {})
    s = sender(clock, rate=1000)
    pending = chunks(["a", "b", "late 1", "late 2"], 2)
    finished: list[list[list[Item]]] = []

    async def more() -> list[list[Item]]:
        chunk = pending.pop(0)
        if chunk[0][0].name == "late 1":
            s.stop()  # shutdown begins while the next chunk is being claimed
            await asyncio.sleep(0.01)
            finished.append(chunk)
        return chunk

    results: list[Result[Item]] = []
    await s.deliver([], telegram.send, results.append, more=more, low=0)

    assert sorted(r.item.name for r in results) == ["a", "b"]
    assert len(finished) == 1  # the claim was not cut short: its caller gives it back
