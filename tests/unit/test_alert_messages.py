"""Alert texts: which appliance in which window, in the subscriber's clock and language."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.alerts.messages import (
    Action,
    daily_text,
    flexible_appliances,
    forecast_missing_text,
    plan,
    recap_text,
    reminder_text,
)
from bot.digiwatt.models import (
    Appliance,
    ApplianceQuantity,
    BandEnergy,
    ConsumptionTotals,
    FlexibleUse,
    Greenness,
    GreenWindow,
    HourlyShare,
    House,
    HouseType,
    OnboardingRequest,
    Period,
    Residents,
    Saving,
)

ROME = ZoneInfo("Europe/Rome")
DAY = date(2025, 6, 2)
CAPTION_LIMIT = 1024  # Telegram's limit for a photo caption


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ROME)


def window(start: int, stop: int, pct: float) -> GreenWindow:
    return GreenWindow(start=at(start), stop=at(stop), renewable_pct=pct)


def greenness(*windows: GreenWindow, average: float = 44.6) -> Greenness:
    return Greenness(
        date=DAY,
        timezone="Europe/Rome",
        updated_at=at(0),
        renewable_pct=average,
        windows=list(windows),
        hourly=[HourlyShare(start=at(h), renewable_pct=40.0) for h in range(24)],
    )


def profile(*appliances: Appliance) -> OnboardingRequest:
    return OnboardingRequest(
        house=House(type=HouseType.APARTMENT, dimesion=70, province="MI"),
        residents=Residents(adults=2, children=1, elderlies=0),
        appliances=[ApplianceQuantity(appliance=a, quantity=1) for a in appliances],
    )


SHORT_BEST = window(13, 15, 71.0)
LONG = window(9, 16, 60.0)


def test_flexible_appliances_come_from_the_household_or_the_default_set() -> None:
    assert flexible_appliances(None) == (Appliance.DISHWASHER, Appliance.WASHING_MACHINE)
    assert flexible_appliances(profile()) == (Appliance.DISHWASHER, Appliance.WASHING_MACHINE)
    assert flexible_appliances(profile(Appliance.FRIDGE, Appliance.OVEN)) == ()
    assert flexible_appliances(profile(Appliance.BOILER, Appliance.DISHWASHER)) == (
        Appliance.DISHWASHER,
        Appliance.BOILER,
    )


def test_short_cycles_go_to_the_greenest_window_long_loads_to_the_longest() -> None:
    lines = plan(
        [LONG, SHORT_BEST],
        [Appliance.DISHWASHER, Appliance.ELECTRIC_VEHICLE, Appliance.WASHING_MACHINE],
    )
    assert [(line.action, line.appliances, line.window) for line in lines] == [
        (Action.RUN, (Appliance.DISHWASHER, Appliance.WASHING_MACHINE), SHORT_BEST),
        (Action.CHARGE, (Appliance.ELECTRIC_VEHICLE,), LONG),
    ]
    assert plan([], [Appliance.DISHWASHER]) == []


def test_daily_text_names_the_households_appliances_and_hours() -> None:
    text = daily_text(
        greenness(LONG, SHORT_BEST),
        flexible_appliances(profile(Appliance.DISHWASHER, Appliance.CHARGING_STATION)),
        "en",
        ROME,
        at(8),
    )
    assert "Green energy today</b> · Monday 2 June" in text
    assert "Renewable share today: 45% on average." in text
    assert "Best hours: 09:00–16:00 (60%), 13:00–15:00 (71%)" in text
    assert "▸ Run the dishwasher 13:00–15:00" in text
    assert "▸ Charge the car 09:00–16:00" in text


def test_daily_text_in_italian_joins_appliances_the_italian_way() -> None:
    text = daily_text(greenness(SHORT_BEST), flexible_appliances(None), "it", ROME, at(8))
    assert "Energia verde oggi</b> · lunedì 2 giugno" in text
    assert "▸ Avvia la lavastoviglie e la lavatrice 13:00–15:00" in text


def test_windows_already_over_are_left_out() -> None:
    text = daily_text(greenness(LONG, SHORT_BEST), (), "en", ROME, at(15, 30))
    assert "Best hours: 09:00–16:00 (60%)" in text
    assert "13:00–15:00" not in text
    assert "Shift what you can" in text  # no flexible appliance at home: general advice
    over = daily_text(greenness(SHORT_BEST), (), "en", ROME, at(15, 30))
    assert "green windows are over" in over
    none = daily_text(greenness(), (), "en", ROME, at(8))
    assert "No green window today" in none


def test_hours_are_shown_in_the_subscribers_zone_with_the_day_when_it_differs() -> None:
    new_york = ZoneInfo("America/New_York")
    text = daily_text(greenness(SHORT_BEST), (Appliance.DISHWASHER,), "en", new_york, at(8))
    assert "Run the dishwasher 07:00–09:00" in text
    los_angeles = ZoneInfo("America/Los_Angeles")
    # 8:00 in Rome is still Sunday evening in Los Angeles: the window is "Mon" there.
    text = daily_text(greenness(SHORT_BEST), (Appliance.DISHWASHER,), "en", los_angeles, at(8))
    assert "Sunday 1 June" in text
    assert "Run the dishwasher Mon 04:00–06:00" in text


@pytest.mark.parametrize("lang", ["en", "it"])
def test_the_longest_daily_text_fits_a_photo_caption(lang: str) -> None:
    windows = [window(7, 10, 55.5), window(11, 16, 66.6), window(18, 21, 58.8)]
    everything = flexible_appliances(profile(*Appliance))
    text = daily_text(greenness(*windows), everything, lang, ZoneInfo("America/Los_Angeles"), at(1))
    assert len(text) < CAPTION_LIMIT


def test_reminder_and_missing_forecast_texts() -> None:
    text = reminder_text(SHORT_BEST, 30, (Appliance.WASHING_MACHINE,), "en", ROME, at(12, 30))
    assert text.splitlines()[:2] == [
        "⏰ <b>Green window in 30 min</b>",
        "13:00–15:00, 71% renewable",
    ]
    assert "Run the washing machine 13:00–15:00" in text
    assert "Digiwatt" in forecast_missing_text("en")
    assert forecast_missing_text("it").startswith("Manca la previsione")


def totals(total: int, previous: int, change: float | None) -> ConsumptionTotals:
    start = at(0, day=date(2025, 6, 2))
    return ConsumptionTotals(
        account_number="2000000001",
        period=Period.THIS_WEEK,
        start=start,
        end=start + timedelta(days=6, hours=19),
        previous_start=start - timedelta(days=7),
        previous_end=start - timedelta(hours=5),
        total_wh=total,
        previous_total_wh=previous,
        change_pct=change,
        appliances=[],
    )


def saving(green_share: float, *flexible: tuple[Appliance, int, int]) -> Saving:
    return Saving(
        account_number="2000000001",
        start=datetime(2025, 5, 9, tzinfo=UTC),
        end=datetime(2025, 6, 8, tzinfo=UTC),
        total_wh=300_000,
        bands=BandEnergy(f1_wh=100_000, f2_wh=100_000, f3_wh=100_000),
        baseload_w=120,
        green_share_pct=green_share,
        flexible=[
            FlexibleUse(
                appliance=a,
                energy_wh=energy,
                bands=BandEnergy(f1_wh=energy, f2_wh=0, f3_wh=0),
                green_wh=green,
            )
            for a, energy, green in flexible
        ],
    )


def test_recap_compares_the_week_and_picks_the_appliance_with_most_to_gain() -> None:
    text = recap_text(
        totals(61_500, 70_000, -12.1),
        saving(
            31.4,
            (Appliance.DISHWASHER, 9_000, 6_000),
            (Appliance.WASHING_MACHINE, 12_000, 3_000),
        ),
        "en",
    )
    assert "This week you used 61.5 kWh: -12% against the week before (70 kWh)." in text
    assert "31% of your energy in the last 30 days was used in green windows." in text
    assert "run the washing machine in the green windows; only 25% of its energy was green" in text


def test_recap_without_a_previous_week_or_anything_to_improve() -> None:
    text = recap_text(totals(800, 0, None), saving(80.0, (Appliance.BOILER, 5_000, 4_500)), "it")
    assert "Questa settimana hai consumato 800 Wh." in text
    assert "continua così" in text
    generic = recap_text(totals(800, 0, None), saving(10.0), "en")
    assert "move one wash or one dishwasher run" in generic
