"""/settings: language, daily greenness alerts and their time, "starting soon" reminders, the
weekly recap and quiet hours.

Everything happens in ONE message whose buttons edit it in place. Button data ("set:...") carry
the choice itself, so a button of an older settings message still does what it says. Typing a
time is the only step that waits for text: a small conversation ("settings") of one state.
"""

from __future__ import annotations

import html
import logging
import re

from babel.dates import get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.alerts import alerts_state
from bot.context import BotContext
from bot.i18n import LANGUAGES
from bot.known_chats import known_chats
from bot.settings import Settings
from bot.telegram_request import send_text
from handlers.common import (
    MAX_INPUT_CHARS,
    db,
    edit_in_place,
    is_private,
    private_only,
    reply,
)
from storage.models import DEFAULT_DAILY_TIME, DEFAULT_TIME_ZONE
from storage.repositories import chats, subscriptions
from storage.schedule import check_hhmm

log = logging.getLogger(__name__)

PREFIX = "set:"
MAIN, TIME_PICKER, TYPE_TIME = "set:main", "set:time", "set:time:type"
RECAP_PAGE, QUIET_PAGE = "set:recap", "set:quiet"
CLOSE = "set:close"
PICKER_TIMES = tuple(f"{hour:02d}:00" for hour in range(7, 22))  # 07:00 .. 21:00
REMINDER_LEADS = (15, 30, 60)  # minutes before a green window; 0 in button data means off
# Offered as buttons ("set:quiet:22:00-07:00"); "set:quiet:off" means none.
QUIET_RANGES = (("22:00", "07:00"), ("23:00", "07:00"), ("21:00", "08:00"))
LANGUAGE_NAMES = {"it": "Italiano", "en": "English"}  # each in its own language, never translated

TYPING_TIME = "typing_time"
END = ConversationHandler.END
_MESSAGE_ID = "settings_message_id"  # chat_data: the panel a typed time goes back to
_WAIT_FOR_TIME_S = 600  # stop waiting for a typed time after this long
_TIME_SEPARATORS = re.compile(r"[.,h ]")
_TEXT = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
_ECHO_CHARS = 40


def handlers(settings: Settings) -> list[BaseHandler]:
    """The typed-time conversation first, then /settings and the panel's buttons."""
    return [
        ConversationHandler(
            entry_points=[CallbackQueryHandler(ask_typed_time, pattern=f"^{TYPE_TIME}$")],
            states={
                TYPING_TIME: [
                    MessageHandler(_TEXT, typed_time),
                    CommandHandler("cancel", cancel_typing),
                    CommandHandler("settings", settings_command_ending),
                    CallbackQueryHandler(button_ending, pattern=f"^{PREFIX}"),
                    MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND, not_a_time),
                ],
            },
            fallbacks=[CommandHandler("cancel", cancel_typing)],
            allow_reentry=True,
            conversation_timeout=_WAIT_FOR_TIME_S,
            name="settings",
            persistent=True,
        ),
        CommandHandler("settings", settings_command),
        CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"),
    ]


# --- the panel ----------------------------------------------------------------------------------


async def show_settings(
    update: Update,
    context: BotContext,
    edit: bool = False,
    *,
    page: str = "main",
    notice: str | None = None,
) -> None:
    """Show the settings panel: page "main", "time" (the alert time picker), "recap" or "quiet".

    `edit=True` turns the message whose button was pressed into the panel (below a photo, a
    new message); otherwise a new message is sent. `notice`: a passing note on the pressed
    button. In a group it only says that settings live in a private chat.
    """
    if not is_private(update):
        await private_only(_nothing)(update, context)
        return
    assert update.effective_chat is not None
    text, keyboard = await _render(context, update.effective_chat.id, page)
    # Its message id is not kept: only the typed-time question needs the panel again, and
    # ask_typed_time keeps it (a write per /settings cost a persistence transaction).
    await reply(update, context, text, reply_markup=keyboard, edit=edit, notice=notice)


async def _nothing(update: Update, context: BotContext) -> None:
    """Stands for a feature that private_only refuses in groups."""


@private_only
async def settings_command(update: Update, context: BotContext) -> None:
    """/settings: a new panel."""
    await show_settings(update, context)


