"""Throughput of the whole bot: updates per second, handler latency and bot CPU per update.

Real bot processes (`python -m bot run --webhook`) get a mix of text commands from simulated
users of the playground's Bot API, over real HTTP, with the Digiwatt simulator behind them:
- 1 process on SQLite;
- 1 process on PostgreSQL (when TEST_DATABASE_URL or BENCH_DATABASE_URL is set);
- 2 replicas on PostgreSQL behind a round-robin proxy, MULTI_REPLICA=true.
Each user sends a command, waits for the answer, sends the next (a closed loop, USERS at once).
Figures:
- updates/s: updates the bot(s) processed (their /metrics counters) over the wall time;
- handler p50/p99: from the bots' update-duration histogram (interpolated like Prometheus'
  histogram_quantile), i.e. time inside the Application;
- round trip p50/p99: the user's view, from sending to the first answer (playground included);
- preempted/update: times the kernel switched a bot process out while it still had work
  (nonvoluntary context switches). Each one costs CPU afterwards, in caches refilled: on
  this 2-core machine the bots share the cores with PostgreSQL and this script;
- CPU/update: the bot processes' user+system CPU (/proc/<pid>/stat) over the run, per update.
Goal: text commands at most 2 ms of bot CPU per update.

Each scenario runs --repeats times (rounds of all of them, so noise weighs on each alike); the
table shows the run with the median CPU per update, and every run's figure.

Run: .venv/bin/python benchmarks/throughput.py [--updates 1500] [--users 16] [--repeats 3]
         [--commands "/help,/start"] [--only sqlite|postgresql|replicas]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.speed_probe import SpeedProbe  # noqa: E402
from playground.client import PlaygroundClient  # noqa: E402
from playground.config import BotIdentity, PlaygroundConfig  # noqa: E402
from playground.server import RunningServer, run_in_thread  # noqa: E402
from simulator.app import create_app as create_simulator  # noqa: E402
from storage.db import create_engine  # noqa: E402
from tests.fixtures.simulator import simulator_config  # noqa: E402
from tests.integration.bot_process import (  # noqa: E402
    SECRET_HEADER,
    BotProcess,
    bot_env,
    free_port,
    webhook_env,
)

BOT_TOKEN = "123456:playground-test-token"
COMMANDS = ["/start", "/help", "/settings", "/menu", "good morning"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (its chart workers are other processes)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def preemptions(pid: int) -> int:
    """Times the kernel took the CPU from the process while it had work (every thread)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            status = (task / "status").read_text()
            total += int(status.split("nonvoluntary_ctxt_switches:")[1].split()[0])
    return total


def histogram(text_page: str, name: str) -> list[tuple[float, float]]:
    """Cumulative (upper bound, count) of one histogram, all label sets added up."""
    buckets: dict[float, float] = {}
    for family in text_string_to_metric_families(text_page):
        for sample in family.samples:
            if sample.name == f"{name}_bucket":
                bound = float(sample.labels["le"])
                buckets[bound] = buckets.get(bound, 0.0) + sample.value
    return sorted(buckets.items())


def counter(text_page: str, name: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text_page)
        for sample in family.samples
        if sample.name == name
    )


def quantile(
    q: float, before: list[tuple[float, float]], after: list[tuple[float, float]]
) -> float:
    """histogram_quantile over the increase between two scrapes."""
    old = dict(before)
    cumulative = [(bound, count - old.get(bound, 0.0)) for bound, count in after]
    total = cumulative[-1][1] if cumulative else 0.0
    if total <= 0:
        return float("nan")
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in cumulative:
        if count >= rank:
            if bound == float("inf"):
                return lower_bound
            span = count - lower_count
            fraction = (rank - lower_count) / span if span else 0.0
            return lower_bound + (bound - lower_bound) * fraction
        lower_bound, lower_count = bound, count
    return lower_bound


class RoundRobin:
    """The load balancer in front of the replicas: update i goes to replica i % n.

    aiohttp rather than httpx: about a third of the CPU per request, and a load balancer's CPU
    is not the bots' (in production it runs elsewhere, here it shares the machine's 2 cores)."""

    def __init__(self, targets: list[str]) -> None:
        self.targets = targets
        self.turns = itertools.cycle(range(len(targets)))
        self.http: aiohttp.ClientSession | None = None

    async def forward(self, request: Request) -> Response:
        if self.http is None:
            self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        body = await request.body()
        headers = {"Content-Type": "application/json"}
        if SECRET_HEADER in request.headers:
            headers[SECRET_HEADER] = request.headers[SECRET_HEADER]
        target = self.targets[next(self.turns)]
        async with self.http.post(target, data=body, headers=headers) as answer:
            await answer.read()
            return Response(status_code=answer.status)

    @asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        yield
        if self.http is not None:
            await self.http.close()


