"""The inline keyboards of insights: the menu, and under each chart its periods, views, refresh."""

from __future__ import annotations

from dataclasses import replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.charts.labels import period_name
from bot.digiwatt.models import Period
from bot.i18n import N_, translator
from bot.intents import IntentKind
from handlers.insights.asks import LIVE_TOPICS, MENU_DATA, TOPICS, VIEWS, Action, Ask, View, encode

TOPIC_LABELS: dict[IntentKind, str] = {
    IntentKind.CONSUMPTION: N_("📊 Consumption"),
    IntentKind.NOW: N_("⚡ Power now"),
    IntentKind.LAST6H: N_("🕕 Last 6 hours"),
    IntentKind.COMPARE: N_("🏘 Similar homes"),
    IntentKind.HABITS: N_("🗓 Habits"),
    IntentKind.TREND: N_("📈 12 months F1/F2/F3"),
    IntentKind.APPLIANCES: N_("🔌 Appliances"),
    IntentKind.SAVINGS: N_("💶 Savings"),
    IntentKind.GREEN: N_("🌿 Green hours"),
}
VIEW_LABELS: dict[View, str] = {
    View.OVER_TIME: N_("Over time"),
    View.BY_APPLIANCE: N_("By appliance"),
    View.YEAR: N_("Whole year"),
    View.MONTHS: N_("Month by month"),
}
CHOSEN = "✓ "
PERIODS_PER_ROW = 3
TOPICS_PER_ROW = 3


def _button(text: str, action: Action, ask: Ask) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=encode(action, ask))


def menu(lang: str) -> InlineKeyboardMarkup:
    """Every answer as a button; each opens a new chart message."""
    _ = translator(lang)
    buttons = [
        _button(_(TOPIC_LABELS[topic]), Action.OPEN, Ask(topic).complete()) for topic in TOPICS
    ]
    rows = [buttons[i : i + TOPICS_PER_ROW] for i in range(0, len(buttons), TOPICS_PER_ROW)]
    return InlineKeyboardMarkup(rows)


def answer(ask: Ask, lang: str) -> InlineKeyboardMarkup:
    """Under a chart: its periods and views (edit in place), refresh for live data, the menu."""
    _ = translator(lang)
    rows: list[list[InlineKeyboardButton]] = []
    if ask.period is not None:
        periods = [
            _button(
                (CHOSEN if period is ask.period else "") + period_name(period, lang),
                Action.EDIT,
                replace(ask, period=period),
            )
            for period in Period
        ]
        rows += [periods[i : i + PERIODS_PER_ROW] for i in range(0, len(periods), PERIODS_PER_ROW)]
    if ask.topic in VIEWS:
        rows.append(
            [
                _button(
                    (CHOSEN if view is ask.view else "") + _(VIEW_LABELS[view]),
                    Action.EDIT,
                    replace(ask, view=view),
                )
                for view in VIEWS[ask.topic]
            ]
        )
    last = [InlineKeyboardButton(_("☰ Menu"), callback_data=MENU_DATA)]
    if ask.topic in LIVE_TOPICS:
        last.insert(0, _button(_("🔄 Refresh"), Action.REFRESH, ask))
    rows.append(last)
    return InlineKeyboardMarkup(rows)


def retry(ask: Ask, lang: str) -> InlineKeyboardMarkup:
    """One button that asks again for the answer that failed."""
    _ = translator(lang)
    return InlineKeyboardMarkup([[_button(_("🔄 Try again"), Action.RETRY, ask)]])
