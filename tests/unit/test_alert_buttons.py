"""Alert buttons: their data fits Telegram's 64 bytes and only data we made is accepted."""

from __future__ import annotations

from datetime import date

import pytest

from bot.alerts.buttons import Button, Press, alert_keyboard, parse, recap_keyboard


@pytest.mark.parametrize("lang", ["en", "it"])
def test_every_button_reads_back_as_what_it_says(lang: str) -> None:
    day = date(2025, 3, 30)
    buttons = [b for row in alert_keyboard(lang, day).inline_keyboard for b in row]
    buttons += [b for row in recap_keyboard(lang).inline_keyboard for b in row]
    data = [str(b.callback_data) for b in buttons]
    assert all(len(d.encode()) <= 64 for d in data)
    assert [parse(d) for d in data] == [
        Button(Press.SNOOZE, day),
        Button(Press.TIME),
        Button(Press.STOP),
        Button(Press.RECAP_OFF),
    ]


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "alr:",
        "alr:snooze",
        "alr:snooze:yesterday",
        "alr:snooze:2025-02-30",
        "alr:stop:now",
        "alr:explode",
        "set:time",
        "alr:time:" + "x" * 80,
    ],
)
def test_forged_or_stale_data_is_refused(data: str | None) -> None:
    assert parse(data) is None
