"""Captions say what matters in two to four lines, with numbers written the user's way."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.charts import ChartKind, LivePower
from bot.charts.samples import sample
from bot.digiwatt.models import (
    Appliance,
    ApplianceTotal,
    ConsumptionTotals,
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
    Trend,
    TrendMonth,
)
from handlers.insights import captions
from handlers.insights.savings import Prices, advise

ROME = timezone(timedelta(hours=1))
DAY = datetime(2026, 3, 3, tzinfo=ROME)  # a Tuesday
PRICES = Prices(0.30, 0.27, 0.23)


def totals(change: float | None = -12.0, total: int = 7900) -> ConsumptionTotals:
    shares = {Appliance.HEAT_PUMP: 41.0, Appliance.FRIDGE: 18.0, Appliance.OVEN: 9.0}
    return ConsumptionTotals(
        account_number="1",
        period=Period.YESTERDAY,
        start=DAY,
        end=DAY + timedelta(days=1),
        previous_start=DAY - timedelta(days=1),
        previous_end=DAY,
        total_wh=total,
        previous_total_wh=9000,
        change_pct=change,
        appliances=[
            ApplianceTotal(
                appliance=appliance,
                energy_wh=round(total * share / 100),
                previous_energy_wh=round(total * share / 100 / 2),
                share_pct=share,
            )
            for appliance, share in shares.items()
        ],
    )


def test_consumption_says_total_change_and_biggest_users_in_each_language() -> None:
    assert captions.consumption(totals(), "en") == [
        "Yesterday (Tuesday 3 March): 7.9 kWh, 12% less than the day before.",
        "Biggest users: Heat pump 41%, Fridge 18%, Oven 9%.",
    ]
    assert captions.consumption(totals(), "it") == [
        "Ieri (martedì 3 marzo): 7,9 kWh, 12% in meno rispetto al giorno prima.",
        "Chi consuma di più: Pompa di calore 41%, Frigorifero 18%, Forno 9%.",
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (None, "Yesterday (Tuesday 3 March): 7.9 kWh."),
        (0.3, "Yesterday (Tuesday 3 March): 7.9 kWh, about the same as the day before."),
        (8.6, "Yesterday (Tuesday 3 March): 7.9 kWh, 9% more than the day before."),
    ],
)
def test_consumption_change_wording(change: float | None, expected: str) -> None:
    assert captions.consumption(totals(change), "en")[0] == expected


def test_consumption_answers_for_the_asked_appliance() -> None:
    lines = captions.consumption(totals(), "en", Appliance.HEAT_PUMP)
    # 3239 Wh now against 1620 the day before.
    assert lines[-1] == "Heat pump: 3.2 kWh, 41% of the total; 100% more than the day before."
    missing = captions.consumption(totals(), "it", Appliance.DISHWASHER)[-1]
    assert missing == "Lavastoviglie: non è tra i tuoi elettrodomestici (vedi /profile)."


def test_an_empty_period_says_so() -> None:
    lines = captions.consumption(totals(None, total=0), "en")
    assert lines[1] == "No consumption recorded in this period."


def latest(powers: list[int]) -> LatestConsumption:
    start = DAY.replace(hour=10)
    points = [
        PowerPoint(timestamp=start + timedelta(minutes=15 * i), power_w=p)
        for i, p in enumerate(powers)
    ]
    return LatestConsumption(
        account_number="1",
        start=start,
        end=start + timedelta(hours=6),
        interval_minutes=15,
        points=points,
    )


def test_live_captions_give_power_now_energy_average_and_peak() -> None:
    now = Realtime(account_number="1", timestamp=DAY.replace(hour=16, minute=5), power_w=850)
    six = latest([1000, 2000, 3500, 1500])
    assert captions.now(now, six, "it") == [
        "In questo momento: 850 W (alle 16:05).",
        "Ultime sei ore: media 2 kW, picco di 3,5 kW alle 10:30.",
    ]
    # 8000 W over four quarters of an hour is 2000 Wh.
    assert captions.last_six_hours(six, now, "en") == [
        "Last six hours: 2 kWh, average 2 kW.",
        "Peak 3.5 kW at 10:30.",
        "Right now: 850 W (at 16:05).",
    ]
    assert captions.last_six_hours(latest([]), None, "en") == ["No readings in the last six hours."]


def test_compare_places_the_user_among_similar_homes() -> None:
    performance = Performance(
        account_number="1",
        period=Period.LAST_MONTH,
        start=datetime(2026, 2, 1, tzinfo=ROME),
        end=datetime(2026, 3, 1, tzinfo=ROME),
        user_wh=250_000,
        min_wh=120_000,
        average_wh=200_000,
        max_wh=410_000,
        similar_homes=37,
    )
    lines = captions.compare(performance, "en")
    assert lines[0].endswith("you used 250 kWh; similar homes 200 kWh on average.")
    assert lines[1:] == [
        "That is 25% more than the average.",
        "The 37 similar homes range from 120 kWh to 410 kWh.",
    ]


def test_habits_name_the_busiest_hour_day_and_quietest_hour() -> None:
    cells = [
        HabitCell(weekday=w, hour=h, energy_wh=100 + (900 if (w, h) == (2, 19) else 0) + h)
        for w in range(1, 8)
        for h in range(24)
    ]
    data = Habits(
        account_number="1",
        period=Period.LAST_MONTH,
        start=datetime(2026, 2, 1, tzinfo=ROME),
        end=datetime(2026, 3, 1, tzinfo=ROME),
        cells=cells,
    )
    lines = captions.habits(data, "en")
    assert "you use the most on Tuesday, 19:00–20:00 (1 kWh on average)" in lines[0]
    assert lines[1].startswith("Busiest day: Tuesday")
    assert lines[2] == "Quietest hour: 00:00–01:00 (100 Wh on average)."


def test_trend_splits_the_year_by_band_and_names_extremes() -> None:
    months = [
        TrendMonth(
            month=f"2025-{m:02d}", f1_wh=f1, f2_wh=20_000, f3_wh=30_000, total_wh=f1 + 50_000
        )
        for m, f1 in ((10, 50_000), (11, 10_000), (12, 30_000))
    ]
    lines = captions.trend(Trend(account_number="1", months=months), "en")
    # 90 of 240 kWh in F1, 60 in F2, 90 in F3.
    assert lines[0] == "12 months (Oct 2025 – Dec 2025): 240 kWh; 38% in F1, 25% in F2, 38% in F3."
    assert lines[1] == "Highest month: Oct 2025 (100 kWh); lowest: Nov 2025 (60 kWh)."
    assert lines[2] == "Dec 2025: 80 kWh, 33% more than the month before."


def greenness(windows: list[tuple[int, int, float]]) -> Greenness:
    day = DAY.replace(hour=0)
    return Greenness(
        date=date(2026, 3, 3),
        timezone="Europe/Rome",
        updated_at=day,
        renewable_pct=42.4,
        windows=[
            GreenWindow(start=day.replace(hour=a), stop=day.replace(hour=b), renewable_pct=p)
            for a, b, p in windows
        ],
        hourly=[HourlyShare(start=day + timedelta(hours=h), renewable_pct=40.0) for h in range(24)],
    )


def test_green_lists_the_greenest_windows_first() -> None:
    lines = captions.green(greenness([(6, 8, 51.0), (11, 15, 68.2)]), "en", Appliance.DISHWASHER)
    assert lines == [
        "Green energy on Tuesday 3 March: 42% renewable on average.",
        "Greenest hours: 11:00–15:00 (68%), 06:00–08:00 (51%).",
        "Dishwasher: the best time is 11:00–15:00.",
    ]
    empty = captions.green(greenness([]), "it")
    assert (
        empty[1]
        == "Oggi nessuna fascia verde: le rinnovabili restano sotto il loro livello migliore."
    )


def test_savings_caption_gives_euro_in_the_users_format() -> None:
    lines = captions.savings(advise(sample(ChartKind.SAVING), None, PRICES), "it")
    assert lines[0].startswith("Ultimi 30 giorni: ")
    assert "€ in 30 giorni" in lines[1]
    assert lines[2].startswith("Sempre acceso: ")
    assert lines[3] == "Prezzi usati: F1 0,30\xa0€, F2 0,27\xa0€, F3 0,23\xa0€ al kWh."
    english = captions.savings(advise(sample(ChartKind.SAVING), None, PRICES), "en")
    assert english[3] == "Prices used: F1 €0.30, F2 €0.27, F3 €0.23 per kWh."


def every_caption(lang: str) -> dict[str, list[str]]:
    live = sample(ChartKind.LATEST)
    assert isinstance(live, LivePower) and live.now is not None
    return {
        "consumption": captions.consumption(sample(ChartKind.TOTALS), lang, Appliance.FRIDGE),
        "now": captions.now(live.now, live.latest, lang),
        "last6h": captions.last_six_hours(live.latest, live.now, lang),
        "compare": captions.compare(sample(ChartKind.PERFORMANCE), lang),
        "habits": captions.habits(sample(ChartKind.HABITS), lang),
        "trend": captions.trend(sample(ChartKind.TREND), lang),
        "distribution": captions.distribution(sample(ChartKind.DISTRIBUTION), lang),
        "compound": captions.compound(sample(ChartKind.COMPOUND), lang, Appliance.OVEN),
        "savings": captions.savings(advise(sample(ChartKind.SAVING), None, PRICES), lang),
        "green": captions.green(sample(ChartKind.GREENNESS), lang),
    }


def test_every_caption_has_two_to_four_lines_and_is_translated() -> None:
    english, italian = every_caption("en"), every_caption("it")
    for name, lines in english.items():
        assert 2 <= len(lines) <= 4, (name, lines)
        assert len(italian[name]) == len(lines)
        assert italian[name] != lines, name
        assert all(line.strip() for line in lines + italian[name]), name
