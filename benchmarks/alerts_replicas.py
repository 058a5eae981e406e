"""Alerts on replicas: does a second bot process send a minute's alerts faster? (issue #8)

The same subscribers, all due at 08:00 in Rome, are dispatched on PostgreSQL first by ONE bot
process, then by TWO at once: real OS processes, each with its own Application (PTB,
AIORateLimiter, engine, Digiwatt client, chart worker), started together by a barrier for the
same `now`, each at the same ALERTS_RATE. The playground Bot API and the Digiwatt simulator run
in a third process (benchmarks/alerts.py's stand-ins). Printed per scenario: alerts per second
(sent / wall time, from the first process starting its run to the last one ending), the ratio
two / one (goal >= 1.7), duplicates and misses from the playground's journal (goal 0), how the
sends split between the processes, and the CPU each process and the stand-ins used (the machine
has 2 cores: the rate must leave them room, or the cores and not the replicas set the pace).

    .venv/bin/python benchmarks/alerts_replicas.py [--pg URL] [--subscribers 4000]
                                                   [--rate 200] [--cpu-rate 1000]

--pg names a PostgreSQL server database URL; a throwaway database is created there for each
scenario and dropped at the end. --cpu-rate 0 skips the CPU-bound variant.

Why two rates: at 200/s per process the pace is the limit (two processes, the stand-ins and
PostgreSQL keep the 2 cores about a third busy), so the ratio shows how the replicas share a
minute. At 1000/s (the CPU variant) the machine is near its limit: one process takes about half
a core, the stand-ins (serving every send) and PostgreSQL much of the rest, and two processes
must share the same two cores with them.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.alerts import (
    FROZEN,
    NOW,
    Databases,
    Statements,
    bot_settings,
    populate,
    serve_stand_ins,
)
from bot.alerts import AlertsConfig, configure, run_alerts
from bot.app import build_application

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores (Linux)."""
    with open("/proc/stat", encoding="ascii") as stat:
        ticks = [int(n) for n in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks) - idle) / CLOCK_TICKS, sum(ticks) / CLOCK_TICKS


# --- one bot process ---------------------------------------------------------------------------


def bot_process(
    index: int, db_url: str, botapi: str, simulator: str, rate: float, go: Any, results: Any
) -> None:
    """A bot process: set up, wait for the others, run the dispatcher once, report."""
    logging.basicConfig(level=logging.WARNING)

    async def main() -> None:
        application = build_application(bot_settings(db_url, botapi, simulator, rate))
        await application.initialize()
        try:
            assert application.post_init is not None
            await application.post_init(application)  # Digiwatt client, warm chart worker
            configure(application, AlertsConfig(rate=rate))
            statements = Statements(application)
            await asyncio.to_thread(go.wait, 120)
            cpu, start = time.process_time(), time.time()
            report = await run_alerts(application, now=NOW, since=NOW - timedelta(minutes=1))
            cpu, end = time.process_time() - cpu, time.time()
            results.put(
                {
                    "index": index,
                    "start": start,
                    "end": end,
                    "cpu": cpu,
                    "sent": len(report.sent),
                    "claimed": report.claimed,
                    "elsewhere": report.skipped["claimed elsewhere"],
                    "lookups": statements.lookups,
                    "transactions": statements.transactions,
                }
            )
        finally:
            await application.shutdown()
            assert application.post_shutdown is not None
            await application.post_shutdown(application)

    asyncio.run(main())


# --- a scenario --------------------------------------------------------------------------------


@dataclass
class Scenario:
    label: str
    processes: int
    rate: float
    subscribers: int
    wall_s: float
    sent: int
    duplicates: int
    missing: int
    split: list[int]
    bot_cpu_s: list[float]
    stand_ins_cpu_s: float
    machine_busy: float  # share of all cores busy during the run (PostgreSQL included)
    claims: list[str]

    @property
    def per_second(self) -> float:
        return self.sent / self.wall_s


async def run_scenario(
    label: str,
    processes: int,
    rate: float,
    db_url: str,
    botapi: str,
    simulator: str,
    chat_ids: list[int],
    stand_ins_pid: int,
) -> Scenario:
    await populate(db_url, chat_ids)
    context = multiprocessing.get_context("spawn")
    go, results = context.Barrier(processes + 1), context.Queue()
    children = [
        context.Process(target=bot_process, args=(i, db_url, botapi, simulator, rate, go, results))
        for i in range(processes)
    ]
    async with httpx.AsyncClient(base_url=f"{botapi}/_playground", timeout=120) as journal:
        seq = (await journal.get("/events", params={"after": 10**18})).json()["last_seq"]
        for child in children:
            child.start()
        await asyncio.to_thread(go.wait, 120)  # every process set up: all start now
        stand_ins_cpu, machine = cpu_seconds(stand_ins_pid), machine_busy()
        reports = [await asyncio.to_thread(results.get, True, 600) for _ in children]
        stand_ins_cpu = cpu_seconds(stand_ins_pid) - stand_ins_cpu
        busy, total = (
            after - before for after, before in zip(machine_busy(), machine, strict=True)
        )
        for child in children:
            child.join(timeout=60)
        calls = []
        for method in ("sendPhoto", "sendMessage"):
            answer = await journal.get("/calls", params={"method": method, "after": seq})
            calls += answer.json()["calls"]
    delivered = Counter(c["params"]["chat_id"] for c in calls if c["ok"])
    reports.sort(key=lambda r: r["index"])
    wall = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    return Scenario(
        label=label,
        processes=processes,
        rate=rate,
        subscribers=len(chat_ids),
        wall_s=wall,
        sent=sum(r["sent"] for r in reports),
        duplicates=sum(n - 1 for n in delivered.values() if n > 1),
        missing=len(set(chat_ids) - set(delivered)),
        split=[r["sent"] for r in reports],
        bot_cpu_s=[r["cpu"] for r in reports],
        stand_ins_cpu_s=stand_ins_cpu,
        machine_busy=busy / total,
        claims=[f"{r['transactions']} txns/{r['lookups']} lookups" for r in reports],
    )


