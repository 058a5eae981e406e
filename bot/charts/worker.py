"""What runs inside a render worker process. Kept free of heavy imports at module level.

The bot process pickles references to these functions, which imports this module, so
matplotlib is imported only inside the workers (by `init`).
"""

from __future__ import annotations

import contextlib
import os
import signal
from threading import Barrier

NICENESS = 5

_barrier: Barrier | None = None


def init(barrier: Barrier | None) -> None:
    """Worker start-up: import matplotlib and draw every chart kind once, before the first user."""
    global _barrier
    _barrier = barrier
    # Ctrl-C goes to the whole process group; the bot process shuts the pool down cleanly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # When the cores are busy the bot's event loop must win them: a chart can wait a little.
    with contextlib.suppress(OSError, AttributeError):
        os.nice(NICENESS)
    import matplotlib

    matplotlib.use("Agg")
    from bot.charts.render import warm

    warm()


def ready(timeout: float) -> int:
    """Wait until every worker of the pool runs this, so each one is known warm; return the pid."""
    if _barrier is not None:
        _barrier.wait(timeout)
    return os.getpid()


def render(kind: str, data: object, lang: str) -> bytes:
    from bot.charts.render import render_chart

    return render_chart(kind, data, lang)  # type: ignore[arg-type]
