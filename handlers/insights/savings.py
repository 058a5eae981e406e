"""What the last 30 days say about saving money: pure arithmetic on Digiwatt's figures and prices.

Moving a flexible appliance means running it in F3 (nights, Sundays, holidays) instead of F1/F2:
its energy stays the same, only the price per kWh changes. The always-on load runs every hour of
the year, so it is priced at the average of the bands weighted by their hours in a year.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from bot.charts.labels import last_day
from bot.digiwatt.models import Appliance, BandEnergy, Saving, TariffBand, Trend
from bot.settings import Settings
from bot.tariff_bands import band_of_hour

DAYS_PER_YEAR = 365
HOURS_PER_YEAR = 24 * DAYS_PER_YEAR


@dataclass(frozen=True, slots=True)
class Prices:
    """EUR per kWh in each tariff band."""

    f1: float
    f2: float
    f3: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Prices:
        return cls(settings.price_f1_eur_kwh, settings.price_f2_eur_kwh, settings.price_f3_eur_kwh)

    def of(self, band: TariffBand) -> float:
        return {TariffBand.F1: self.f1, TariffBand.F2: self.f2, TariffBand.F3: self.f3}[band]

    def cost(self, bands: BandEnergy) -> float:
        """EUR for energy split by band (Wh)."""
        return (bands.f1_wh * self.f1 + bands.f2_wh * self.f2 + bands.f3_wh * self.f3) / 1000


@dataclass(frozen=True, slots=True)
class MoveToF3:
    """One flexible appliance: its energy, what moving it all to F3 would save, its green part."""

    appliance: Appliance
    energy_wh: int
    outside_f3_wh: int
    saving_eur: float
    green_wh: int


@dataclass(frozen=True, slots=True)
class SavingsAdvice:
    """Everything the /savings answer says, in numbers (money in EUR, shares 0..100)."""

    days: float
    total_wh: int
    f1_share_pct: float | None  # of the period's energy; None when there was none
    year_f1_share_pct: float | None  # the same over the trend's 12 months
    cost_eur: float  # the period's energy at these prices
    moves: tuple[MoveToF3, ...]  # largest saving first
    move_saving_eur: float  # over the period
    move_saving_eur_year: float
    flexible_wh: int
    flexible_green_pct: float | None  # share of the flexible energy already in green windows
    baseload_w: int
    baseload_kwh_year: float
    baseload_eur_year: float
    prices: Prices


def _share(part: float, whole: float) -> float | None:
    return 100 * part / whole if whole > 0 else None


@lru_cache(maxsize=8)
def band_hours(last_day: date) -> dict[TariffBand, int]:
    """Hours of each band in the 365 days ending on `last_day`, holidays counted as F3."""
    first = last_day - timedelta(days=DAYS_PER_YEAR - 1)
    hours = Counter(
        band_of_hour(first + timedelta(days=offset), hour)
        for offset in range(DAYS_PER_YEAR)
        for hour in range(24)
    )
    return {band: hours[band] for band in TariffBand}


def always_on_price(prices: Prices, last_day: date) -> float:
    """EUR/kWh of a load that never stops: the band prices weighted by their hours."""
    hours = band_hours(last_day)
    return sum(prices.of(band) * count for band, count in hours.items()) / HOURS_PER_YEAR


def advise(saving: Saving, trend: Trend | None, prices: Prices) -> SavingsAdvice:
    """The period's F1 share, what moving flexible appliances to F3 saves, what always-on costs."""
    days = max((saving.end - saving.start).total_seconds() / 86400, 1.0)
    bands = saving.bands
    band_total = bands.f1_wh + bands.f2_wh + bands.f3_wh
    year_f1_share = None
    if trend is not None:
        year_f1_share = _share(
            sum(m.f1_wh for m in trend.months),
            sum(m.f1_wh + m.f2_wh + m.f3_wh for m in trend.months),
        )
    moves = tuple(
        sorted(
            (
                MoveToF3(
                    appliance=use.appliance,
                    energy_wh=use.energy_wh,
                    outside_f3_wh=use.bands.f1_wh + use.bands.f2_wh,
                    saving_eur=(
                        use.bands.f1_wh * (prices.f1 - prices.f3)
                        + use.bands.f2_wh * (prices.f2 - prices.f3)
                    )
                    / 1000,
                    green_wh=use.green_wh,
                )
                for use in saving.flexible
            ),
            key=lambda move: (-move.saving_eur, -move.energy_wh, move.appliance.value),
        )
    )
    move_saving = sum(move.saving_eur for move in moves)
    flexible_wh = sum(move.energy_wh for move in moves)
    baseload_kwh_year = saving.baseload_w * HOURS_PER_YEAR / 1000
    return SavingsAdvice(
        days=days,
        total_wh=saving.total_wh,
        f1_share_pct=_share(bands.f1_wh, band_total),
        year_f1_share_pct=year_f1_share,
        cost_eur=prices.cost(bands),
        moves=moves,
        move_saving_eur=move_saving,
        move_saving_eur_year=move_saving * DAYS_PER_YEAR / days,
        flexible_wh=flexible_wh,
        flexible_green_pct=_share(sum(move.green_wh for move in moves), flexible_wh),
        baseload_w=saving.baseload_w,
        baseload_kwh_year=baseload_kwh_year,
        baseload_eur_year=baseload_kwh_year * always_on_price(prices, last_day(saving.end)),
        prices=prices,
    )
