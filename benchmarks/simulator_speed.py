"""How fast the Digiwatt simulator answers: the household model, each operation cold and warm, HTTP.

Run: .venv/bin/python benchmarks/simulator_speed.py [--accounts 50] [--requests 2000]
Prints medians (and p99 over HTTP); the ratios compare cold and warm in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from bot.digiwatt.models import Period
from simulator import payloads
from simulator.customers import family_account
from simulator.household import DEFAULT_PROFILE, account_seed, day_usage, month_usage

ROOT = Path(__file__).resolve().parents[1]
TZ = "Europe/Rome"
NOW = datetime(2025, 11, 12, 10, 30, tzinfo=UTC)


def clear_caches() -> None:
    day_usage.cache_clear()
    month_usage.cache_clear()


def median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def bench_day_model(accounts: list[str]) -> None:
    clear_caches()
    seeds = [account_seed(a) for a in accounts]
    days = [date(2025, 1, 1) + timedelta(days=n) for n in range(365)]
    started = time.perf_counter()
    for seed in seeds:
        for day in days:
            day_usage(seed, DEFAULT_PROFILE, day, TZ)
    per_day = (time.perf_counter() - started) / (len(seeds) * len(days))
    print(f"household model: {per_day * 1e6:.0f} µs per (account, day), computed once then cached")


def bench_operations(accounts: list[str]) -> None:
    operations: dict[str, Callable[[str], object]] = {
        "consumption last-month": lambda a: payloads.consumption(
            a, DEFAULT_PROFILE, Period.LAST_MONTH, NOW, TZ
        ),
        "totals this-month": lambda a: payloads.totals(
            a, DEFAULT_PROFILE, Period.THIS_MONTH, NOW, TZ
        ),
        "habits last-week": lambda a: payloads.habits(
            a, DEFAULT_PROFILE, Period.LAST_WEEK, NOW, TZ
        ),
        "realtime": lambda a: payloads.realtime(a, DEFAULT_PROFILE, NOW, TZ),
        "latest": lambda a: payloads.latest(a, DEFAULT_PROFILE, NOW, TZ),
        "trend": lambda a: payloads.trend(a, DEFAULT_PROFILE, NOW, TZ),
        "distribution": lambda a: payloads.distribution(a, DEFAULT_PROFILE, NOW, TZ),
        "saving": lambda a: payloads.saving(a, DEFAULT_PROFILE, NOW, TZ),
    }
    print(f"\noperation (median over {len(accounts)} accounts)   cold µs    warm µs   cold/warm")
    for name, call in operations.items():
        clear_caches()
        cold, warm = [], []
        for account in accounts:
            started = time.perf_counter()
            call(account)
            cold.append(time.perf_counter() - started)
            started = time.perf_counter()
            call(account)
            warm.append(time.perf_counter() - started)
        c, w = median_us(cold), median_us(warm)
        print(f"  {name:38s} {c:9.0f} {w:10.0f} {c / w:10.1f}x")


def bench_memory(accounts: list[str]) -> None:
    clear_caches()
    gc.collect()
    tracemalloc.start()
    for account in accounts:
        payloads.distribution(account, DEFAULT_PROFILE, NOW, TZ)
        payloads.consumption(account, DEFAULT_PROFILE, Period.LAST_MONTH, NOW, TZ)
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    days = day_usage.cache_info().currsize
    print(
        f"\ncache memory after 24 months for {len(accounts)} accounts: {current / 2**20:.1f} MiB "
        f"({days} cached days, LRU bound {day_usage.cache_info().maxsize})"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """The simulator in its own process, as `digiwatt-bot simulator` runs it (access log off)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        code = (
            "import uvicorn\n"
            "from simulator.app import create_app\n"
            "from simulator.config import SimulatorConfig\n"
            "config = SimulatorConfig(_env_file=None, client_id='bench', client_secret='bench-secret')\n"
            f"uvicorn.run(create_app(config), host='127.0.0.1', port={self.port},"
            " log_level='warning', access_log=False, ws='none', lifespan='off')\n"
        )
        self.process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)  # noqa: S603

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.process.kill()
        raise SystemExit("the simulator did not start within 30 s")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


async def http_run(url: str, accounts: list[str], total: int, concurrency: int) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        token = await client.post(
            "/auth/token", data={"client_id": "bench", "client_secret": "bench-secret"}
        )
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        for account in accounts:
            customer = family_account(int(account) - 2_000_000_000)
            await client.post("/users", json={**customer._asdict(), "company_code": "BENCH"})
        paths = (
            [f"/users/{a}/consumption/{p.value}/totals" for a in accounts for p in Period]
            + [f"/users/{a}/analytics/trend" for a in accounts]
            + ["/greenness"]
        )

        async def one_pass(label: str) -> None:
            latencies: list[float] = []
            queue = [paths[i % len(paths)] for i in range(total)]
            lock = asyncio.Lock()

            async def worker() -> None:
                while True:
                    async with lock:
                        if not queue:
                            return
                        path = queue.pop()
                    started = time.perf_counter()
                    response = await client.get(path)
                    latencies.append(time.perf_counter() - started)
                    response.raise_for_status()

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.perf_counter() - started
            latencies.sort()
            p50 = latencies[len(latencies) // 2] * 1000
            p99 = latencies[int(len(latencies) * 0.99)] * 1000
            print(
                f"  {label:5s} {total} requests, {concurrency} at a time: {total / elapsed:7.0f} req/s, "
                f"p50 {p50:6.1f} ms, p99 {p99:6.1f} ms"
            )

        print(
            f"\nHTTP over loopback ({len(paths)} distinct reads, the simulator in its own process):"
        )
        await one_pass("cold")
        await one_pass("warm")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    accounts = [family_account(k).account_number for k in range(args.accounts)]
    bench_day_model(accounts[:10])
    bench_operations(accounts)
    bench_memory(accounts)
    clear_caches()
    with Server() as server:
        asyncio.run(http_run(server.url, accounts, args.requests, args.concurrency))


if __name__ == "__main__":
    main()