async def _render(context: BotContext, chat_id: int, page: str) -> tuple[str, InlineKeyboardMarkup]:
    read = known_chats(context.resources).subscription(chat_id)  # replicas: read under the lock
    if read is None:
        async with db(context, read_only=True) as session:
            read = await subscriptions.with_time_zone(session, chat_id)
    time_zone, subscription = read
    enabled = subscription is not None and subscription.enabled
    daily_time = subscription.daily_time if subscription is not None else DEFAULT_DAILY_TIME
    lead = subscription.reminder_lead_minutes if subscription is not None else None
    recap = subscription is not None and subscription.weekly_recap
    quiet = _quiet_hours(subscription.quiet_start, subscription.quiet_end) if subscription else None
    zone = time_zone or DEFAULT_TIME_ZONE
    if page == "time":
        return _time_page(context, daily_time if enabled else None)
    if page == "recap":
        return _recap_page(context, recap)
    if page == "quiet":
        return _quiet_page(context, quiet, zone)
    return _main_page(
        context,
        enabled=enabled,
        daily_time=daily_time,
        lead=lead,
        zone=zone,
        recap=recap,
        quiet=quiet,
    )


def _ticked(label: str, chosen: bool) -> str:
    return f"✓ {label}" if chosen else label


def _quiet_hours(start: str | None, end: str | None) -> tuple[str, str] | None:
    """The quiet hours as (start, end), or None when there are none (the dispatcher's rule)."""
    return (start, end) if start is not None and end is not None and start != end else None


def _span(quiet: tuple[str, str]) -> str:
    return f"{quiet[0]}–{quiet[1]}"


def _recap_when(context: BotContext) -> tuple[str, str]:
    """The recap's weekday (in the user's language) and local time, as the dispatcher sends it."""
    config = alerts_state(context.application).config
    return get_day_names("wide", locale=context.lang)[config.recap_weekday], config.recap_at


def _main_page(
    context: BotContext,
    *,
    enabled: bool,
    daily_time: str,
    lead: int | None,
    zone: str,
    recap: bool,
    quiet: tuple[str, str] | None,
) -> tuple[str, InlineKeyboardMarkup]:
    _ = context._
    alerts = _("every day at {time}").format(time=daily_time) if enabled else _("off")
    reminders = _("{minutes} minutes before").format(minutes=lead) if lead else _("off")
    day, at = _recap_when(context)
    text = "\n".join(
        [
            _("<b>Settings</b>"),
            "",
            _("Language: {language}").format(language=LANGUAGE_NAMES[context.lang]),
            _("Greenness alerts: {alerts}").format(alerts=alerts),
            _("“Starting soon” reminders: {reminders}").format(reminders=reminders),
            _("Weekly recap: every {day} at {time}").format(day=day, time=at)
            if recap
            else _("Weekly recap: off"),
            _("Quiet hours: {hours}").format(hours=_span(quiet))
            if quiet
            else _("Quiet hours: off"),
            "",
            _(
                "Greenness alerts tell you the greenest hours of the day; reminders come "
                "shortly before each green window. Times are in {zone}."
            ).format(zone=html.escape(zone)),
        ]
    )
    keyboard = [
        [
            InlineKeyboardButton(
                _ticked(LANGUAGE_NAMES[code], code == context.lang),
                callback_data=f"{PREFIX}lang:{code}",
            )
            for code in LANGUAGES
        ],
        [
            InlineKeyboardButton(
                _("Turn alerts off") if enabled else _("Turn alerts on"),
                callback_data=f"{PREFIX}alerts:{'off' if enabled else 'on'}",
            ),
            InlineKeyboardButton(
                _("Alert time: {time}").format(time=daily_time), callback_data=TIME_PICKER
            ),
        ],
        [
            InlineKeyboardButton(
                _ticked(_("No reminders"), not lead), callback_data=f"{PREFIX}rem:0"
            ),
            *(
                InlineKeyboardButton(
                    _ticked(_("{minutes} min").format(minutes=minutes), lead == minutes),
                    callback_data=f"{PREFIX}rem:{minutes}",
                )
                for minutes in REMINDER_LEADS
            ),
        ],
        [
            InlineKeyboardButton(_("Weekly recap"), callback_data=RECAP_PAGE),
            InlineKeyboardButton(_("Quiet hours"), callback_data=QUIET_PAGE),
        ],
        [InlineKeyboardButton(_("Close"), callback_data=CLOSE)],
    ]
    return text, InlineKeyboardMarkup(keyboard)


