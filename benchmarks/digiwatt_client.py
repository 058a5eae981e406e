"""Benchmark: 1,000 concurrent reads for 100 accounts through DigiwattClient vs a naive client.

Starts the simulator (uvicorn in a subprocess, on a free port), creates the accounts, then runs the
same seeded mix of reads three ways: the naive client (a new httpx client and a new token per
call), DigiwattClient with a cold cache, and the same DigiwattClient again (warm cache).
Goal: 1 token request; upstream reads <= distinct (account, endpoint, period) triples.

    .venv/bin/python benchmarks/digiwatt_client.py [--accounts 100] [--reads 1000] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.digiwatt import models  # noqa: E402 - after the path fix, so the script runs from anywhere
from bot.digiwatt.client import DigiwattClient, create_http_client  # noqa: E402
from simulator.customers import family_account  # noqa: E402 - known customers 2000000000 + k

CLIENT_ID, CLIENT_SECRET = "bench", "bench-secret"
PERIODIC = ("consumption", "totals", "performance", "habits")
# A chat user's menu, by popularity: what a bot with many users would ask for.
ENDPOINT_WEIGHTS = {
    "realtime": 20,
    "greenness": 15,
    "totals": 15,
    "consumption": 10,
    "latest": 8,
    "saving": 8,
    "performance": 6,
    "habits": 5,
    "trend": 5,
    "distribution": 4,
    "compound": 4,
}
PERIOD_WEIGHTS = {"yesterday": 5, "this-month": 4, "this-week": 3, "last-month": 2}
MODELS = {
    "consumption": models.Consumption,
    "totals": models.ConsumptionTotals,
    "realtime": models.Realtime,
    "latest": models.LatestConsumption,
    "performance": models.Performance,
    "habits": models.Habits,
    "trend": models.Trend,
    "distribution": models.Distribution,
    "compound": models.Compound,
    "saving": models.Saving,
    "greenness": models.Greenness,
}

Read = tuple[str | None, str, str | None]  # (account, endpoint, period)


def workload(accounts: list[str], reads: int, seed: int) -> list[Read]:
    rng = random.Random(seed)
    names, weights = zip(*ENDPOINT_WEIGHTS.items(), strict=True)
    periods, period_weights = zip(*PERIOD_WEIGHTS.items(), strict=True)
    mix: list[Read] = []
    for _ in range(reads):
        endpoint = rng.choices(names, weights)[0]
        period = rng.choices(periods, period_weights)[0] if endpoint in PERIODIC else None
        account = None if endpoint == "greenness" else rng.choice(accounts)
        mix.append((account, endpoint, period))
    return mix


def path_of(account: str | None, endpoint: str, period: str | None) -> str:
    if endpoint == "greenness":
        return "/greenness"
    tails = {
        "realtime": "consumption/realtime",
        "latest": "consumption/latest",
        "trend": "analytics/trend",
        "distribution": "analytics/distribution",
        "compound": "analytics/compound",
        "saving": "saving",
    }
    if endpoint in PERIODIC:
        tail = f"consumption/{period}" + ("" if endpoint == "consumption" else f"/{endpoint}")
    else:
        tail = tails[endpoint]
    return f"/users/{account}/{tail}"


# --- the simulator --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_simulator(port: int, latency: float) -> subprocess.Popen[bytes]:
    code = (
        "import uvicorn\n"
        "from simulator.app import create_app\n"
        "from simulator.config import SimulatorConfig\n"
        f"uvicorn.run(create_app(SimulatorConfig()), host='127.0.0.1', port={port},"
        " log_level='warning', access_log=False)\n"
    )
    env = os.environ | {
        "DIGIWATT_CLIENT_ID": CLIENT_ID,
        "DIGIWATT_CLIENT_SECRET": CLIENT_SECRET,
        "SIMULATOR_LATENCY": str(latency),
        "SIMULATOR_TOKEN_LIFETIME": "3600",
    }
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the simulator exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the simulator did not start within 30 s")


# --- the two clients ------------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    wall_s: float
    latencies_ms: list[float]
    upstream_reads: int
    token_requests: int
    errors: int

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed(call: Callable[[], Awaitable[object]], latencies: list[float]) -> bool:
    started = time.perf_counter()
    try:
        await call()
    except Exception as exc:  # a benchmark counts failures instead of stopping at the first
        print(f"  error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return False
    finally:
        latencies.append((time.perf_counter() - started) * 1000)
    return True


def client_call(client: DigiwattClient, read: Read) -> Callable[[], Awaitable[object]]:
    account, endpoint, period = read
    method = getattr(client, endpoint)
    if endpoint == "greenness":
        return method
    if period is None:
        return lambda: method(account)
    return lambda: method(account, period)


async def run_client(name: str, client: DigiwattClient, mix: list[Read]) -> Run:
    before = client.stats.upstream_requests(), client.stats.token_requests
    latencies: list[float] = []
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(timed(client_call(client, r), latencies) for r in mix))
    wall = time.perf_counter() - started
    tokens = client.stats.token_requests - before[1]
    reads = client.stats.upstream_requests() - before[0] - tokens
    return Run(name, wall, latencies, reads, tokens, outcomes.count(False))


async def run_naive(base_url: str, mix: list[Read]) -> Run:
    """What a first version would do: a new connection, a new token and a new client per call."""
    counts = {"reads": 0, "tokens": 0}

    async def one(read: Read) -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
            form = {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "grant_type": "client_credentials",
            }
            counts["tokens"] += 1
            token = (await http.post("/auth/token", data=form)).raise_for_status().json()
            counts["reads"] += 1
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            response = await http.get(path_of(*read), headers=headers)
            MODELS[read[1]].model_validate(response.raise_for_status().json()["data"])

    latencies: list[float] = []
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(timed(lambda r=r: one(r), latencies) for r in mix))
    wall = time.perf_counter() - started
    return Run("naive", wall, latencies, counts["reads"], counts["tokens"], outcomes.count(False))


# --- main -----------------------------------------------------------------------------------------


async def benchmark(args: argparse.Namespace, base_url: str) -> None:
    accounts = [family_account(k) for k in range(args.accounts)]
    secret = SecretStr(CLIENT_SECRET)
    async with (
        create_http_client(base_url) as http,
        DigiwattClient(http, client_id=CLIENT_ID, client_secret=secret) as setup,
    ):
        for account, pod in accounts:
            await setup.create_user(pod, account, "BENCH")  # a fresh simulator: no conflicts

    mix = workload([a for a, _ in accounts], args.reads, args.seed)
    distinct = len(set(mix))
    runs = [await run_naive(base_url, mix)]
    async with (
        create_http_client(base_url) as http,
        DigiwattClient(http, client_id=CLIENT_ID, client_secret=secret) as client,
    ):
        runs.append(await run_client("DigiwattClient, cold", client, mix))
        runs.append(await run_client("DigiwattClient, warm", client, mix))
        stats = client.stats

    print(
        f"\n{args.reads} concurrent reads, {args.accounts} accounts, "
        f"{distinct} distinct (account, endpoint, period) triples, "
        f"simulator latency {args.latency * 1000:.0f} ms\n"
    )
    header = f"{'client':<22} {'upstream reads':>14} {'token reqs':>10} {'p50 ms':>8} {'p99 ms':>8} {'wall s':>7} {'errors':>6}"
    print(header)
    print("-" * len(header))
    for run in runs:
        print(
            f"{run.name:<22} {run.upstream_reads:>14} {run.token_requests:>10} "
            f"{run.pct(0.5):>8.1f} {run.pct(0.99):>8.1f} {run.wall_s:>7.2f} {run.errors:>6}"
        )
    naive, cold = runs[0], runs[1]
    print(
        f"\nnaive / cold: upstream requests x{(naive.upstream_reads + naive.token_requests) / max(1, cold.upstream_reads + cold.token_requests):.1f}, "
        f"token requests x{naive.token_requests / max(1, cold.token_requests):.0f}, "
        f"p50 x{naive.pct(0.5) / max(cold.pct(0.5), 1e-9):.1f}, "
        f"wall x{naive.wall_s / cold.wall_s:.1f}"
    )
    print(
        f"cold: coalesced {sum(stats.coalesced.values())}, "
        f"cache hits over both runs {sum(stats.cache_hits.values())}"
    )
    goal_tokens = cold.token_requests == 1
    goal_reads = cold.upstream_reads <= distinct
    print(
        f"goal: 1 token request {'met' if goal_tokens else 'MISSED'}; "
        f"upstream reads {cold.upstream_reads} <= {distinct} distinct triples "
        f"{'met' if goal_reads else 'MISSED'}"
    )
    if not (goal_tokens and goal_reads) or any(run.errors for run in runs):
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--reads", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.0, help="simulator latency, seconds")
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args()
    port = free_port()
    simulator = start_simulator(port, args.latency)
    try:
        asyncio.run(benchmark(args, f"http://127.0.0.1:{port}"))
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)


if __name__ == "__main__":
    main()