def print_table(rows: list[Scenario], pairs: list[tuple[Scenario, Scenario]]) -> None:
    print("\nAlerts on replicas: every subscriber due at 08:00 Rome, PostgreSQL")
    header = (
        f"{'run':<28}{'subs':>6}{'rate/s each':>12}{'wall s':>8}{'alerts/s':>10}{'sent':>6}"
        f"{'dups':>5}{'miss':>5}{'split':>12}{'bot cpu %':>12}{'stand-ins cpu %':>16}{'busy %':>8}"
        f"{'  db per process'}"
    )
    print(header)
    print("-" * (len(header) + 24))
    for s in rows:
        split = "/".join(str(n) for n in s.split)
        cpu = "/".join(f"{100 * c / s.wall_s:.0f}" for c in s.bot_cpu_s)
        print(
            f"{s.label:<28}{s.subscribers:>6}{s.rate:>12g}{s.wall_s:>8.2f}{s.per_second:>10.1f}"
            f"{s.sent:>6}{s.duplicates:>5}{s.missing:>5}{split:>12}{cpu:>12}"
            f"{100 * s.stand_ins_cpu_s / s.wall_s:>16.0f}{100 * s.machine_busy:>8.0f}"
            f"  {', '.join(s.claims)}"
        )
    print()
    for one, two in pairs:
        print(
            f"rate {one.rate:g}/s per process: two processes send {two.per_second:.1f} alerts/s, "
            f"one {one.per_second:.1f}: x{two.per_second / one.per_second:.2f} (goal >= 1.7)"
        )
    print(
        "\nwall s: first process starting its run to the last one ending; split: sends per"
        "\nprocess; cpu %: CPU time over wall time (100 = one core; the machine has "
        f"{os.cpu_count()});\nbusy %: all the machine's cores (PostgreSQL included), from the"
        " barrier to the last report;\ndb per process: transactions committed (claims, households, sent"
        " batches) and other statements than the sent batches."
    )


async def main_async(args: argparse.Namespace, botapi: str, simulator: str, ids: list[int],
                     stand_ins_pid: int) -> None:  # fmt: skip
    rates = [args.rate] + ([args.cpu_rate] if args.cpu_rate else [])
    rows: list[Scenario] = []
    pairs = []
    async with httpx.AsyncClient(base_url=simulator, timeout=30) as control:
        await control.put("/_simulator/clock", json={"now": FROZEN})
        with tempfile.TemporaryDirectory(prefix="alerts-replicas-") as folder:
            databases = Databases(args.pg, Path(folder))
            try:
                for rate in rates:
                    scenarios = []
                    for processes in (1, 2):
                        name = f"replicas_{processes}_{int(rate)}"
                        url = await databases.new(name)
                        label = f"{processes} process{'es' if processes > 1 else ''}, {rate:g}/s"
                        scenarios.append(
                            await run_scenario(
                                label, processes, rate, url, botapi, simulator, ids, stand_ins_pid
                            )
                        )
                    rows += scenarios
                    pairs.append((scenarios[0], scenarios[1]))
            finally:
                await databases.drop()
                await control.put("/_simulator/clock", json={"now": None})
    print_table(rows, pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--pg",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        help="a PostgreSQL database URL to create the throwaway databases on",
    )
    parser.add_argument("--subscribers", type=int, default=4000)
    parser.add_argument("--rate", type=float, default=200, help="ALERTS_RATE of each process")
    parser.add_argument("--cpu-rate", type=float, default=1000, help="CPU-bound variant; 0: skip")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    process = context.Process(
        target=serve_stand_ins, args=(args.subscribers, ready, stop), daemon=True
    )
    process.start()
    try:
        (botapi_port, simulator_port), ids = ready.get(timeout=300)
        assert process.pid is not None
        asyncio.run(
            main_async(
                args,
                f"http://127.0.0.1:{botapi_port}",
                f"http://127.0.0.1:{simulator_port}",
                ids,
                process.pid,
            )
        )
    finally:
        stop.set()
        process.join(timeout=30)


if __name__ == "__main__":
    main()
