"""The alerts job: every minute, whoever is due gets their alert, exactly once, at Telegram's pace.

`run_alerts(application, now)` is the whole job with an explicit clock: the JobQueue calls it
every minute with the real time, tests and the playground's "run alerts now" with any time.
One run:
1. works out the minutes to look at, (last run, now], and reads greenness once (cached);
2. takes over stale claims (a sender that died between claim and send) and finds, in one query
   each, the daily pushes, the reminders and the weekly recaps due in those minutes;
3. claims them a chunk at a time, what it sends in `claim_seconds` at its rate but at least
   1/`max_chunks` of the run's alerts, the next chunk when the current one has `claim_lead`
   seconds of sending left; each chunk is one short transaction (claim, households), so a run
   makes at most about 2 x `max_chunks` claim statements, however many subscribers are due;
4. sends through the Sender (pace, per-chat spacing, RetryAfter, Forbidden, backoff) and records
   the outcomes in batches (Ledger).
Greenness missing: daily pushes are not claimed but kept waiting and tried every minute; after
`forecast_patience` each subscriber is told once that today's forecast is missing.

Replicas: every process runs the job each minute, finds the same alerts due and sorts them the
same way (earliest due first, a chat's alerts together). A claim is unique per chat and alert
key, so an alert goes out once whoever wins it; chunks make the minute shared: each claim
statement takes the next `claim_size()` alerts of the list that nobody has claimed yet (an INSERT
... SELECT of the first free ones, ON CONFLICT DO NOTHING), looking past the chunks the others
hold. Claim transactions are taken one at a time across processes (a transaction-scoped
advisory lock on PostgreSQL, held for a few milliseconds; SQLite's write lock), so a statement
sees every claim made before it and what it does not win is someone else's: no statement is
lost fighting over a chunk, and no free alert is passed over. Each process sends at its own
ALERTS_RATE, so N replicas send about N times as fast; they finish a minute at most a chunk
(`claim_seconds`) apart. A claim is held for seconds before its send, far below `stale_after`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from telegram import InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, Job

from bot import metrics
from bot.alerts.buttons import alert_keyboard, recap_keyboard
from bot.alerts.chart_cache import ChartCache, ChartKey
from bot.alerts.config import AlertsConfig
from bot.alerts.ledger import Ledger
from bot.alerts.messages import (
    daily_text,
    flexible_appliances,
    forecast_missing_text,
    reminder_text,
)
from bot.alerts.recap import weekly_recap
from bot.alerts.sender import Outcome, Result, Retry, Sender
from bot.context import BotContext, Resources
from bot.digiwatt.errors import DigiwattError
from bot.digiwatt.models import Greenness, GreenWindow, OnboardingRequest
from bot.i18n import negotiate
from bot.known_chats import known_chats
from bot.telegram_request import send_unparsed
from storage.db import transaction
from storage.models import AccountLink, AlertSubscription, Chat
from storage.repositories import deliveries, profiles, subscriptions
from storage.schedule import MAX_WINDOW, MINUTE, floor_minute, in_quiet_hours, prepare, zone
from storage.types import utcnow

log = logging.getLogger(__name__)

ALERTS_JOB = "alerts"
_STATE_KEY = "alerts"

Pair = tuple[int, str]
AnyApplication = Application[Any, Any, Any, Any, Resources, Any]


class Kind(StrEnum):
    DAILY = "daily"
    REMINDER = "reminder"
    WEEKLY = "weekly"
    NOTICE = "notice"  # "today's forecast is missing", sent under the daily push's key


@dataclass(slots=True)
class Alert:
    """One message to one chat; `alert_key` is what makes it unique."""

    chat_id: int
    alert_key: str
    kind: Kind
    lang: str
    zone: str
    local_date: date
    account_number: str
    due_at: datetime  # when it was due (UTC): how long a daily push may wait for the forecast
    silent: bool = False
    window: GreenWindow | None = None
    lead_minutes: int = 0
    text: str = ""
    markup: InlineKeyboardMarkup | None = None
    chart: ChartKey | None = None

    @property
    def pair(self) -> Pair:
        return (self.chat_id, self.alert_key)


@dataclass
class DispatchReport:
    """What one run did: who got what, who did not and why."""

    now: datetime
    start: datetime  # the minutes looked at: (start, end]
    end: datetime
    forecast: bool = False  # today's greenness was available
    due: int = 0
    claimed: int = 0
    reclaimed: int = 0
    sent: list[Pair] = field(default_factory=list)
    failed: dict[Pair, str] = field(default_factory=dict)
    blocked: list[int] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    waiting: int = 0  # daily pushes waiting for the forecast (or for room in the next run)
    notices: int = 0  # "forecast missing" told
    chart_uploads: int = 0
    seconds: float = 0.0

    def sent_to(self, chat_id: int) -> list[str]:
        return [key for chat, key in self.sent if chat == chat_id]


@dataclass
class AlertsState:
    """Per bot process: where the last run stopped, what waits, the pace and the charts."""

    config: AlertsConfig
    sender: Sender
    charts: ChartCache = field(default_factory=ChartCache)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    checked_until: datetime | None = None
    pending: dict[Pair, Alert] = field(default_factory=dict)
    task: asyncio.Task[Any] | None = None
    # What "now" is for the job and the alert buttons; tests and demos may set another clock.
    clock: Callable[[], datetime] = utcnow


def alerts_state(application: AnyApplication, *, reset: bool = False) -> AlertsState:
    """The application's alert state, created on first use (`reset`: as after a restart)."""
    extra = application.bot_data.extra
    state = extra.get(_STATE_KEY)
    if state is None or reset:
        settings = application.bot_data.settings
        assert settings is not None
        config = state.config if state is not None else AlertsConfig.from_settings(settings)
        clock = state.clock if state is not None else utcnow
        state = extra[_STATE_KEY] = AlertsState(config=config, sender=Sender(config), clock=clock)
    return state