def _recap_page(context: BotContext, recap: bool) -> tuple[str, InlineKeyboardMarkup]:
    _ = context._
    day, at = _recap_when(context)
    text = "\n".join(
        [
            _("<b>Weekly recap</b>"),
            _(
                "Every {day} at {time}: your week against the week before, how much of your "
                "energy was used in green windows, and one suggestion for the coming week. "
                "It arrives without sound."
            ).format(day=day, time=at),
        ]
    )
    keyboard = [
        [
            InlineKeyboardButton(
                _ticked(_("Send the recap"), recap), callback_data=f"{PREFIX}recap:on"
            ),
            InlineKeyboardButton(
                _ticked(_("No recap"), not recap), callback_data=f"{PREFIX}recap:off"
            ),
        ],
        [InlineKeyboardButton(_("« Back"), callback_data=MAIN)],
    ]
    return text, InlineKeyboardMarkup(keyboard)


def _quiet_page(
    context: BotContext, quiet: tuple[str, str] | None, zone: str
) -> tuple[str, InlineKeyboardMarkup]:
    _ = context._
    # What the dispatcher does: a reminder due in quiet hours is skipped, a daily push due in
    # them goes out with disable_notification (the recap is always silent anyway).
    text = "\n".join(
        [
            _("<b>Quiet hours</b>"),
            _(
                "In quiet hours “starting soon” reminders are not sent, and a daily alert set "
                "within them arrives without sound. Times are in {zone}."
            ).format(zone=html.escape(zone)),
        ]
    )
    keyboard = [
        [
            InlineKeyboardButton(
                _ticked(_("No quiet hours"), quiet is None), callback_data=f"{PREFIX}quiet:off"
            )
        ],
        [
            InlineKeyboardButton(
                _ticked(_span(hours), hours == quiet),
                callback_data=f"{PREFIX}quiet:{hours[0]}-{hours[1]}",
            )
            for hours in QUIET_RANGES
        ],
        [InlineKeyboardButton(_("« Back"), callback_data=MAIN)],
    ]
    return text, InlineKeyboardMarkup(keyboard)


def _time_page(context: BotContext, current: str | None) -> tuple[str, InlineKeyboardMarkup]:
    _ = context._
    text = _(
        "At what time do you want the daily greenness alert? Choose a time, or type another one."
    )
    buttons = [
        InlineKeyboardButton(_ticked(hhmm, hhmm == current), callback_data=f"{PREFIX}time:{hhmm}")
        for hhmm in PICKER_TIMES
    ]
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    rows.append(
        [
            InlineKeyboardButton(_("Type another time"), callback_data=TYPE_TIME),
            InlineKeyboardButton(_("« Back"), callback_data=MAIN),
        ]
    )
    return text, InlineKeyboardMarkup(rows)


# --- the buttons --------------------------------------------------------------------------------


@private_only
async def on_button(update: Update, context: BotContext) -> None:
    """Apply the pressed choice and re-render the panel in place."""
    query = update.callback_query
    assert query is not None and query.data is not None
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    kind, _sep, value = query.data.removeprefix(PREFIX).partition(":")
    page = "main"
    if kind == "main" and not value:
        pass
    elif kind == "close" and not value:
        await reply(
            update,
            context,
            context._("Settings saved. Send /settings to change them again."),
            edit=True,
        )
        return
    elif kind == "lang" and value in LANGUAGES:
        async with db(context) as session:
            await chats.set_language(session, chat_id, value)
        known_chats(context.resources).forget(chat_id)  # load_chat reads the new one next time
        context.lang = value  # the panel itself re-renders in the new language
    elif kind == "alerts" and value in ("on", "off"):
        await _save_subscription(context, chat_id, enabled=value == "on")
    elif kind == "time" and not value:
        page = "time"
    elif kind == "time" and _valid_time(value) is not None:
        await _save_subscription(context, chat_id, enabled=True, daily_time=_valid_time(value))
    elif kind == "rem" and value in {"0", *map(str, REMINDER_LEADS)}:
        await _save_subscription(context, chat_id, reminder_lead_minutes=int(value) or None)
    elif kind in ("recap", "quiet") and not value:
        page = kind
    elif kind == "recap" and value in ("on", "off"):
        await _save_subscription(context, chat_id, weekly_recap=value == "on")
    elif kind == "quiet" and value == "off":
        await _save_subscription(context, chat_id, quiet_start=None, quiet_end=None)
    elif kind == "quiet" and (quiet := _valid_quiet(value)) is not None:
        await _save_subscription(context, chat_id, quiet_start=quiet[0], quiet_end=quiet[1])
    else:  # forged, or from a version of the panel that had other buttons
        notice = context._("This button is no longer active.")
        await show_settings(update, context, edit=True, notice=notice)
        return
    await show_settings(update, context, edit=True, page=page)


