"""Chart rendering: the reused-figure JPEG path and the warmed pool against naive pyplot, same run.

    .venv/bin/python benchmarks/charts.py [--repeat 15] [--rounds 5]

Per chart kind: median ms and image size, against the same chart drawn the naive way (a new
pyplot figure each time, savefig with a tight bounding box to PNG, plt.close). Then 20 charts
requested at once through the `ChartRenderer` pool against the same 20 drawn naively one after
the other, with the event loop's lag meanwhile (a 1 ms heartbeat), and the pool's warm-up time.
For contrast, the loop's lag when the same charts render in `asyncio.to_thread`.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import time
from collections.abc import Callable, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bot.charts import ChartKind, ChartRenderer
from bot.charts.kinds import FIGURE_INCHES
from bot.charts.render import CHARTS, render_chart
from bot.charts.samples import sample
from bot.charts.style import DPI

GOAL_PER_CHART = 0.35  # at most 35% of the naive time
GOAL_BURST = 0.60  # 20 at once in at most 60% of the naive sequential time
GOAL_P99_LAG_MS = 5.0
BURST = 20


def naive(kind: ChartKind, data: object, lang: str) -> bytes:
    """The same chart as people usually write it: fresh pyplot figure, tight bbox, PNG."""
    figure = plt.figure(figsize=FIGURE_INCHES[kind], dpi=DPI)
    chart = CHARTS[kind](figure)
    chart.update(data, lang)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def paired_medians(
    kind: ChartKind, data: object, lang: str, repeat: int
) -> tuple[float, int, float, int]:
    """Median ms and size, naive and ours, alternating so load from other processes hits both alike."""
    naive(kind, data, lang)  # first calls pay one-off costs (fonts, catalogs) as a warm worker has
    render_chart(kind, data, lang)
    naive_times, our_times = [], []
    naive_size = our_size = 0
    for _ in range(repeat):
        started = time.perf_counter()
        naive_size = len(naive(kind, data, lang))
        naive_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        our_size = len(render_chart(kind, data, lang))
        our_times.append(time.perf_counter() - started)
    median = statistics.median
    return median(naive_times) * 1000, naive_size, median(our_times) * 1000, our_size


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def heartbeat(lags: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.001)
        lags.append(time.perf_counter() - started - 0.001)


async def burst(render: Callable[..., object], requests: list, lags: list[float]) -> float:
    """Wall time of all `requests` at once, while a heartbeat records the loop's lag."""
    stop = asyncio.Event()
    beating = asyncio.create_task(heartbeat(lags, stop))
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    await asyncio.gather(*(render(*request) for request in requests))
    wall = time.perf_counter() - started
    stop.set()
    await beating
    return wall


async def pool_figures(requests: list, rounds: int) -> dict[str, float]:
    renderer = ChartRenderer()
    started = time.perf_counter()
    await renderer.start()
    warm_up = time.perf_counter() - started
    try:
        walls, lags = [], []
        for _ in range(rounds):
            walls.append(await burst(renderer.render, requests, lags))
        thread_lags: list[float] = []
        thread_wall = await burst(
            lambda *request: asyncio.to_thread(render_chart, *request), requests, thread_lags
        )
    finally:
        await renderer.close()
    return {
        "warm_up": warm_up,
        "workers": renderer.workers,
        "wall": statistics.median(walls),
        "p99": percentile(lags, 0.99),
        "max": max(lags),
        "thread_wall": thread_wall,
        "thread_p99": percentile(thread_lags, 0.99),
    }


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="renders per kind and way")
    parser.add_argument("--rounds", type=int, default=5, help="bursts of 20 through the pool")
    args = parser.parse_args()

    print(
        f"{'chart':<13} {'naive ms':>9} {'ours ms':>8} {'ratio':>6} {'naive KB':>9} {'ours KB':>8}  goal <= {GOAL_PER_CHART:.0%}"
    )
    worst = 0.0
    for index, kind in enumerate(ChartKind):
        data, lang = sample(kind), ("it", "en")[index % 2]
        naive_ms, naive_size, ours_ms, ours_size = paired_medians(kind, data, lang, args.repeat)
        ratio = ours_ms / naive_ms
        worst = max(worst, ratio)
        print(
            f"{kind.value:<13} {naive_ms:9.1f} {ours_ms:8.1f} {ratio:6.0%} "
            f"{naive_size / 1024:9.0f} {ours_size / 1024:8.0f}  {verdict(ratio <= GOAL_PER_CHART)}"
        )

    kinds = list(ChartKind)
    requests = [
        (kinds[i % len(kinds)], sample(kinds[i % len(kinds)]), ("it", "en")[i % 2])
        for i in range(BURST)
    ]
    started = time.perf_counter()
    for request in requests:
        naive(*request)
    sequential = time.perf_counter() - started
    figures = asyncio.run(pool_figures(requests, args.rounds))
    burst_ratio = figures["wall"] / sequential

    print()
    print(f"{'measure':<44} {'value':>10}  goal")
    rows = [
        (
            "worst chart / naive",
            f"{worst:.0%}",
            f"<= {GOAL_PER_CHART:.0%}",
            worst <= GOAL_PER_CHART,
        ),
        (f"{BURST} charts, naive sequential (s)", f"{sequential:.2f}", "", None),
        (
            f"{BURST} charts at once, pool of {figures['workers']:.0f} (s, median)",
            f"{figures['wall']:.2f}",
            "",
            None,
        ),
        (
            "  pool / naive sequential",
            f"{burst_ratio:.0%}",
            f"<= {GOAL_BURST:.0%}",
            burst_ratio <= GOAL_BURST,
        ),
        (
            "  loop lag p99 meanwhile (ms, 1 ms heartbeat)",
            f"{figures['p99'] * 1000:.2f}",
            f"<= {GOAL_P99_LAG_MS:.0f} ms",
            figures["p99"] * 1000 <= GOAL_P99_LAG_MS,
        ),
        ("  loop lag max meanwhile (ms)", f"{figures['max'] * 1000:.2f}", "", None),
        ("pool warm-up at start (s)", f"{figures['warm_up']:.2f}", "before the first user", None),
        (f"contrast: {BURST} in asyncio.to_thread (s)", f"{figures['thread_wall']:.2f}", "", None),
        ("  loop lag p99 with to_thread (ms)", f"{figures['thread_p99'] * 1000:.1f}", "", None),
    ]
    for name, value, goal, ok in rows:
        mark = "" if ok is None else verdict(ok)
        print(f"{name:<44} {value:>10}  {goal} {mark}".rstrip())


if __name__ == "__main__":
    main()
