"""Energy, power and changes written as people read them, in Italian or English.

Charts and captions share these so a number reads the same on the picture and in the text:
"7,9 kWh" and "850 W" in Italian, "7.9 kWh" and "2.4 kW" in English.
"""

from __future__ import annotations

import math

from bot.i18n import number

# Below these a smaller unit reads better: "850 Wh" rather than "0,85 kWh".
_KILO = 1000
# From here on decimals are noise: "1.234 kWh" rather than "1.234,5 kWh".
_WHOLE_FROM = 100


def _scaled(value: float, unit: str, lang: str) -> str:
    """`value` in base units (Wh, W) as base or kilo units with sensible decimals."""
    if not math.isfinite(value):
        return "–"
    if abs(round(value)) < _KILO:
        return f"{number(round(value), lang, 0)} {unit}"
    kilo = value / _KILO
    digits = 0 if abs(kilo) >= _WHOLE_FROM else 1
    return f"{number(kilo, lang, digits)} k{unit}"


def format_energy(wh: float, lang: str) -> str:
    """Energy from Wh: '850 Wh', '7,9 kWh', '1.234 kWh' (Italian) or '7.9 kWh' (English)."""
    return _scaled(wh, "Wh", lang)


def format_power(w: float, lang: str) -> str:
    """Power from W: '850 W', '2,4 kW' (Italian) or '2.4 kW' (English)."""
    return _scaled(w, "W", lang)


def format_change(pct: float | None, lang: str) -> str:
    """A signed percentage change: '+12%', '-8,5%'; an empty string when there is nothing to compare."""
    if pct is None or not math.isfinite(pct):
        return ""
    digits = 0 if abs(pct) >= 10 or pct == round(pct) else 1
    sign = "+" if pct > 0 else ""
    return f"{sign}{number(pct, lang, digits)}%"


def format_share(pct: float, lang: str) -> str:
    """A share out of 100 as a whole percentage: 41.4 -> '41%'; tiny but non-zero shares say '<1%'."""
    if 0 < pct < 0.5:
        return "<1%"
    return f"{number(round(pct), lang, 0)}%"