def configure(application: AnyApplication, config: AlertsConfig) -> AlertsState:
    """Replace the dispatcher's settings (tests and benchmarks: a faster backoff, another rate)."""
    state = alerts_state(application)
    state.config = config
    state.sender = Sender(config)
    return state


async def run_alerts(
    application: AnyApplication, now: datetime, *, since: datetime | None = None
) -> DispatchReport:
    """Send the alerts due in (since, now]; `since` defaults to where the last run stopped.

    `now` is the dispatcher's clock (aware): the job passes the real time, tests any time.
    Runs of one process never overlap; several processes are kept apart by the claims."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    state = alerts_state(application)
    async with state.lock:
        state.task = asyncio.current_task()
        try:
            return await _Run(application, state, now).execute(since)
        finally:
            state.task = None


async def alerts_job(context: BotContext) -> None:
    """Every minute, on the minute: the alerts due now."""
    report = await run_alerts(context.application, alerts_state(context.application).clock())
    if report.due or report.reclaimed or report.waiting:
        log.info(
            "alerts: %d due, %d sent, %d failed, %d blocked, %d waiting in %.1f s",
            report.due, len(report.sent), len(report.failed), len(report.blocked),
            report.waiting, report.seconds,
        )  # fmt: skip


def schedule_alerts(application: AnyApplication) -> Job[Any]:
    """One repeating job named "alerts", every 60 s from the next minute boundary."""
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("the alerts need PTB's JobQueue: install python-telegram-bot[job-queue]")
    for old in job_queue.get_jobs_by_name(ALERTS_JOB):
        old.schedule_removal()
    alerts_state(application)
    now = datetime.now(UTC)
    first = floor_minute(now) + MINUTE
    # The first run looks back up to MAX_WINDOW (catch_up): probe the zones from there.
    prepare(first - MAX_WINDOW)
    return job_queue.run_repeating(
        alerts_job,
        interval=60,
        first=first,
        name=ALERTS_JOB,
        # A long run (thousands due at once) skips the ticks it overlaps; the next run picks
        # up the minutes it missed, since it starts where the last one stopped.
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": 50},
    )


# At shutdown, how long the sends already in flight may take to finish.
STOP_TIMEOUT = 15.0


async def stop_alerts(application: AnyApplication) -> None:
    """Stop a run in progress (shutdown): sends in flight finish and are recorded, the alerts
    not attempted yet are given back (the next start sends them); cancelled if it takes long."""
    state = application.bot_data.extra.get(_STATE_KEY)
    task = state.task if state is not None else None
    if task is None or task.done() or task is asyncio.current_task():
        return
    state.sender.stop()
    done, _pending = await asyncio.wait([task], timeout=STOP_TIMEOUT)
    if not done:
        task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def due_instant(day: date, hhmm: str, tz: ZoneInfo) -> datetime:
    """When local `hhmm` on `day` is due (UTC): its first occurrence when the clock goes back,
    the first minute after the gap when it goes forward (as storage.schedule decides)."""
    wall = datetime.combine(day, clock_time.fromisoformat(hhmm))
    guesses = [wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)]
    for guess in sorted(guesses):
        if guess.astimezone(tz).replace(tzinfo=None) == wall:
            return guess
    moment = min(guesses)
    while moment.astimezone(tz).replace(tzinfo=None) < wall:
        moment += MINUTE
    return moment


class _Run:
    """One run of the dispatcher."""

    def __init__(self, application: AnyApplication, state: AlertsState, now: datetime) -> None:
        self.application = application
        self.state = state
        self.config = state.config
        self.resources: Resources = application.bot_data
        self.started = now.astimezone(UTC)
        self._t0 = time.monotonic()
        self.greenness: Greenness | None = None
        self.households: dict[int, OnboardingRequest] = {}
        self._made: dict[tuple[Any, ...], Any] = {}
        # The claiming: the run's due alerts in order, how far it got, what it holds a claim on,
        # and what the first claim transaction also settles (stale claims: ours, back, failed).
        self._candidates: list[Alert] = []
        self._cursor = 0
        self._owned: dict[Pair, Alert] = {}
        self._opening: tuple[list[Alert], list[Pair], list[tuple[Pair, str]]] | None = None

    def now(self) -> datetime:
        """The run's clock: the `now` it was given, plus the time spent since."""
        return self.started + timedelta(seconds=time.monotonic() - self._t0)

    @property
    def sessionmaker(self) -> Any:
        assert self.resources.sessionmaker is not None
        return self.resources.sessionmaker

    def _window(self, since: datetime | None, end: datetime) -> datetime:
        last = self.state.checked_until
        if since is not None:
            start = floor_minute(since)
        elif last is not None and last <= end:
            start = last
        else:
            start = end - self.config.catch_up  # first run, or a clock that went backwards
        return max(min(start, end), end - MAX_WINDOW)

    async def execute(self, since: datetime | None) -> DispatchReport:
        end = floor_minute(self.started)
        report = DispatchReport(now=self.started, start=self._window(since, end), end=end)
        self.greenness = await self._greenness()
        report.forecast = self.greenness is not None

        ready, stale, release, expired = await self._collect(report)
        self._candidates, self._opening = ready, (stale, release, expired)
        try:
            if ready or stale or release or expired:
                await self._send(report)
        finally:
            # Not got to (the run's cap, a shutdown, an error): waiting for the next run.
            for alert in self._candidates[self._cursor :]:
                self.state.pending.setdefault(alert.pair, alert)
        report.waiting = len(self.state.pending)
        report.notices = sum(a.kind is Kind.NOTICE for a in self._owned.values())
        self.state.checked_until = end
        report.chart_uploads = self.state.charts.uploads
        report.seconds = time.monotonic() - self._t0
        return report

    # --- 1. greenness ------------------------------------------------------------------------

    async def _greenness(self) -> Greenness | None:
        """Today's greenness, read once per run (the client caches it); None when missing."""
        digiwatt = self.resources.digiwatt
        assert digiwatt is not None
        try:
            greenness = await digiwatt.greenness()
            if not self._is_today(greenness):
                greenness = await digiwatt.greenness(fresh=True)  # yesterday's, still cached
        except DigiwattError as error:
            log.warning("greenness unavailable: %s", error)
            return None
        if not self._is_today(greenness):
            log.warning("greenness is for %s, not today: waiting for today's", greenness.date)
            return None
        return greenness

    def _is_today(self, greenness: Greenness) -> bool:
        try:
            tz = zone(greenness.timezone)
        except (ValueError, KeyError):
            tz = ZoneInfo("UTC")
        return greenness.date == self.started.astimezone(tz).date()

    # --- 2. who is due -----------------------------------------------------------------------

    async def _collect(
        self, report: DispatchReport
    ) -> tuple[list[Alert], list[Alert], list[Pair], list[tuple[Pair, str]]]:
        """(to claim, already ours, to give back, to record as failed)."""
        greenness = self.greenness
        starts = [w.start for w in greenness.windows] if greenness else []
        start, end = report.start, report.end
        async with transaction(self.sessionmaker) as session:
            stale = await deliveries.reclaim_stale(
                session,
                older_than=self.config.stale_after,
                max_attempts=self.config.max_claims,
                now=self.now(),
            )
            daily = await subscriptions.due_daily(session, start, end)
            reminders = (
                await subscriptions.due_reminders(session, starts, start, end) if starts else []
            )
            weekly = await subscriptions.due_weekly(
                session, start, end, weekday=self.config.recap_weekday, at=self.config.recap_at
            )
            info = await _chat_info(session, [c.chat_id for c in stale]) if stale else {}
        report.due = len(daily) + len(reminders) + len(weekly)
        report.reclaimed = len(stale)

        pending = self.state.pending
        for due in daily:
            if due.account_number is None:
                report.skipped["not linked"] += 1
                continue
            tz = zone(due.time_zone)
            pending.setdefault(
                (due.chat_id, due.alert_key),
                Alert(
                    due.chat_id, due.alert_key, Kind.DAILY, negotiate(due.language), due.time_zone,
                    due.local_date, due.account_number, due_instant(due.local_date, due.local_time, tz),
                    silent=due.quiet,
                ),
            )  # fmt: skip
        ready = self._take_pending()
        for reminder in reminders:
            if reminder.account_number is None:
                report.skipped["not linked"] += 1
            elif reminder.quiet:
                report.skipped["quiet hours"] += 1
            else:
                window = self._window_at(reminder.window_start)
                if window is None:
                    continue
                if window.start <= self.started:
                    # Caught up after a restart: "starts in 15 min" would be false by now.
                    report.skipped["too late"] += 1
                    continue
                local = (
                    reminder.window_start - timedelta(minutes=reminder.lead_minutes)
                ).astimezone(zone(reminder.time_zone))
                ready.append(
                    Alert(
                        reminder.chat_id, reminder.alert_key, Kind.REMINDER,
                        negotiate(reminder.language), reminder.time_zone, local.date(),
                        reminder.account_number, self.now(), window=window,
                        lead_minutes=max(1, round((window.start - self.started) / MINUTE)),
                    )
                )  # fmt: skip
        for recap in weekly:
            if recap.account_number is None:
                report.skipped["not linked"] += 1
                continue
            ready.append(
                Alert(
                    recap.chat_id, recap.alert_key, Kind.WEEKLY, negotiate(recap.language),
                    recap.time_zone, recap.local_date, recap.account_number, self.now(),
                    silent=True,
                )
            )  # fmt: skip

        owned: list[Alert] = []
        release: list[Pair] = []
        expired: list[tuple[Pair, str]] = []
        for claim in stale:
            outcome = self._resume(claim.chat_id, claim.alert_key, info.get(claim.chat_id))
            if isinstance(outcome, Alert):
                owned.append(outcome)
            elif outcome == "wait":
                release.append((claim.chat_id, claim.alert_key))
            else:
                expired.append(((claim.chat_id, claim.alert_key), outcome))
        # Earliest due first; a chat's alerts next to each other, so they are claimed and sent
        # together, in order. Every process sorts alike: replicas claim through the same list.
        unique = sorted({a.pair: a for a in ready}.values(), key=lambda a: (a.due_at, a.pair))
        chats: dict[int, list[Alert]] = {}
        for alert in unique:
            chats.setdefault(alert.chat_id, []).append(alert)
        return [a for bundle in chats.values() for a in bundle], owned, release, expired

    def _take_pending(self) -> list[Alert]:
        """Waiting daily pushes that can go now: with the forecast, or as the missing notice."""
        taken = []
        now = self.now()
        for pair, alert in list(self.state.pending.items()):
            if self.greenness is None and alert.kind is Kind.DAILY:
                if now < self._deadline(alert):
                    continue
                alert.kind = Kind.NOTICE
                alert.silent = True
            taken.append(alert)
            del self.state.pending[pair]
        return taken

    def _deadline(self, alert: Alert) -> datetime:
        """How long a daily push waits for the forecast: the patience, within its own day."""
        tz = zone(alert.zone)
        midnight = due_instant(alert.local_date + timedelta(days=1), "00:00", tz)
        return min(alert.due_at + self.config.forecast_patience, midnight - MINUTE)

    def _window_at(self, start: datetime) -> GreenWindow | None:
        assert self.greenness is not None
        return next(
            (w for w in self.greenness.windows if floor_minute(w.start) == floor_minute(start)),
            None,
        )

    def _resume(self, chat_id: int, key: str, info: _ChatInfo | None) -> Alert | str:
        """A stale claim taken over: the alert to send now, "wait", or why it is too late."""
        if info is None or info.account_number is None:
            return "not linked any more"
        if info.blocked:
            return "bot blocked by the user"
        kind_name, _sep, argument = key.partition(":")
        tz = zone(info.time_zone)
        now = self.now()
        today = now.astimezone(tz).date()
        lang = negotiate(info.language)
        try:
            if kind_name == Kind.DAILY:
                local_date = date.fromisoformat(argument)
                if not info.enabled:
                    return "alerts turned off"
                if local_date != today:
                    return "too late: the day is over"
                due_at = due_instant(local_date, info.daily_time, tz)
                alert = Alert(chat_id, key, Kind.DAILY, lang, info.time_zone, local_date,
                              info.account_number, due_at, silent=info.quiet(now))  # fmt: skip
                if self.greenness is None:
                    if now < self._deadline(alert):
                        self.state.pending[alert.pair] = alert
                        return "wait"
                    alert.kind, alert.silent = Kind.NOTICE, True
                return alert
            if kind_name == Kind.REMINDER:
                start = datetime.strptime(argument, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
                window = self._window_at(start) if self.greenness is not None else None
                if info.reminder_lead_minutes is None:
                    return "reminders turned off"
                if window is None or window.start <= now:
                    return "too late: the window has started"
                lead = max(1, round((window.start - now) / MINUTE))
                local = now.astimezone(tz)
                return Alert(chat_id, key, Kind.REMINDER, lang, info.time_zone, local.date(),
                             info.account_number, now, window=window, lead_minutes=lead)  # fmt: skip
            if kind_name == Kind.WEEKLY:
                local_date = date.fromisoformat(argument)
                if not info.weekly_recap:
                    return "weekly recap turned off"
                if local_date != today:
                    return "too late: the day is over"
                return Alert(chat_id, key, Kind.WEEKLY, lang, info.time_zone, local_date,
                             info.account_number, now, silent=True)  # fmt: skip
        except ValueError:
            pass
        return f"unknown alert {key!r}"

    # --- 3. claim ----------------------------------------------------------------------------

    async def _claim_next(self, report: DispatchReport) -> list[Alert]:
        """The next chunk claimed (the first time with the stale claims taken over), households
        loaded, in one short transaction; nothing when the run's list is done."""
        stale, release, expired = self._opening or ([], [], [])
        self._opening = None
        room = self.config.max_batch - len(self._owned) - len(stale)
        size = max(0, min(room, self.config.claim_size(len(self._candidates))))
        if self._cursor >= len(self._candidates):
            size = 0
        if not (size or stale or release or expired):
            return []
        won: list[Alert] = []
        cursor, passed = self._cursor, 0
        async with transaction(self.sessionmaker) as session:
            if size:
                won, cursor, passed = await self._claim_chunk(session, size)
            personal = (Kind.DAILY, Kind.REMINDER)
            households = {a.chat_id for a in [*stale, *won] if a.kind in personal}
            if households:
                self.households.update(await profiles.for_chats(session, households))
            if release:
                await deliveries.release(session, release)
            by_reason: dict[str, list[Pair]] = {}
            for pair, reason in expired:
                by_reason.setdefault(reason, []).append(pair)
            for reason, pairs in by_reason.items():
                await deliveries.mark_failed(session, pairs, reason)
        # Committed: only now are these ours, and the ones passed over someone else's.
        self._cursor = cursor
        report.claimed += len(won)
        report.skipped["claimed elsewhere"] += passed
        for pair, reason in expired:
            report.failed[pair] = reason
        claimed = [*stale, *won]
        self._owned.update((a.pair, a) for a in claimed)
        return claimed

    async def _claim_chunk(self, session: Any, size: int) -> tuple[list[Alert], int, int]:
        """Claim the next `size` alerts of the list nobody has claimed: (won, new cursor, passed
        over as claimed elsewhere). Claims are taken one transaction at a time across processes
        (`lock_claims`), so what a statement does not win is someone else's, never skipped free."""
        await deliveries.lock_claims(session)
        candidates, cursor = self._candidates, self._cursor
        won: list[Alert] = []
        passed = 0
        # Other replicas hold the chunks just ahead: look past them. Everything taken (a
        # second run over the same minutes): look twice as far each time, not chunk by chunk.
        width = 4 * size
        while cursor < len(candidates) and not won:
            window = candidates[cursor : cursor + width]
            got = set(
                await deliveries.claim_next(session, [a.pair for a in window], size, now=self.now())
            )
            # Up to the last one won (the next statement looks again at any after it); past
            # the whole window when it had none left.
            end = 1 + max(i for i, a in enumerate(window) if a.pair in got) if got else len(window)
            for alert in window[:end]:
                if alert.pair in got:
                    won.append(alert)
                else:
                    passed += 1
            cursor += end
            width *= 2
        # The rest of the last chat's bundle too: one chat's alerts are sent together, in order.
        rest = []
        while won and cursor < len(candidates) and candidates[cursor].chat_id == won[-1].chat_id:
            rest.append(candidates[cursor])
            cursor += 1
        if rest:
            got = set(await deliveries.claim(session, [a.pair for a in rest], now=self.now()))
            won.extend(a for a in rest if a.pair in got)
            passed += sum(a.pair not in got for a in rest)
        return won, cursor, passed

    # --- 4. compose and send -----------------------------------------------------------------

    def _compose(self, alert: Alert, household: OnboardingRequest | None) -> None:
        """Text, buttons and chart; thousands of subscribers share a few of each, so each
        distinct one is made once per run (at the run's start time)."""
        tz = zone(alert.zone)
        now = self.started
        made = self._made
        if alert.kind in (Kind.DAILY, Kind.REMINDER, Kind.NOTICE):
            key = ("keyboard", alert.lang, alert.local_date)
            if key not in made:
                made[key] = alert_keyboard(alert.lang, alert.local_date)
            alert.markup = made[key]
        if alert.kind is Kind.DAILY:
            assert self.greenness is not None
            appliances = flexible_appliances(household)
            key = ("daily", alert.lang, alert.zone, appliances)
            if key not in made:
                made[key] = daily_text(self.greenness, appliances, alert.lang, tz, now)
            alert.text = made[key]
            alert.chart = self.state.charts.key(self.greenness, alert.lang, alert.zone)
        elif alert.kind is Kind.REMINDER:
            assert alert.window is not None
            appliances = flexible_appliances(household)
            alert.text = reminder_text(
                alert.window, alert.lead_minutes, appliances, alert.lang, tz, now
            )
        elif alert.kind is Kind.NOTICE:
            alert.text = forecast_missing_text(alert.lang)
        else:
            alert.markup = recap_keyboard(alert.lang)  # the text needs Digiwatt: see _prepare

    async def _more(self, report: DispatchReport) -> list[list[Alert]]:
        """The sender's next bundles: the next chunk claimed and composed (none: all done)."""
        bundles: dict[int, list[Alert]] = {}
        for alert in await self._claim_next(report):
            self._compose(alert, self.households.get(alert.chat_id))
            bundles.setdefault(alert.chat_id, []).append(alert)
        return list(bundles.values())

    async def _send(self, report: DispatchReport) -> None:
        ledger = Ledger(
            self.sessionmaker,
            self.now,
            self.config.flush_interval,
            on_blocked=known_chats(self.resources).forget,
        )
        done: set[Pair] = set()

        def on_result(result: Result[Alert]) -> None:
            pair = result.item.pair
            done.add(pair)
            if result.outcome is Outcome.SENT:
                metrics.ALERTS_SENT.inc()
                ledger.sent(pair)
                report.sent.append(pair)
            elif result.outcome is Outcome.BLOCKED:
                metrics.ALERTS_FAILED.labels(reason="blocked").inc()
                ledger.blocked(pair, result.error or "blocked")
                report.failed[pair] = result.error or "blocked"
                if pair[0] not in report.blocked:
                    report.blocked.append(pair[0])
            else:
                metrics.ALERTS_FAILED.labels(reason="failed").inc()
                ledger.failed(pair, result.error or "failed")
                report.failed[pair] = result.error or "failed"

        try:
            async with ledger.flushing():
                # The application stopping (SIGTERM) ends the run soon, not after every send:
                # PTB waits for running jobs before it shuts down.
                was_running = self.application.running
                await self.state.sender.deliver(
                    [],
                    self._send_one,
                    on_result,
                    prepare=self._prepare,
                    stopping=lambda: was_running and not self.application.running,
                    more=lambda: self._more(report),
                    low=self.config.refill_at,
                )
        except asyncio.CancelledError:
            await self._release([p for p in self._owned if p not in done])
            raise
        # Stopped for shutdown: what was not attempted can be claimed again (by the next start).
        await self._release([p for p in self._owned if p not in done])

    async def _release(self, pairs: list[Pair]) -> None:
        if pairs:
            async with transaction(self.sessionmaker) as session:
                await deliveries.release(session, pairs)

    async def _prepare(self, alert: Alert) -> None:
        if alert.kind is Kind.WEEKLY and not alert.text:
            assert self.resources.digiwatt is not None
            alert.text = await weekly_recap(
                self.resources.digiwatt, alert.account_number, alert.lang
            )

    async def _send_one(self, alert: Alert) -> None:
        bot = self.application.bot
        options: dict[str, Any] = {
            "reply_markup": alert.markup,
            "disable_notification": alert.silent,
        }
        if alert.chart is None:
            await send_unparsed(bot, "sendMessage", chat_id=alert.chat_id, text=alert.text,
                                parse_mode=ParseMode.HTML, **options)  # fmt: skip
            return
        key, charts = alert.chart, self.state.charts
        file_id = charts.file_id(key)
        if file_id is None:
            async with charts.lock(key):
                file_id = charts.file_id(key)
                if file_id is None:
                    await self._upload(alert, key, options)
                    return
        try:
            await send_unparsed(bot, "sendPhoto", chat_id=alert.chat_id, photo=file_id,
                                caption=alert.text, parse_mode=ParseMode.HTML, **options)  # fmt: skip
        except BadRequest as error:
            if "file" in error.message.lower():  # "wrong file identifier": upload it again
                charts.forget(key)
                raise Retry(error.message) from error
            raise

    async def _upload(self, alert: Alert, key: ChartKey, options: dict[str, Any]) -> None:
        """The first alert with this chart uploads it; everyone after re-sends its file_id."""
        bot, charts = self.application.bot, self.state.charts
        assert self.greenness is not None and self.resources.renderer is not None
        image = await charts.image(key, self.greenness, self.resources.renderer.render)
        if image is None:
            await bot.send_message(alert.chat_id, alert.text, **options)
            return
        photo = InputFile(image, filename=f"green-{key.day}.jpg")
        message = await bot.send_photo(alert.chat_id, photo, caption=alert.text, **options)
        if message.photo:
            charts.uploaded(key, message.photo[-1].file_id)


@dataclass(frozen=True, slots=True)
class _ChatInfo:
    language: str | None
    blocked: bool
    time_zone: str
    daily_time: str
    enabled: bool
    reminder_lead_minutes: int | None
    weekly_recap: bool
    quiet_start: str | None
    quiet_end: str | None
    account_number: str | None

    def quiet(self, now: datetime) -> bool:
        return in_quiet_hours(
            self.quiet_start, self.quiet_end, f"{now.astimezone(zone(self.time_zone)):%H:%M}"
        )


async def _chat_info(session: Any, chat_ids: list[int]) -> dict[int, _ChatInfo]:
    """What a taken-over claim needs to be sent (or refused): chat, subscription and link."""
    S = AlertSubscription
    stmt = (
        select(
            Chat.id, func.coalesce(Chat.language, Chat.client_language), Chat.blocked, S.time_zone, S.daily_time, S.enabled,
            S.reminder_lead_minutes, S.weekly_recap, S.quiet_start, S.quiet_end,
            AccountLink.account_number,
        )
        .join(S, S.chat_id == Chat.id)
        .outerjoin(AccountLink, AccountLink.chat_id == Chat.id)
        .where(Chat.id.in_(sorted(set(chat_ids))))
    )  # fmt: skip
    rows = await session.execute(stmt)
    return {row[0]: _ChatInfo(*row[1:]) for row in rows}
