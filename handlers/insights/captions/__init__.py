"""Captions: two to four lines that say what a chart shows, useful without the picture.

Pure functions of Digiwatt's models and the language. Numbers are written with the same helpers
as the charts (bot.units), so "7,9 kWh" reads the same in the caption and on the picture.
"""

from handlers.insights.captions.advice import green, savings
from handlers.insights.captions.common import change_pct, format_euro
from handlers.insights.captions.live import last_six_hours, now
from handlers.insights.captions.period import compare, consumption, habits
from handlers.insights.captions.yearly import compound, distribution, trend

__all__ = [
    "change_pct",
    "compare",
    "compound",
    "consumption",
    "distribution",
    "format_euro",
    "green",
    "habits",
    "last_six_hours",
    "now",
    "savings",
    "trend",
]
