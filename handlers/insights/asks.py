"""What the user asked to see (`Ask`) and how a button carries it in its callback data.

Callback data are plain strings we validate ourselves (never pickled objects):
"ins:<action>:<topic>:<period>:<view>:<appliance>", "-" for an empty field, at most 64 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from bot.digiwatt.models import Appliance, Period
from bot.intents import DEFAULT_PERIOD, PERIOD_KINDS, IntentKind

PREFIX = "ins:"
MENU_DATA = "ins:menu"
EMPTY = "-"
MAX_CALLBACK_BYTES = 64

# The answers, in the order of the menu.
TOPICS: tuple[IntentKind, ...] = (
    IntentKind.CONSUMPTION,
    IntentKind.NOW,
    IntentKind.LAST6H,
    IntentKind.COMPARE,
    IntentKind.HABITS,
    IntentKind.TREND,
    IntentKind.APPLIANCES,
    IntentKind.SAVINGS,
    IntentKind.GREEN,
)
LIVE_TOPICS = frozenset({IntentKind.NOW, IntentKind.LAST6H})


class View(StrEnum):
    """The two pictures of one answer, switched by buttons."""

    OVER_TIME = "time"  # consumption: stacked bars over the period
    BY_APPLIANCE = "split"  # consumption: donut of appliance shares
    YEAR = "year"  # appliances: 12-month distribution
    MONTHS = "months"  # appliances: month-by-month compound


VIEWS: dict[IntentKind, tuple[View, View]] = {
    IntentKind.CONSUMPTION: (View.OVER_TIME, View.BY_APPLIANCE),
    IntentKind.APPLIANCES: (View.YEAR, View.MONTHS),
}


class Action(StrEnum):
    """What a button does with the answer it carries."""

    OPEN = "o"  # send it as a new message (menu, commands, questions)
    EDIT = "e"  # replace the pressed message's chart (period or view)
    REFRESH = "f"  # the same, reading Digiwatt again instead of the cache
    RETRY = "r"  # after a failure: send it anew and remove the failure message


@dataclass(frozen=True, slots=True)
class Ask:
    """One answer: a topic, with the period, view and appliance it applies when it takes them."""

    topic: IntentKind
    period: Period | None = None
    view: View | None = None
    appliance: Appliance | None = None

    def complete(self) -> Ask:
        """Defaults filled in and what the topic ignores dropped, so equal asks compare equal."""
        if self.topic not in TOPICS:
            raise ValueError(f"not an answer: {self.topic}")
        period = (self.period or DEFAULT_PERIOD[self.topic]) if self.topic in PERIOD_KINDS else None
        views = VIEWS.get(self.topic)
        view = None if views is None else (self.view if self.view in views else views[0])
        return replace(self, period=period, view=view)


def encode(action: Action, ask: Ask) -> str:
    """The callback data of a button that shows `ask`."""
    fields = (ask.topic.value, ask.period, ask.view, ask.appliance)
    data = PREFIX + ":".join([action.value, *(EMPTY if f is None else str(f) for f in fields)])
    assert len(data.encode()) <= MAX_CALLBACK_BYTES, data
    return data


def decode(data: str) -> tuple[Action, Ask] | None:
    """The action and answer of a button, or None when the data is not one of ours (stale, forged)."""
    if not data.startswith(PREFIX) or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    parts = data.removeprefix(PREFIX).split(":")
    if len(parts) != 5:
        return None
    action, topic, period, view, appliance = (None if p == EMPTY else p for p in parts)
    try:
        ask = Ask(
            topic=IntentKind(topic),
            period=Period(period) if period else None,
            view=View(view) if view else None,
            appliance=Appliance(appliance) if appliance else None,
        ).complete()
        return Action(action), ask
    except ValueError:
        return None
