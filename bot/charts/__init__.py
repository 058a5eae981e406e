"""Charts: one chart kind per answer, rendered to JPEG bytes in a warmed process pool.

Only light modules load here; matplotlib is imported inside the render workers
(`bot.charts.worker`), or by `bot.charts.render` for in-process use in tests and benchmarks.
"""

from bot.charts.kinds import ChartKind, LivePower, image_size
from bot.charts.labels import appliance_name, band_name, period_name
from bot.charts.pool import ChartError, ChartRenderer, ChartTimeout, default_workers

__all__ = [
    "ChartError",
    "ChartKind",
    "ChartRenderer",
    "ChartTimeout",
    "LivePower",
    "appliance_name",
    "band_name",
    "default_workers",
    "image_size",
    "period_name",
]
