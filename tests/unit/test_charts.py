"""Every chart kind draws the API's data into a phone-sized image, labelled in the user's language."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from matplotlib.text import Text
from PIL import Image

from bot.charts import ChartKind, LivePower, image_size
from bot.charts.render import CHARTS, render_chart
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
from bot.units import format_change, format_energy, format_power

ROME = ZoneInfo("Europe/Rome")
ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "ACC-1001"
# What a family of four might use in an hour (Wh), by appliance and hour of the day.
HOURLY: dict[Appliance, dict[int, int]] = {
    Appliance.FRIDGE: dict.fromkeys(range(24), 42),
    Appliance.HEAT_PUMP: {h: 380 + 15 * (h % 5) for h in range(6, 23)},
    Appliance.WASHING_MACHINE: {9: 520, 10: 310},
    Appliance.DISHWASHER: {21: 640, 22: 180},
    Appliance.OVEN: {19: 900, 20: 350},
    Appliance.TELEVISION: dict.fromkeys(range(19, 24), 75),
    Appliance.INDUCTION_COOKTOP: {13: 700},
    Appliance.MICROWAVE: {8: 110},
    Appliance.AIR_CONDITIONER: {15: 60},
    Appliance.ELECTRIC_VEHICLE: {1: 2100, 2: 2100},
}


def local(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ROME)


def consumption(appliances: dict[Appliance, dict[int, int]] = HOURLY) -> Consumption:
    day = date(2026, 3, 3)
    intervals = []
    for hour in range(24):
        used = {a: by_hour[hour] for a, by_hour in appliances.items() if hour in by_hour}
        start = local(day, hour)
        intervals.append(
            ConsumptionInterval(
                start=start,
                end=start + timedelta(hours=1),
                total_wh=sum(used.values()) + 37,  # a little nobody can name
                appliances=used,
            )
        )
    return Consumption(
        account_number=ACCOUNT,
        period=Period.YESTERDAY,
        start=local(day),
        end=local(day + timedelta(days=1)),
        granularity="hour",
        intervals=intervals,
    )


def month_of_days(zero: bool = False) -> Consumption:
    first = date(2026, 2, 1)
    intervals = []
    for offset in range(28):
        start = local(first + timedelta(days=offset))
        used = {} if zero else {Appliance.FRIDGE: 1000, Appliance.HEAT_PUMP: 6000 + 90 * offset}
        intervals.append(
            ConsumptionInterval(
                start=start,
                end=start + timedelta(days=1),
                total_wh=sum(used.values()),
                appliances=used,
            )
        )
    return Consumption(
        account_number=ACCOUNT,
        period=Period.LAST_MONTH,
        start=local(first),
        end=local(date(2026, 3, 1)),
        granularity="day",
        intervals=intervals,
    )


def totals(zero: bool = False) -> ConsumptionTotals:
    day = date(2026, 3, 3)
    energy = {a: 0 if zero else sum(by_hour.values()) for a, by_hour in HOURLY.items()}
    total = sum(energy.values()) + (0 if zero else 720)
    previous = {a: round(wh * 1.1) for a, wh in energy.items()}
    previous_total = sum(previous.values()) + (0 if zero else 700)
    return ConsumptionTotals(
        account_number=ACCOUNT,
        period=Period.YESTERDAY,
        start=local(day),
        end=local(day + timedelta(days=1)),
        previous_start=local(day - timedelta(days=1)),
        previous_end=local(day),
        total_wh=total,
        previous_total_wh=previous_total,
        change_pct=None if zero else round(100 * (total - previous_total) / previous_total, 1),
        appliances=[
            ApplianceTotal(
                appliance=a,
                energy_wh=wh,
                previous_energy_wh=previous[a],
                share_pct=round(100 * wh / total, 1) if total else 0,
            )
            for a, wh in energy.items()
        ],
    )


def live(points: bool = True, now: bool = True) -> LivePower:
    start = local(date(2026, 3, 3), 14)
    readings = [
        PowerPoint(timestamp=start + timedelta(minutes=5 * i), power_w=350 + (i % 12) * 90)
        for i in range(72 if points else 0)
    ]
    latest = LatestConsumption(
        account_number=ACCOUNT,
        start=start,
        end=start + timedelta(hours=6),
        interval_minutes=5,
        points=readings,
    )
    realtime = Realtime(account_number=ACCOUNT, timestamp=latest.end, power_w=2350)
    return LivePower(latest, realtime if now else None)


def performance(user_wh: int = 262_000, zero: bool = False) -> Performance:
    return Performance(
        account_number=ACCOUNT,
        period=Period.LAST_MONTH,
        start=local(date(2026, 2, 1)),
        end=local(date(2026, 3, 1)),
        user_wh=0 if zero else user_wh,
        min_wh=0 if zero else 141_000,
        average_wh=0 if zero else 231_000,
        max_wh=0 if zero else 418_000,
        similar_homes=128,
    )


def habits(cells: bool = True) -> Habits:
    return Habits(
        account_number=ACCOUNT,
        period=Period.LAST_WEEK,
        start=local(date(2026, 2, 23)),
        end=local(date(2026, 3, 2)),
        cells=[
            HabitCell(
                weekday=weekday,
                hour=hour,
                energy_wh=sum(by_hour.get(hour, 0) for by_hour in HOURLY.values()) + 20 * weekday,
            )
            for weekday in range(1, 8)
            for hour in range(24)
            if cells and not (weekday == 7 and hour < 6)  # a gap: Sunday's early hours missing
        ],
    )


MONTHS = [f"2025-{m:02d}" for m in range(3, 13)] + ["2026-01", "2026-02"]


def trend(zero: bool = False) -> Trend:
    months = []
    for index, month in enumerate(MONTHS):
        f1, f2, f3 = (0, 0, 0) if zero else (110_000 - 4000 * index, 80_000, 95_000 + 2000 * index)
        months.append(TrendMonth(month=month, f1_wh=f1, f2_wh=f2, f3_wh=f3, total_wh=f1 + f2 + f3))
    return Trend(account_number=ACCOUNT, months=months)


def distribution(only: Appliance | None = None) -> Distribution:
    energy = {a: sum(by_hour.values()) * 365 for a, by_hour in HOURLY.items()}
    if only:
        energy = {only: energy[only]}
    total = sum(energy.values())
    return Distribution(
        account_number=ACCOUNT,
        start_month=MONTHS[0],
        end_month=MONTHS[-1],
        total_wh=total,
        appliances=[
            ApplianceTotal(
                appliance=a,
                energy_wh=wh,
                previous_energy_wh=wh,
                share_pct=round(100 * wh / total, 1),
            )
            for a, wh in energy.items()
        ],
    )


def compound() -> Compound:
    return Compound(
        account_number=ACCOUNT,
        months=[
            CompoundMonth(
                month=month,
                total_wh=30 * sum(sum(by_hour.values()) for by_hour in HOURLY.values()),
                appliances={a: 30 * sum(by_hour.values()) for a, by_hour in HOURLY.items()},
            )
            for month in MONTHS
        ],
    )


def saving(flexible: bool = True) -> Saving:
    def use(appliance: Appliance, f1: int, f2: int, f3: int, green: int) -> FlexibleUse:
        return FlexibleUse(
            appliance=appliance,
            energy_wh=f1 + f2 + f3,
            bands=BandEnergy(f1_wh=f1, f2_wh=f2, f3_wh=f3),
            green_wh=green,
        )

    return Saving(
        account_number=ACCOUNT,
        start=local(date(2026, 2, 1)),
        end=local(date(2026, 3, 3)),
        total_wh=312_000,
        bands=BandEnergy(f1_wh=121_000, f2_wh=83_000, f3_wh=108_000),
        baseload_w=180,
        green_share_pct=23.5,
        flexible=[
            use(Appliance.DISHWASHER, 9_800, 7_400, 1_200, 4_100),
            use(Appliance.WASHING_MACHINE, 11_200, 2_900, 800, 3_300),
            use(Appliance.ELECTRIC_VEHICLE, 30_000, 0, 52_000, 0),
        ]
        if flexible
        else [],
    )


def greenness(day: date = date(2026, 3, 3), windows: bool = True) -> Greenness:
    """Hourly entries that follow the local clock: 23 on the spring change, 25 in autumn."""
    midnight = local(day).astimezone(UTC)
    next_midnight = local(day + timedelta(days=1)).astimezone(UTC)
    hours = round((next_midnight - midnight).total_seconds() / 3600)
    hourly = [
        HourlyShare(
            start=(midnight + timedelta(hours=h)).astimezone(ROME),
            renewable_pct=30
            + 40 * (11 <= (midnight + timedelta(hours=h)).astimezone(ROME).hour < 16),
        )
        for h in range(hours)
    ]
    return Greenness(
        date=day,
        timezone="Europe/Rome",
        updated_at=local(day) - timedelta(hours=3),
        renewable_pct=round(sum(h.renewable_pct for h in hourly) / hours, 1),
        windows=[GreenWindow(start=local(day, 13), stop=local(day, 15), renewable_pct=70)]
        if windows
        else [],
        hourly=hourly,
    )


CASES = {
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

EDGE_CASES = [
    pytest.param(ChartKind.CONSUMPTION, lambda: consumption({}), id="consumption-no-appliances"),
    pytest.param(
        ChartKind.CONSUMPTION,
        lambda: consumption({Appliance.FRIDGE: HOURLY[Appliance.FRIDGE]}),
        id="consumption-single-appliance",
    ),
    pytest.param(ChartKind.CONSUMPTION, month_of_days, id="consumption-month-by-day"),
    pytest.param(ChartKind.CONSUMPTION, lambda: month_of_days(zero=True), id="consumption-zeros"),
    pytest.param(ChartKind.TOTALS, lambda: totals(zero=True), id="totals-zeros"),
    pytest.param(ChartKind.LATEST, lambda: live(points=False), id="latest-no-points"),
    pytest.param(ChartKind.LATEST, lambda: live(now=False), id="latest-no-realtime"),
    pytest.param(ChartKind.PERFORMANCE, lambda: performance(zero=True), id="performance-zeros"),
    pytest.param(ChartKind.PERFORMANCE, lambda: performance(900_000), id="performance-above-max"),
    pytest.param(ChartKind.HABITS, lambda: habits(cells=False), id="habits-empty"),
    pytest.param(ChartKind.TREND, lambda: trend(zero=True), id="trend-zeros"),
    pytest.param(
        ChartKind.DISTRIBUTION,
        lambda: distribution(Appliance.HEAT_PUMP),
        id="distribution-single-appliance",
    ),
    pytest.param(ChartKind.SAVING, lambda: saving(flexible=False), id="saving-no-flexible"),
    pytest.param(ChartKind.GREENNESS, lambda: greenness(windows=False), id="greenness-no-windows"),
    pytest.param(ChartKind.GREENNESS, lambda: greenness(date(2026, 3, 29)), id="greenness-23h"),
    pytest.param(ChartKind.GREENNESS, lambda: greenness(date(2026, 10, 25)), id="greenness-25h"),
]


def decode(image: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(image))
    picture.load()
    return picture


def shown_text(kind: ChartKind, data: object, lang: str) -> tuple[object, str]:
    """Render with a fresh chart object and return it with every piece of text it drew."""
    chart = CHARTS[kind]()
    chart.render(data, lang)
    # Wrapped lines read as one: a screen reader and a person see the same words.
    texts = [" ".join(t.get_text().split()) for t in chart.figure.findobj(Text) if t.get_visible()]
    return chart, "\n".join(texts)


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("kind", list(ChartKind))
def test_every_kind_renders_a_phone_sized_image(kind: ChartKind, lang: str) -> None:
    image = render_chart(kind, CASES[kind](), lang)
    picture = decode(image)
    assert picture.format == "JPEG"
    assert picture.size == image_size(kind)
    assert picture.size[0] <= 1280
    assert picture.size[1] <= 720
    assert len(image) < 200_000
    # Not a blank canvas: a chart has colour in it.
    colors = picture.convert("RGB").getcolors(maxcolors=1 << 24)
    assert colors is not None
    assert len(colors) > 50


def test_sizes_are_what_telegram_shows_best() -> None:
    assert image_size(ChartKind.CONSUMPTION) == (1280, 720)
    assert image_size(ChartKind.GREENNESS) == (1280, 600)


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize(("kind", "make"), EDGE_CASES)
def test_edge_cases_still_render(kind: ChartKind, make, lang: str) -> None:
    assert decode(render_chart(kind, make(), lang)).size == image_size(kind)


def test_consumption_speaks_italian_with_decimal_commas() -> None:
    data = consumption()
    total = sum(i.total_wh for i in data.intervals)
    _chart, text = shown_text(ChartKind.CONSUMPTION, data, "it")
    assert format_energy(total, "it") in text
    assert "," in format_energy(total, "it")
    assert "Pompa di calore" in text
    assert "Frigorifero" in text
    assert "Ieri" in text
    assert "martedì 3 marzo" in text
    assert "Heat pump" not in text
    # Hours on a 24-hour clock every three hours; kWh tick labels with a comma.
    assert "06:00" in text
    assert "21:00" in text
    assert re.search(r"^0,\d+$", text, re.MULTILINE)


def test_consumption_in_english() -> None:
    data = consumption()
    total = sum(i.total_wh for i in data.intervals)
    _chart, text = shown_text(ChartKind.CONSUMPTION, data, "en")
    assert format_energy(total, "en") in text
    assert "Heat pump" in text
    assert "Yesterday" in text
    assert "Tuesday 3 March" in text


def test_an_unknown_language_falls_back_to_english() -> None:
    _chart, text = shown_text(ChartKind.TOTALS, totals(), "de")
    assert "Heat pump" in text


def test_small_appliances_are_grouped_so_the_legend_stays_readable() -> None:
    _chart, text = shown_text(ChartKind.CONSUMPTION, consumption(), "en")
    # Ten appliances used: the eight largest by name, the rest under "Other".
    assert "Heat pump" in text
    assert "Other" in text
    assert "Air conditioner" not in text


def test_totals_show_the_change_against_the_previous_period() -> None:
    data = totals()
    _chart, text = shown_text(ChartKind.TOTALS, data, "it")
    assert format_energy(data.total_wh, "it") in text
    assert format_change(data.change_pct, "it") in text  # e.g. -9,2%
    assert "▼" in text  # every appliance used less than before
    assert "rispetto al periodo precedente" in text


def test_empty_data_says_so_in_words() -> None:
    _chart, text = shown_text(ChartKind.TOTALS, totals(zero=True), "it")
    assert "Nessun consumo registrato in questo periodo" in text
    _chart, text = shown_text(ChartKind.LATEST, live(points=False), "en")
    assert "No readings in the last six hours" in text


def test_latest_shows_the_current_power() -> None:
    data = live()
    assert data.now is not None
    _chart, text = shown_text(ChartKind.LATEST, data, "it")
    assert format_power(data.now.power_w, "it") == "2,4 kW"
    assert "2,4 kW" in text
    assert "20:00" in text  # the time of the reading


def test_performance_keeps_you_in_view_above_the_highest_home() -> None:
    chart, text = shown_text(ChartKind.PERFORMANCE, performance(900_000), "en")
    assert chart.ax.get_xlim()[1] >= 900_000
    assert "You: 900 kWh" in text
    assert "more than the average" in text


def test_habits_label_weekdays_in_the_users_language() -> None:
    _chart, text = shown_text(ChartKind.HABITS, habits(), "it")
    assert all(day in text for day in ("lun", "mer", "dom"))


def test_trend_months_in_italian() -> None:
    _chart, text = shown_text(ChartKind.TREND, trend(), "it")
    assert "gen" in text
    assert "mag" in text
    assert "F3 fuori punta" in text


@pytest.mark.parametrize(
    ("day", "hours", "three_oclock_at", "window_at"),
    [
        (date(2026, 3, 3), 24, 3.0, 13.0),
        (date(2026, 3, 29), 23, 2.0, 12.0),  # clocks jump from 02:00 to 03:00
        (date(2026, 10, 25), 25, 4.0, 14.0),  # 02:00 happens twice
    ],
)
def test_greenness_timeline_follows_the_local_clock(
    day: date, hours: int, three_oclock_at: float, window_at: float
) -> None:
    data = greenness(day)
    assert len(data.hourly) == hours
    chart, text = shown_text(ChartKind.GREENNESS, data, "en")
    assert chart.ax.get_xlim() == (0, hours)
    ticks = chart.hours.shown()
    assert ticks["03:00"] == pytest.approx(three_oclock_at)
    # The 13:00-15:00 window is shaded at 13:00 local time, whatever the day's length.
    spans = chart.spans.get_paths()
    assert [round(float(p.vertices[:, 0].min()), 3) for p in spans] == [window_at]
    assert "13:00–15:00 · 70%" in text


def test_greenness_without_windows_says_so() -> None:
    _chart, text = shown_text(ChartKind.GREENNESS, greenness(windows=False), "it")
    assert "Nessuna finestra verde oggi" in text


def test_a_reused_figure_keeps_nothing_from_the_previous_chart() -> None:
    """The worker redraws one figure per kind: the same data must give the same picture."""
    first = render_chart(ChartKind.CONSUMPTION, consumption(), "it")
    render_chart(ChartKind.CONSUMPTION, month_of_days(), "en")
    render_chart(ChartKind.CONSUMPTION, consumption({}), "en")
    assert render_chart(ChartKind.CONSUMPTION, consumption(), "it") == first
    again = render_chart(ChartKind.GREENNESS, greenness(), "en")
    render_chart(ChartKind.GREENNESS, greenness(date(2026, 10, 25), windows=False), "it")
    assert render_chart(ChartKind.GREENNESS, greenness(), "en") == again


def test_the_wrong_model_is_a_clear_type_error() -> None:
    with pytest.raises(TypeError, match="takes Trend"):
        render_chart(ChartKind.TREND, compound(), "it")


def test_production_code_never_imports_pyplot() -> None:
    pattern = re.compile(
        r"^\s*(import matplotlib\.pyplot|from matplotlib import .*\bpyplot\b|from matplotlib\.pyplot )",
        re.MULTILINE,
    )
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("bot", "handlers", "storage")
        if (ROOT / folder).exists()
        for path in (ROOT / folder).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_bot_process_does_not_import_matplotlib() -> None:
    """Importing the renderer stays light: matplotlib loads only in the worker processes."""
    code = "import sys, bot.charts; print('matplotlib' in sys.modules)"
    result = subprocess.run(  # noqa: S603 - our own interpreter, a fixed command
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
