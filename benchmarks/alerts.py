"""Alerts benchmark: thousands of subscribers due in the same minute, end to end.

The real Application (PTB, AIORateLimiter, database, Digiwatt client, chart renderer) runs
`run_alerts` against the playground Bot API and the Digiwatt simulator, which are served by a
separate process (so their CPU is not counted as the bot's). Every subscriber has a private
chat in the playground, is linked, and wants the daily push at 08:00 in Rome; half have a
household profile. Figures, per run:
- Digiwatt requests (goal: one greenness read per run, whatever the subscribers);
- database statements: the fixed part (take over stale claims, three due queries), the claims
  (with their households: two statements per second of sending) and the "sent" batches
  written while sending (at most one per flush_interval, 20 ms);
- CPU time of the bot process per alert (goal <= 1 ms), at a high ALERTS_RATE so the pace
  does not hide the cost;
- delivery time against the theoretical subscribers / ALERTS_RATE (goal within 5%), on a smaller
  sample at the default rate of 25 messages per second;
- duplicates and misses, counted from the playground's journal (goal 0), and chart uploads.

    .venv/bin/python benchmarks/alerts.py [--sizes 1000,10000] [--pace 500] [--fast-rate 1000]
                                          [--pg URL]

SQLite (a temporary file) unless --pg names a PostgreSQL server database URL, in which case a
throwaway database is created there and dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.alerts import AlertsConfig, configure, run_alerts
from bot.app import BotApplication, build_application
from bot.settings import Settings
from simulator.customers import family_account
from storage.db import create_engine, make_sessionmaker, transaction
from storage.migrate import upgrade
from storage.models import Account, AccountLink, AlertSubscription, Chat, HouseholdProfile

TOKEN = "123456:alerts-benchmark"
USERNAME = "digiwatt_bench_bot"
LINK_SECRET = "benchmark-link-secret-long-enough-0123456789"
NOW = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)  # Monday, 08:00 in Rome
FROZEN = "2025-06-02T07:59:00+02:00"  # the simulator's "now": greenness for that day
PROFILE = {
    "house": {"type": "apartment", "dimesion": 80, "province": "RM"},
    "residents": {"adults": 2, "children": 1, "elderlies": 0},
    "appliances": [
        {"appliance": "dishwasher", "quantity": 1},
        {"appliance": "washingMachine", "quantity": 1},
        {"appliance": "electricVehicle", "quantity": 1},
    ],
}


# --- the stand-ins, in their own process -------------------------------------------------------


def serve_stand_ins(users: int, ready: Any, stop: Any) -> None:
    """Playground (with `users` users whose chats with the bot are open) and simulator."""
    import uvicorn

    from playground.app import create_app as playground_app
    from playground.config import BotIdentity, PlaygroundConfig
    from simulator.app import create_app as simulator_app
    from simulator.config import SimulatorConfig

    config = PlaygroundConfig(
        bots=[BotIdentity(TOKEN, USERNAME)], max_recorded_calls=10 * users + 10_000
    )
    playground = playground_app(config)
    world = playground.state.world
    bot = world.bot_by_token(TOKEN)
    ids = []
    for i in range(users):
        user = world.create_user(f"User {i}", language_code="it" if i % 2 else "en")
        world.chat_for_user(bot, user.id)  # the user has pressed Start
        ids.append(user.id)
    simulator = simulator_app(SimulatorConfig(_env_file=None, control_enabled=True))  # type: ignore[call-arg]

    async def main() -> None:
        servers = [
            uvicorn.Server(
                uvicorn.Config(
                    app, host="127.0.0.1", port=0, log_level="warning", access_log=False,
                    ws="none", lifespan=lifespan,
                )
            )
            for app, lifespan in ((playground, "on"), (simulator, "off"))
        ]  # fmt: skip
        tasks = [asyncio.ensure_future(server.serve()) for server in servers]
        while not all(server.started for server in servers):  # noqa: ASYNC110 - uvicorn has no event
            await asyncio.sleep(0.05)
        ready.put(([s.servers[0].sockets[0].getsockname()[1] for s in servers], ids))
        await asyncio.to_thread(stop.wait)
        world.close()
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks)

    asyncio.run(main())


# --- the bot side ------------------------------------------------------------------------------


class Statements:
    """Database round trips, by kind: lookups and claims, "sent" batches, transactions."""

    def __init__(self, application: BotApplication) -> None:
        engine = application.bot_data.engine
        assert engine is not None
        self.lookups = self.status_writes = self.transactions = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._statement)
        event.listen(engine.sync_engine, "commit", self._commit)

    def _statement(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("BEGIN"):
            return  # counted as a transaction at its commit
        if "UPDATE alert_deliveries SET status" in statement:
            self.status_writes += 1
        else:
            self.lookups += 1

    def _commit(self, _conn: object) -> None:
        self.transactions += 1


async def populate(url: str, chat_ids: list[int]) -> None:
    """Chats, accounts, links, subscriptions at 08:00 Rome, profiles for every other account."""
    await upgrade(url)
    engine = create_engine(url, poolclass=NullPool)
    now = datetime.now(UTC)
    rows: dict[Any, list[dict[str, Any]]] = {t: [] for t in (Chat, Account, AccountLink)}
    rows[AlertSubscription] = []
    rows[HouseholdProfile] = []
    for k, chat_id in enumerate(chat_ids):
        customer = family_account(k)
        rows[Chat].append({"id": chat_id, "user_id": chat_id, "language": "it" if k % 2 else "en",
                           "time_zone": "Europe/Rome", "blocked": False, "created_at": now,
                           "updated_at": now})  # fmt: skip
        rows[Account].append({"account_number": customer.account_number, "created_at": now})
        rows[AccountLink].append({"chat_id": chat_id, "account_number": customer.account_number,
                                  "pod": customer.pod, "linked_at": now})  # fmt: skip
        rows[AlertSubscription].append({"chat_id": chat_id, "enabled": True, "daily_time": "08:00",
                                        "time_zone": "Europe/Rome", "weekly_recap": False,
                                        "created_at": now, "updated_at": now})  # fmt: skip
        if k % 2 == 0:
            rows[HouseholdProfile].append({"account_number": customer.account_number,
                                           "onboarding": PROFILE, "submitted_at": now})  # fmt: skip
    sessions = make_sessionmaker(engine)
    try:
        async with transaction(sessions) as session:
            for model in (Chat, Account, AccountLink, AlertSubscription, HouseholdProfile):
                table, values = model.__table__, rows[model]
                for start in range(0, len(values), 2_000):
                    await session.execute(table.insert(), values[start : start + 2_000])
            if session.get_bind().dialect.name == "postgresql":
                await session.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


@dataclass
class Figures:
    label: str
    subscribers: int
    rate: float
    greenness_calls: int
    digiwatt_calls: int
    lookups: int
    status_writes: int
    transactions: int
    cpu_ms_per_alert: float
    wall_s: float
    theoretical_s: float
    sent: int
    duplicates: int
    missing: int
    uploads: int


def bot_settings(db_url: str, botapi: str, simulator: str, rate: float) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_url=botapi,  # type: ignore[arg-type]
        digiwatt_api_url=simulator,  # type: ignore[arg-type]
        digiwatt_client_id="demo",
        digiwatt_client_secret=SecretStr("demo-secret"),
        digiwatt_company_code="DEMO",
        database_url=db_url,
        link_secret=SecretStr(LINK_SECRET),
        # The alerts set the pace: PTB's global limiter must not be the tighter one.
        telegram_global_rate=max(rate, 25),
        alerts_rate=rate,
        chart_workers=1,
    )


async def measure(
    label: str, db_url: str, botapi: str, simulator: str, chat_ids: list[int], rate: float
) -> Figures:
    """One dispatcher run with every subscriber due; the bot process measured around it."""
    await populate(db_url, chat_ids)
    application = build_application(bot_settings(db_url, botapi, simulator, rate))
    async with (
        httpx.AsyncClient(base_url=simulator, timeout=30) as control,
        httpx.AsyncClient(base_url=f"{botapi}/_playground", timeout=120) as journal,
    ):
        await control.put("/_simulator/clock", json={"now": FROZEN})
        await application.initialize()
        try:
            assert application.post_init is not None
            await application.post_init(application)  # Digiwatt client, warm chart workers
            configure(application, AlertsConfig(rate=rate))
            statements = Statements(application)
            await control.delete("/_simulator/stats")
            seq = (await journal.get("/events", params={"after": 10**18})).json()["last_seq"]
            cpu, wall = time.process_time(), time.perf_counter()
            report = await run_alerts(application, now=NOW, since=NOW - timedelta(minutes=1))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            calls = (
                await journal.get("/calls", params={"method": "sendPhoto", "after": seq})
            ).json()["calls"]
            stats = (await control.get("/_simulator/stats")).json()
        finally:
            await application.shutdown()
            assert application.post_shutdown is not None
            await application.post_shutdown(application)
            await control.put("/_simulator/clock", json={"now": None})
    delivered = Counter(c["params"]["chat_id"] for c in calls if c["ok"])
    return Figures(
        label=label,
        subscribers=len(chat_ids),
        rate=rate,
        greenness_calls=stats["by_route"].get("GET /greenness", 0),
        digiwatt_calls=stats["requests"],
        lookups=statements.lookups,
        status_writes=statements.status_writes,
        transactions=statements.transactions,
        cpu_ms_per_alert=1000 * cpu / max(1, len(report.sent)),
        wall_s=wall,
        theoretical_s=len(chat_ids) / rate,
        sent=len(report.sent),
        duplicates=sum(n - 1 for n in delivered.values() if n > 1),
        missing=len(set(chat_ids) - set(delivered)),
        uploads=sum(1 for c in calls if c["ok"] and isinstance(c["params"]["photo"], dict)),
    )


async def dispatcher_only(db_url: str, botapi: str, simulator: str, chat_ids: list[int]) -> float:
    """CPU ms per alert of everything but the Telegram requests (sends replaced by no-ops)."""
    from bot.alerts import dispatcher

    await populate(db_url, chat_ids)
    application = build_application(bot_settings(db_url, botapi, simulator, 1000))
    original = dispatcher._Run._send_one

    async def no_send(self: object, alert: object) -> None:
        return None

    async with httpx.AsyncClient(base_url=simulator, timeout=30) as control:
        await control.put("/_simulator/clock", json={"now": FROZEN})
        await application.initialize()
        try:
            assert application.post_init is not None
            await application.post_init(application)
            configure(application, AlertsConfig(rate=1e9))
            dispatcher._Run._send_one = no_send  # type: ignore[method-assign]
            cpu = time.process_time()
            report = await run_alerts(application, now=NOW, since=NOW - timedelta(minutes=1))
            cpu = time.process_time() - cpu
        finally:
            dispatcher._Run._send_one = original  # type: ignore[method-assign]
            await application.shutdown()
            assert application.post_shutdown is not None
            await application.post_shutdown(application)
            await control.put("/_simulator/clock", json={"now": None})
    return 1000 * cpu / max(1, len(report.sent))


async def telegram_only(botapi: str, chat_ids: list[int]) -> float:
    """CPU ms per message of python-telegram-bot alone re-sending a photo by file_id as the
    alerts do (send_unparsed), with the same concurrency and the same kind of message: the
    floor under the alerts' figure."""
    import io

    from PIL import Image
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.ext import AIORateLimiter, ApplicationBuilder

    from bot.telegram_request import AiohttpRequest, send_unparsed

    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{botapi}/bot")
        .request(AiohttpRequest())  # the bot's own transport (bot/telegram_request.py)
        .rate_limiter(AIORateLimiter(overall_max_rate=1000, overall_time_period=1))
        .build()
    )
    await application.initialize()
    try:
        bot = application.bot
        image = io.BytesIO()
        Image.new("RGB", (1280, 400), (40, 160, 80)).save(image, "JPEG")
        first = await bot.send_photo(chat_ids[0], image.getvalue())
        file_id = first.photo[-1].file_id
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton("😴", callback_data="alr:snooze:2025-06-02")],
             [InlineKeyboardButton("🔕", callback_data="alr:stop")]]
        )  # fmt: skip
        caption = "🌿 <b>Green energy today</b>\n" + "Run the dishwasher 11:00–16:00\n" * 4
        queue = list(chat_ids[1:])
        workers = AlertsConfig(rate=1000).workers

        async def worker() -> None:
            while queue:
                chat_id = queue.pop()
                await send_unparsed(bot, "sendPhoto", chat_id=chat_id, photo=file_id,
                                    caption=caption, reply_markup=keyboard, parse_mode="HTML")  # fmt: skip

        cpu = time.process_time()
        await asyncio.gather(*(worker() for _ in range(workers)))
        cpu = time.process_time() - cpu
    finally:
        await application.shutdown()
    return 1000 * cpu / max(1, len(chat_ids) - 1)


