"""The buttons under an alert ("alr:" callback data) and how their data is read back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.charts.labels import language
from bot.i18n import translator

PREFIX = "alr:"


class Press(StrEnum):
    SNOOZE = "snooze"  # alr:snooze:<local date of the alert>
    TIME = "time"
    STOP = "stop"
    RECAP_OFF = "recapoff"


@dataclass(frozen=True, slots=True)
class Button:
    press: Press
    day: date | None = None  # the alert's local date, for SNOOZE


def alert_keyboard(lang: str, local_date: date) -> InlineKeyboardMarkup:
    """Not today / change the time / stop: under every daily push and reminder."""
    _ = translator(language(lang))
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("😴 Not today"), callback_data=f"{PREFIX}{Press.SNOOZE}:{local_date:%Y-%m-%d}"
                ),
                InlineKeyboardButton(_("🕗 Change time"), callback_data=f"{PREFIX}{Press.TIME}"),
            ],
            [InlineKeyboardButton(_("🔕 Stop alerts"), callback_data=f"{PREFIX}{Press.STOP}")],
        ]
    )


def recap_keyboard(lang: str) -> InlineKeyboardMarkup:
    _ = translator(language(lang))
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("🔕 Stop the weekly recap"), callback_data=f"{PREFIX}{Press.RECAP_OFF}"
                )
            ]
        ]
    )


def parse(data: str | None) -> Button | None:
    """The button behind callback data, or None for data this feature never made."""
    if not data or not data.startswith(PREFIX) or len(data) > 64:
        return None
    name, _sep, argument = data.removeprefix(PREFIX).partition(":")
    try:
        press = Press(name)
    except ValueError:
        return None
    if press is Press.SNOOZE:
        try:
            return Button(press, date.fromisoformat(argument))
        except ValueError:
            return None
    return None if argument else Button(press)
