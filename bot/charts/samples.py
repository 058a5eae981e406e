"""A plausible household's data for every chart kind: warms the workers and feeds the benchmark."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone

from bot.charts.kinds import ChartData, ChartKind, LivePower
from bot.digiwatt.models import (
    Appliance,
    ApplianceTotal,
    BandEnergy,
    Compound,
    CompoundMonth,
    Consumption,
    ConsumptionInterval,
    ConsumptionTotals,
    Distribution,
    FlexibleUse,
    Greenness,
    GreenWindow,
    HabitCell,
    Habits,
    HourlyShare,
    LatestConsumption,
    Performance,
    Period,
    PowerPoint,
    Realtime,
    Saving,
    Trend,
    TrendMonth,
)

ROME = timezone(timedelta(hours=1))
ACCOUNT = "SAMPLE-1"
DAY = datetime(2026, 3, 3, tzinfo=ROME)
# Average power per appliance (W) and the hours it mostly runs: a family of four.
PROFILE: dict[Appliance, tuple[float, range]] = {
    Appliance.FRIDGE: (45, range(24)),
    Appliance.HEAT_PUMP: (420, range(6, 23)),
    Appliance.WASHING_MACHINE: (160, range(9, 12)),
    Appliance.DISHWASHER: (210, range(20, 23)),
    Appliance.OVEN: (380, range(18, 20)),
    Appliance.TELEVISION: (70, range(19, 24)),
    Appliance.INDUCTION_COOKTOP: (300, range(12, 14)),
    Appliance.MICROWAVE: (90, range(7, 9)),
}
MONTHS = [f"{2025 + (2 + m) // 12}-{(2 + m) % 12 + 1:02d}" for m in range(12)]


def _hour(appliance: Appliance, hour: int, day: int = 0) -> int:
    watts, hours = PROFILE[appliance]
    if hour not in hours:
        return 0
    return round(watts * (1 + 0.25 * math.sin(hour * 1.3 + day + len(appliance.value))))


def consumption() -> Consumption:
    intervals = []
    for hour in range(24):
        start = DAY + timedelta(hours=hour)
        used = {a: _hour(a, hour) for a in PROFILE}
        used = {a: wh for a, wh in used.items() if wh}
        intervals.append(
            ConsumptionInterval(
                start=start,
                end=start + timedelta(hours=1),
                total_wh=sum(used.values()) + 35,
                appliances=used,
            )
        )
    return Consumption(
        account_number=ACCOUNT,
        period=Period.YESTERDAY,
        start=DAY,
        end=DAY + timedelta(days=1),
        granularity="hour",
        intervals=intervals,
    )


def totals() -> ConsumptionTotals:
    energy = {a: sum(_hour(a, h) for h in range(24)) for a in PROFILE}
    previous = {a: round(wh * (0.8 + 0.05 * i)) for i, (a, wh) in enumerate(energy.items())}
    total, before = sum(energy.values()) + 840, sum(previous.values()) + 800
    return ConsumptionTotals(
        account_number=ACCOUNT,
        period=Period.YESTERDAY,
        start=DAY,
        end=DAY + timedelta(days=1),
        previous_start=DAY - timedelta(days=1),
        previous_end=DAY,
        total_wh=total,
        previous_total_wh=before,
        change_pct=round(100 * (total - before) / before, 1),
        appliances=[
            ApplianceTotal(
                appliance=a,
                energy_wh=wh,
                previous_energy_wh=previous[a],
                share_pct=round(100 * wh / total, 1),
            )
            for a, wh in energy.items()
        ],
    )


def live() -> LivePower:
    start = DAY + timedelta(hours=14)
    points = [
        PowerPoint(
            timestamp=start + timedelta(minutes=5 * i),
            power_w=round(380 + 260 * math.sin(i / 9) ** 2 + (1900 if 40 < i < 46 else 0)),
        )
        for i in range(72)
    ]
    latest = LatestConsumption(
        account_number=ACCOUNT,
        start=start,
        end=start + timedelta(hours=6),
        interval_minutes=5,
        points=points,
    )
    now = Realtime(account_number=ACCOUNT, timestamp=latest.end, power_w=1240)
    return LivePower(latest, now)


def performance() -> Performance:
    return Performance(
        account_number=ACCOUNT,
        period=Period.LAST_MONTH,
        start=datetime(2026, 2, 1, tzinfo=ROME),
        end=datetime(2026, 3, 1, tzinfo=ROME),
        user_wh=262_000,
        min_wh=141_000,
        average_wh=231_000,
        max_wh=418_000,
        similar_homes=128,
    )


def habits() -> Habits:
    return Habits(
        account_number=ACCOUNT,
        period=Period.LAST_MONTH,
        start=datetime(2026, 2, 1, tzinfo=ROME),
        end=datetime(2026, 3, 1, tzinfo=ROME),
        cells=[
            HabitCell(
                weekday=weekday,
                hour=hour,
                energy_wh=sum(_hour(a, hour, weekday) for a in PROFILE) + 40,
            )
            for weekday in range(1, 8)
            for hour in range(24)
        ],
    )


def trend() -> Trend:
    months = []
    for index, month in enumerate(MONTHS):
        season = 1 + 0.35 * math.cos(index / 12 * 2 * math.pi)
        f1, f2, f3 = (round(v * season) for v in (98_000, 71_000, 104_000))
        months.append(TrendMonth(month=month, f1_wh=f1, f2_wh=f2, f3_wh=f3, total_wh=f1 + f2 + f3))
    return Trend(account_number=ACCOUNT, months=months)


def distribution() -> Distribution:
    energy = {a: sum(_hour(a, h) for h in range(24)) * 365 for a in PROFILE}
    total = sum(energy.values()) + 310_000
    return Distribution(
        account_number=ACCOUNT,
        start_month=MONTHS[0],
        end_month=MONTHS[-1],
        total_wh=total,
        appliances=[
            ApplianceTotal(
                appliance=a,
                energy_wh=wh,
                previous_energy_wh=round(wh * 0.93),
                share_pct=round(100 * wh / total, 1),
            )
            for a, wh in energy.items()
        ],
    )


def compound() -> Compound:
    months = []
    for index, month in enumerate(MONTHS):
        season = 1 + 0.35 * math.cos(index / 12 * 2 * math.pi)
        used = {a: round(sum(_hour(a, h) for h in range(24)) * 30 * season) for a in PROFILE}
        months.append(
            CompoundMonth(month=month, total_wh=sum(used.values()) + 25_000, appliances=used)
        )
    return Compound(account_number=ACCOUNT, months=months)


def saving() -> Saving:
    def use(appliance: Appliance, f1: int, f2: int, f3: int, green: int) -> FlexibleUse:
        return FlexibleUse(
            appliance=appliance,
            energy_wh=f1 + f2 + f3,
            bands=BandEnergy(f1_wh=f1, f2_wh=f2, f3_wh=f3),
            green_wh=green,
        )

    return Saving(
        account_number=ACCOUNT,
        start=DAY - timedelta(days=30),
        end=DAY,
        total_wh=312_000,
        bands=BandEnergy(f1_wh=121_000, f2_wh=83_000, f3_wh=108_000),
        baseload_w=180,
        green_share_pct=23.5,
        flexible=[
            use(Appliance.DISHWASHER, 9_800, 7_400, 1_200, 4_100),
            use(Appliance.WASHING_MACHINE, 11_200, 2_900, 800, 3_300),
            use(Appliance.BOILER, 21_000, 12_500, 18_000, 9_800),
        ],
    )


def greenness() -> Greenness:
    day = date(2026, 3, 3)
    midnight = datetime(2026, 3, 3, tzinfo=ROME)
    hourly = [
        HourlyShare(
            start=midnight + timedelta(hours=h),
            renewable_pct=round(28 + 46 * max(0.0, math.sin((h - 6) / 13 * math.pi)), 1),
        )
        for h in range(24)
    ]
    return Greenness(
        date=day,
        timezone="Europe/Rome",
        updated_at=midnight - timedelta(hours=2),
        renewable_pct=round(sum(h.renewable_pct for h in hourly) / 24, 1),
        windows=[
            GreenWindow(
                start=midnight + timedelta(hours=3),
                stop=midnight + timedelta(hours=5),
                renewable_pct=52.0,
            ),
            GreenWindow(
                start=midnight + timedelta(hours=11),
                stop=midnight + timedelta(hours=15),
                renewable_pct=71.5,
            ),
        ],
        hourly=hourly,
    )


SAMPLES = {
    ChartKind.CONSUMPTION: consumption,
    ChartKind.TOTALS: totals,
    ChartKind.LATEST: live,
    ChartKind.PERFORMANCE: performance,
    ChartKind.HABITS: habits,
    ChartKind.TREND: trend,
    ChartKind.DISTRIBUTION: distribution,
    ChartKind.COMPOUND: compound,
    ChartKind.SAVING: saving,
    ChartKind.GREENNESS: greenness,
}


def sample(kind: ChartKind) -> ChartData:
    return SAMPLES[kind]()
