"""Savings arithmetic: F1 share, moving flexible appliances to F3, the yearly cost of always-on."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from pydantic import SecretStr

from bot.digiwatt.models import Appliance, BandEnergy, FlexibleUse, Saving, Trend, TrendMonth
from bot.settings import Settings
from bot.tariff_bands import national_holidays
from handlers.insights.savings import HOURS_PER_YEAR, Prices, advise, always_on_price, band_hours

ROME = timezone(timedelta(hours=1))
PRICES = Prices(0.30, 0.27, 0.23)


def use(appliance: Appliance, f1: int, f2: int, f3: int, green: int = 0) -> FlexibleUse:
    return FlexibleUse(
        appliance=appliance,
        energy_wh=f1 + f2 + f3,
        bands=BandEnergy(f1_wh=f1, f2_wh=f2, f3_wh=f3),
        green_wh=green,
    )


def saving(flexible: list[FlexibleUse], baseload_w: int = 100) -> Saving:
    end = datetime(2026, 3, 4, tzinfo=ROME)
    return Saving(
        account_number="1",
        start=end - timedelta(days=30),
        end=end,
        total_wh=100_000,
        bands=BandEnergy(f1_wh=30_000, f2_wh=20_000, f3_wh=50_000),
        baseload_w=baseload_w,
        green_share_pct=20.0,
        flexible=flexible,
    )


def test_moving_flexible_appliances_to_f3_saves_the_price_difference() -> None:
    advice = advise(
        saving(
            [
                use(Appliance.WASHING_MACHINE, 1_000, 0, 3_000, green=1_000),
                use(Appliance.DISHWASHER, 5_000, 1_000, 0, green=2_000),
            ]
        ),
        None,
        PRICES,
    )
    # Dishwasher: 5 kWh x 0.07 + 1 kWh x 0.04 = 0.39; washing machine: 1 kWh x 0.07 = 0.07.
    assert [m.appliance for m in advice.moves] == [Appliance.DISHWASHER, Appliance.WASHING_MACHINE]
    assert [m.saving_eur for m in advice.moves] == pytest.approx([0.39, 0.07])
    assert advice.move_saving_eur == pytest.approx(0.46)
    assert advice.move_saving_eur_year == pytest.approx(0.46 * 365 / 30)
    assert advice.flexible_green_pct == pytest.approx(30.0)  # 3 of 10 kWh
    assert advice.f1_share_pct == pytest.approx(30.0)
    assert advice.cost_eur == pytest.approx(30 * 0.30 + 20 * 0.27 + 50 * 0.23)


def test_nothing_flexible_means_nothing_to_move() -> None:
    advice = advise(saving([]), None, PRICES)
    assert advice.moves == ()
    assert advice.move_saving_eur == 0
    assert advice.flexible_green_pct is None


def test_the_year_share_of_f1_comes_from_the_trend() -> None:
    months = [
        TrendMonth(month="2025-12", f1_wh=10_000, f2_wh=10_000, f3_wh=20_000, total_wh=40_000),
        TrendMonth(month="2026-01", f1_wh=30_000, f2_wh=0, f3_wh=30_000, total_wh=60_000),
    ]
    advice = advise(saving([]), Trend(account_number="1", months=months), PRICES)
    assert advice.year_f1_share_pct == pytest.approx(40.0)


def test_always_on_is_priced_by_the_hours_of_each_band() -> None:
    last_day = date(2025, 12, 31)
    hours = band_hours(last_day)
    assert sum(hours.values()) == HOURS_PER_YEAR
    # F1 is 8-19 on working days: 11 hours on every weekday of 2025 that is not a holiday.
    working = [
        d
        for d in (date(2025, 1, 1) + timedelta(days=n) for n in range(365))
        if d.isoweekday() <= 5 and d not in national_holidays(2025)
    ]
    assert hours["F1"] == 11 * len(working)
    price = always_on_price(PRICES, last_day)
    assert PRICES.f3 < price < PRICES.f1

    advice = advise(saving([], baseload_w=100), None, PRICES)
    assert advice.baseload_kwh_year == pytest.approx(876.0)
    assert PRICES.f3 * 876 < advice.baseload_eur_year < PRICES.f1 * 876


def test_prices_come_from_settings_with_the_documented_defaults() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=SecretStr("1:x"),
        digiwatt_api_url="http://digiwatt.example",
        digiwatt_client_id="demo",
        digiwatt_client_secret=SecretStr("demo-secret"),
        digiwatt_company_code="DEMO",
        link_secret=SecretStr("x" * 32),
    )
    assert Prices.from_settings(settings) == Prices(0.30, 0.27, 0.23)
    assert Prices.from_settings(settings.model_copy(update={"price_f1_eur_kwh": 0.35})).f1 == 0.35