# --- databases ---------------------------------------------------------------------------------


async def _admin(server_url: str, sql: str) -> None:
    engine = create_engine(server_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


class Databases:
    """A fresh database per measurement: SQLite files, or throwaway PostgreSQL databases."""

    def __init__(self, pg: str | None, folder: Path) -> None:
        self.pg, self.folder, self.created = pg, folder, []

    async def new(self, name: str) -> str:
        if self.pg is None:
            return f"sqlite+aiosqlite:///{self.folder / name}.db"
        url = make_url(self.pg)
        database = f"alerts_bench_{name}"
        await _admin(self.pg, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await _admin(self.pg, f'CREATE DATABASE "{database}"')
        self.created.append(database)
        return url.set(database=database).render_as_string(hide_password=False)

    async def drop(self) -> None:
        for database in self.created:
            await _admin(self.pg or "", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


# --- the table ---------------------------------------------------------------------------------


def print_table(rows: list[Figures], engine: str) -> None:
    print(f"\nAlerts: every subscriber due at 08:00 Rome, one run ({engine})")
    header = (
        f"{'run':<22}{'subs':>7}{'rate/s':>8}{'greenness':>10}{'digiwatt':>9}{'lookups':>8}"
        f"{'sent-writes':>12}{'txns':>6}{'cpu ms/alert':>13}{'wall s':>8}{'subs/rate s':>12}"
        f"{'vs theory':>10}{'sent':>7}{'dups':>5}{'miss':>5}{'uploads':>8}"
    )
    print(header)
    print("-" * len(header))
    for f in rows:
        print(
            f"{f.label:<22}{f.subscribers:>7}{f.rate:>8g}{f.greenness_calls:>10}{f.digiwatt_calls:>9}"
            f"{f.lookups:>8}{f.status_writes:>12}{f.transactions:>6}{f.cpu_ms_per_alert:>13.3f}"
            f"{f.wall_s:>8.2f}{f.theoretical_s:>12.2f}{100 * (f.wall_s / f.theoretical_s - 1):>+9.1f}%"
            f"{f.sent:>7}{f.duplicates:>5}{f.missing:>5}{f.uploads:>8}"
        )
    print(
        "\ngreenness/digiwatt: requests the simulator received (digiwatt includes the token);"
        "\nlookups: stale claims and due queries, then claims and households (two statements per"
        "\nsecond of sending); sent-writes: batched status updates, at most one per 20 ms;"
        "\ntxns: transactions committed; vs theory: wall time against subscribers / rate."
    )


async def main_async(args: argparse.Namespace, botapi: str, simulator: str, ids: list[int]) -> None:
    sizes = [int(s) for s in args.sizes.split(",")]
    rows: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="alerts-bench-") as folder:
        databases = Databases(args.pg, Path(folder))
        try:
            offset = 0
            for size in sizes:
                chats = ids[offset : offset + size]
                offset += size
                url = await databases.new(f"cpu_{size}")
                rows.append(
                    await measure(
                        f"cpu, rate {args.fast_rate:g}/s",
                        url,
                        botapi,
                        simulator,
                        chats,
                        args.fast_rate,
                    )
                )
            chats = ids[offset : offset + args.pace]
            offset += args.pace
            url = await databases.new(f"pace_{args.pace}")
            rows.append(await measure("pace, default 25/s", url, botapi, simulator, chats, 25.0))
            largest = max(sizes)
            url = await databases.new("stubbed")
            own = await dispatcher_only(url, botapi, simulator, ids[:largest])
            floor = await telegram_only(botapi, ids[offset : offset + args.floor])
        finally:
            await databases.drop()
    print_table(rows, "PostgreSQL" if args.pg else "SQLite")
    print(
        f"\nWhere the CPU of an alert goes: the dispatcher without its Telegram requests "
        f"({largest} alerts, sends stubbed) {own:.3f} ms; python-telegram-bot alone re-sending "
        f"a photo by file_id ({args.floor} messages, same concurrency) {floor:.3f} ms."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="subscribers per CPU run")
    parser.add_argument("--pace", type=int, default=500, help="subscribers in the pace run")
    parser.add_argument("--fast-rate", type=float, default=1000, help="ALERTS_RATE of CPU runs")
    parser.add_argument("--floor", type=int, default=1000, help="messages in the PTB-only run")
    parser.add_argument("--pg", default=None, help="a PostgreSQL database URL to create dbs on")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    total = sum(int(s) for s in args.sizes.split(",")) + args.pace + args.floor
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    process = context.Process(target=serve_stand_ins, args=(total, ready, stop), daemon=True)
    process.start()
    try:
        (botapi_port, simulator_port), ids = ready.get(timeout=300)
        asyncio.run(
            main_async(
                args, f"http://127.0.0.1:{botapi_port}", f"http://127.0.0.1:{simulator_port}", ids
            )
        )
    finally:
        stop.set()
        process.join(timeout=30)


if __name__ == "__main__":
    main()