@private_only
async def button_ending(update: Update, context: BotContext) -> int:
    """Any panel button while a typed time is awaited: stop waiting, do what the button says."""
    await on_button(update, context)
    return END


def _valid_time(value: str) -> str | None:
    try:
        return check_hhmm(value)
    except ValueError:
        return None


def _valid_quiet(value: str) -> tuple[str, str] | None:
    """ "22:00-07:00" -> ("22:00", "07:00"); any two different times, as the button carries them."""
    start, _sep, end = value.partition("-")
    return _quiet_hours(_valid_time(start), _valid_time(end))


async def _save_subscription(context: BotContext, chat_id: int, **changes: object) -> None:
    """Change the chat's alert subscription; a new one starts with everything off."""
    async with db(context) as session:
        existing = await subscriptions.get(session, chat_id)
        subscription = existing or await subscriptions.get_or_create(session, chat_id)
        if existing is None:
            subscription.enabled = False  # shown as "off" until the user turns it on
        for name, value in changes.items():
            setattr(subscription, name, value)


# --- typing a time ------------------------------------------------------------------------------


@private_only
async def ask_typed_time(update: Update, context: BotContext) -> str:
    """ "Type another time": the panel asks for HH:MM and the next text is the answer."""
    message_id = await reply(
        update,
        context,
        context._(
            "Type the time of the daily alert as HH:MM, for example <code>06:45</code>, "
            "or send /cancel."
        ),
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(context._("« Back"), callback_data=TIME_PICKER)]]
        ),
        edit=True,
    )
    if message_id is not None:
        context.chat_data[_MESSAGE_ID] = message_id
    return TYPING_TIME


def parse_time(text: str) -> str | None:
    """ "7:30", "07.30", "7h30", "7" -> "07:30"/"07:00"; None if it is not a time of day."""
    text = _TIME_SEPARATORS.sub(":", text.strip().lower()).strip(":")
    if text.isdigit() and len(text) <= 2:
        text += ":00"
    return _valid_time(text)


async def typed_time(update: Update, context: BotContext) -> str | int:
    """The typed answer: a valid time is saved (and turns alerts on), anything else is explained."""
    assert update.message is not None and update.message.text is not None
    assert update.effective_chat is not None
    typed = update.message.text
    hhmm = parse_time(typed) if len(typed) <= MAX_INPUT_CHARS else None
    if hhmm is None:
        short = typed.strip()[:_ECHO_CHARS]
        await reply(
            update,
            context,
            context._(
                "<code>{typed}</code> is not a time. Type it as HH:MM, for example "
                "<code>06:45</code>, or send /cancel."
            ).format(typed=html.escape(short)),
        )
        return TYPING_TIME
    await _save_subscription(context, update.effective_chat.id, enabled=True, daily_time=hhmm)
    await reply(
        update,
        context,
        context._("Done: the greenness alert will come every day at {time}.").format(time=hhmm),
    )
    await _refresh_panel(update, context)
    return END


async def not_a_time(update: Update, context: BotContext) -> str:
    """A sticker, photo or the like while a time is awaited."""
    await reply(
        update,
        context,
        context._("Please type the time as text, for example <code>06:45</code>, or send /cancel."),
    )
    return TYPING_TIME


async def cancel_typing(update: Update, context: BotContext) -> int:
    """/cancel while a time is awaited: nothing changes, the panel comes back."""
    await reply(update, context, context._("OK, the alert time is unchanged."))
    await _refresh_panel(update, context)
    return END


@private_only
async def settings_command_ending(update: Update, context: BotContext) -> int:
    """/settings while a time is awaited: stop waiting, show a fresh panel."""
    await show_settings(update, context)
    return END


async def _refresh_panel(update: Update, context: BotContext) -> None:
    """Put the panel the user came from back on its main page (or send a new one)."""
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    message_id = context.chat_data.get(_MESSAGE_ID)
    text, keyboard = await _render(context, chat_id, "main")
    if message_id is not None:
        try:
            await edit_in_place(context, chat_id, message_id, text, keyboard)
            return  # edited, or already showing this
        except BadRequest as error:  # deleted, or too old
            log.info("chat %s: settings panel not editable (%s)", chat_id, error.message)
    context.chat_data[_MESSAGE_ID] = await send_text(
        context.bot, chat_id, text, reply_markup=keyboard
    )