@asynccontextmanager
async def postgres_database(base_url: str) -> AsyncIterator[str]:
    """A fresh PostgreSQL database on the server of `base_url`, dropped afterwards."""
    name = f"{make_url(base_url).database}_bench_{os.getpid()}"

    async def admin(sql: str) -> None:
        engine = create_engine(base_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(text(sql))
        finally:
            await engine.dispose()

    await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def drive(pg: PlaygroundClient, users: int, updates: int, commands: list[str]) -> list[float]:
    """Closed loop: each user sends a command, waits for an answer, sends the next."""
    people = [await pg.create_user(f"User{i}") for i in range(users)]
    for person in people:  # first contact outside the measurement (chat rows created)
        await pg.send_text(person.id, "/start")
        await pg.next_message(person.id, timeout=60)
    budget = iter(range(updates))
    round_trips: list[float] = []

    async def user_loop(person_id: int, offset: int) -> None:
        turn = offset % len(commands)
        texts = itertools.cycle(commands[turn:] + commands[:turn])
        for _ in budget:
            started = time.perf_counter()
            # Sending moves the chat's cursor past everything before: no mark() needed (each
            # request of this loop is CPU taken from the bots on a small machine).
            await pg.send_text(person_id, next(texts))
            await pg.next_message(person_id, timeout=60)
            round_trips.append(time.perf_counter() - started)

    await asyncio.gather(*(user_loop(p.id, i) for i, p in enumerate(people)))
    return round_trips


async def scenario(
    label: str,
    db_url: str,
    replicas: int,
    botapi_url: str,
    simulator_url: str,
    users: int,
    updates: int,
    commands: list[str],
    workdir: Path,
) -> dict[str, object]:
    ports = [free_port() for _ in range(replicas)]
    proxy = None
    public = None
    if replicas > 1:
        robin = RoundRobin([f"http://127.0.0.1:{port}/telegram" for port in ports])
        proxy = RunningServer(
            Starlette(
                routes=[Route("/telegram", robin.forward, methods=["POST"])],
                lifespan=robin.lifespan,
            )
        )
        proxy.start()
        public = f"{proxy.url}/telegram"
    bots = []
    for index, port in enumerate(ports):
        env = bot_env(
            botapi_url,
            simulator_url,
            db_url,
            LOG_LEVEL="WARNING",
            # Far above Telegram's 30/s: the figures are the bot's, not the limiter's queue.
            TELEGRAM_GLOBAL_RATE=1000,
            MULTI_REPLICA="true" if replicas > 1 else "false",
            **webhook_env(port, url=public),
        )
        bots.append(BotProcess(env, workdir / f"{label}-{index}.log", "run", "--webhook").start())
    try:
        await asyncio.gather(
            *(b.wait_healthy(p, timeout=180) for b, p in zip(bots, ports, strict=True))
        )
        async with PlaygroundClient(botapi_url) as pg, httpx.AsyncClient(timeout=10) as http:
            await pg.reset()
            # reset() forgets the webhook: register it again as the bots did at start.
            hook = {
                "url": public or f"http://127.0.0.1:{ports[0]}/telegram",
                "secret_token": bots[0].env["WEBHOOK_SECRET"],
            }
            await http.post(f"{botapi_url}/bot{BOT_TOKEN}/setWebhook", json=hook)

            async def scrape() -> list[str]:
                return [(await http.get(f"http://127.0.0.1:{p}/metrics")).text for p in ports]

            before = await scrape()
            cpu_before = [cpu_seconds(b.pid) for b in bots]
            preempted_before = [preemptions(b.pid) for b in bots]
            started, window_start = time.perf_counter(), time.time()
            round_trips = await drive(pg, users, updates, commands)
            wall = time.perf_counter() - started
            window = (window_start, time.time())
            cpu_after = [cpu_seconds(b.pid) for b in bots]
            preempted = sum(preemptions(b.pid) for b in bots) - sum(preempted_before)
            after = await scrape()
    finally:
        for bot in bots:
            await bot.stop()
            bot.kill()
        if proxy is not None:
            proxy.stop()
    name = "digiwatt_bot_update_duration_seconds"
    merged_before = _merge([histogram(page, name) for page in before])
    merged_after = _merge([histogram(page, name) for page in after])
    processed = sum(
        counter(a, "digiwatt_bot_updates_total") - counter(b, "digiwatt_bot_updates_total")
        for a, b in zip(after, before, strict=True)
    )
    cpu = sum(a - b for a, b in zip(cpu_after, cpu_before, strict=True))
    round_trips.sort()
    return {
        "scenario": label,
        "updates": int(processed),
        "updates/s": processed / wall,
        "handler p50 ms": quantile(0.5, merged_before, merged_after) * 1000,
        "handler p99 ms": quantile(0.99, merged_before, merged_after) * 1000,
        "round trip p50 ms": statistics.median(round_trips) * 1000,
        "round trip p99 ms": round_trips[int(0.99 * (len(round_trips) - 1))] * 1000,
        "preempted/update": preempted / processed if processed else float("nan"),
        "CPU ms/update": cpu / processed * 1000 if processed else float("nan"),
        "window": window,
    }


def _merge(histograms: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    total: dict[float, float] = {}
    for buckets in histograms:
        for bound, count in buckets:
            total[bound] = total.get(bound, 0.0) + count
    return sorted(total.items())


def print_table(rows: list[dict[str, object]]) -> None:
    columns = list(rows[0])
    widths = [max(len(c), *(len(_fmt(r[c])) for r in rows)) for c in columns]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  ".join(_fmt(row[c]).ljust(w) for c, w in zip(columns, widths, strict=True)))


def _fmt(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


async def main(args: argparse.Namespace) -> None:
    playground = run_in_thread(
        PlaygroundConfig(bots=[BotIdentity(BOT_TOKEN, "digiwatt_test_bot", "Digiwatt")])
    )
    simulator = RunningServer(create_simulator(simulator_config()))
    simulator.start()
    pg_base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    rows = []
    runs: dict[str, list[dict[str, object]]] = {}
    try:
        with SpeedProbe() as probe, tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            common = (
                playground.url,
                simulator.url,
                args.users,
                args.updates,
                args.commands,
                workdir,
            )
            # Rounds of every scenario in turn, so a noisy minute weighs on all of them alike.
            for _ in range(args.repeats):
                if args.only in (None, "sqlite"):
                    sqlite = f"sqlite+aiosqlite:///{workdir}/bench-{len(runs.get('s', []))}.db"
                    runs.setdefault("s", []).append(
                        await scenario("1 process, SQLite", sqlite, 1, *common)
                    )
                if pg_base and args.only in (None, "postgresql"):
                    async with postgres_database(pg_base) as url:
                        runs.setdefault("p", []).append(
                            await scenario("1 process, PostgreSQL", url, 1, *common)
                        )
                if pg_base and args.only in (None, "replicas"):
                    async with postgres_database(pg_base) as url:
                        runs.setdefault("r", []).append(
                            await scenario("2 replicas, PostgreSQL", url, 2, *common)
                        )
            if not pg_base:
                print("(no TEST_DATABASE_URL/BENCH_DATABASE_URL: PostgreSQL scenarios skipped)")
    finally:
        simulator.stop()
        playground.stop()
    print(f"\nText commands {args.commands}, {args.users} users in a closed loop, webhook mode;")
    print(f"the run with the median CPU per update of {args.repeats}, and every run's figure.")
    print("slowdown: how much slower than full speed the cores ran in the run (speed_probe.py);")
    print("at full speed: CPU ms/update divided by it (the column: the median of the runs).")
    for done in runs.values():
        for run in done:
            run["slowdown"] = probe.slowdown(*run.pop("window"))  # type: ignore[misc]
            run["at full speed"] = float(run["CPU ms/update"]) / run["slowdown"]  # type: ignore[arg-type,operator]
        done.sort(key=lambda row: float(row["CPU ms/update"]))  # type: ignore[arg-type]
        row = dict(done[len(done) // 2])
        # Its own median: the run with the median CPU is not always the one with the median
        # figure at full speed.
        row["at full speed"] = statistics.median(float(r["at full speed"]) for r in done)  # type: ignore[arg-type]
        row["CPU of each run"] = " ".join(f"{float(r['CPU ms/update']):.2f}" for r in done)  # type: ignore[arg-type]
        row["at full speed, each run"] = " ".join(f"{r['at full speed']:.2f}" for r in done)
        rows.append(row)
    print_table(rows)
    worst = max(float(r["CPU ms/update"]) for r in rows)  # type: ignore[arg-type]  # medians
    at_full = max(float(r["at full speed"]) for r in rows)  # type: ignore[arg-type]  # medians
    print(
        f"\nGoal: <= 2 ms bot CPU per text update. Worst median here: {worst:.2f} ms as measured"
        f" ({'met' if worst <= 2 else 'NOT met'}), {at_full:.2f} ms at the cores' full speed"
        f" ({'met' if at_full <= 2 else 'NOT met'})."
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1500)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each scenario")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument(
        "--commands",
        type=lambda value: value.split(","),
        default=COMMANDS,
        help="comma-separated texts the users send in turn (default: the realistic mix)",
    )
    parser.add_argument(
        "--only",
        choices=["sqlite", "postgresql", "replicas"],
        help="one scenario: a process on SQLite, one on PostgreSQL, or two replicas",
    )
    asyncio.run(main(parser.parse_args()))
