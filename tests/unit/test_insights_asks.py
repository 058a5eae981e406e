"""Insights buttons: callback data round-trips, fits Telegram's 64 bytes, and forgeries are refused."""

from __future__ import annotations

import itertools

import pytest

from bot.digiwatt.models import Appliance, Period
from bot.intents import IntentKind
from handlers.insights import keyboards
from handlers.insights.asks import TOPICS, VIEWS, Action, Ask, View, decode, encode


def every_ask() -> list[Ask]:
    asks = []
    for topic in TOPICS:
        periods = list(Period) if Ask(topic).complete().period else [None]
        views = list(VIEWS.get(topic, (None,)))
        for period, view, appliance in itertools.product(periods, views, [None, *Appliance]):
            asks.append(Ask(topic, period, view, appliance).complete())
    return asks


def test_every_button_round_trips_within_64_bytes() -> None:
    for ask, action in itertools.product(every_ask(), Action):
        data = encode(action, ask)
        assert len(data.encode()) <= 64
        assert decode(data) == (action, ask)


def test_defaults_fill_in_and_ignored_fields_drop() -> None:
    assert Ask(IntentKind.CONSUMPTION).complete() == Ask(
        IntentKind.CONSUMPTION, Period.YESTERDAY, View.OVER_TIME
    )
    assert Ask(IntentKind.COMPARE).complete().period is Period.LAST_MONTH
    assert Ask(IntentKind.APPLIANCES).complete().view is View.YEAR
    assert Ask(IntentKind.TREND, Period.LAST_WEEK, View.MONTHS).complete() == Ask(IntentKind.TREND)


@pytest.mark.parametrize(
    "data",
    [
        "ins:e:consumption:tomorrow:time:-",
        "ins:e:weather:-:-:-",
        "ins:x:trend:-:-:-",
        "ins:e:trend:-:-",
        "ins:e:trend:-:-:-:-",
        "ins:e:consumption:yesterday:time:toaster",
        "lnk:e:trend:-:-:-",
        "ins:e:help:-:-:-",
        "ins:e:trend:-:-:-" + "x" * 60,
        "",
    ],
)
def test_stale_or_forged_data_is_refused(data: str) -> None:
    assert decode(data) is None


def test_keyboards_offer_periods_views_refresh_and_menu_where_they_apply() -> None:
    def data(markup: object) -> list[str]:
        return [b.callback_data for row in markup.inline_keyboard for b in row]  # type: ignore[attr-defined]

    consumption = data(keyboards.answer(Ask(IntentKind.CONSUMPTION).complete(), "en"))
    assert sum(d.startswith("ins:e:consumption:") for d in consumption) == len(Period) + 2
    assert consumption[-1] == "ins:menu"
    now = data(keyboards.answer(Ask(IntentKind.NOW).complete(), "it"))
    assert now == ["ins:f:now:-:-:-", "ins:menu"]
    assert data(keyboards.answer(Ask(IntentKind.TREND).complete(), "en")) == ["ins:menu"]
    menu = data(keyboards.menu("it"))
    assert [decode(d)[1].topic for d in menu] == list(TOPICS)  # type: ignore[index]
    assert all(d.startswith("ins:o:") for d in menu)
