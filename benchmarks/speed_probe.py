"""How fast the machine's cores ran during a benchmark, to read its CPU figures against.

On the 2-core machines this project is measured on, the same Python loop takes 45 ms of CPU
or 85 ms, switching several times a second and per core (another tenant on the same physical
core, or its clock). CPU per update then moves by a third between two runs of the same code.
So, beside a benchmark, one probe process per core times a fixed piece of Python work every
PERIOD_S; `slowdown(start, end)` is how much slower that work ran in a window than at the
cores' full speed (the fastest tenth of every timing). Dividing a CPU figure by it gives the
figure at full speed; both are printed.

The probes cost about 4% of each core. Run: with SpeedProbe() as probe: ...; probe.slowdown(a, b)
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import time
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from types import TracebackType

PERIOD_S = 0.05
# A message-like object to serialise and parse: the kind of work a bot's update is made of.
_UPDATE = {
    "update_id": 1,
    "message": {
        "message_id": 2,
        "from": {"id": 3, "is_bot": False, "first_name": "Anna", "language_code": "it"},
        "chat": {"id": 3, "type": "private", "first_name": "Anna"},
        "date": 1_700_000_000,
        "text": "quanto ho consumato ieri?",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    },
}


def _unit() -> None:
    """About 2 ms of interpreter work at full speed: JSON, dicts, strings, calls."""
    for _ in range(60):
        parsed = json.loads(json.dumps(_UPDATE))
        words = {word: len(word) for word in parsed["message"]["text"].split()}
        "-".join(f"{key}:{value}" for key, value in sorted(words.items()))


def _probe(core: int, results: Connection, stop: Event) -> None:
    os.sched_setaffinity(0, {core})
    samples: list[tuple[float, float]] = []
    while not stop.is_set():
        started = time.thread_time()
        _unit()
        samples.append((time.time(), time.thread_time() - started))
        stop.wait(PERIOD_S)
    results.send(samples)


class SpeedProbe:
    """One probe process per core while the block runs; then `slowdown(start, end)`."""

    def __init__(self) -> None:
        self._context = multiprocessing.get_context("spawn")  # the benchmark runs threads
        self._stop = self._context.Event()
        self._probes: list[tuple[multiprocessing.process.BaseProcess, Connection]] = []
        self.samples: list[tuple[float, float]] = []

    def __enter__(self) -> SpeedProbe:
        for core in sorted(os.sched_getaffinity(0)):
            receiver, sender = self._context.Pipe(duplex=False)
            process = self._context.Process(
                target=_probe, args=(core, sender, self._stop), daemon=True
            )
            process.start()
            self._probes.append((process, receiver))
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        for process, receiver in self._probes:
            if receiver.poll(30):
                self.samples.extend(receiver.recv())
            process.join(5)

    def full_speed(self) -> float:
        """The work's CPU time at the cores' full speed: the fastest tenth of all timings."""
        times = sorted(duration for _, duration in self.samples)
        return statistics.median(times[: max(1, len(times) // 10)])

    def slowdown(self, start: float, end: float) -> float:
        """How many times slower than full speed the cores ran between `start` and `end`
        (time.time()); 1.0 when no probe ran then."""
        inside = [duration for at, duration in self.samples if start <= at <= end]
        if not inside:
            return 1.0
        return statistics.fmean(inside) / self.full_speed()


if __name__ == "__main__":
    # Alone: how the cores' speed moves on this machine over a few idle seconds.
    with SpeedProbe() as probe:
        begun = time.time()
        time.sleep(5)
    durations = [duration for _, duration in probe.samples]
    full = probe.full_speed()
    print(f"{len(durations)} timings of the probe's work on {len(os.sched_getaffinity(0))} cores")
    print(f"full speed: {full * 1000:.2f} ms; slowest: {max(durations) * 1000:.2f} ms")
    print(f"slowdown over the 5 s: {probe.slowdown(begun, time.time()):.2f}x")
