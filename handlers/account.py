"""/unlink (the data stays at Digiwatt) and /deleteme (the user goes at Digiwatt and here).

Both ask for confirmation with a button first: "acc:unlink:yes|no", "acc:delete:yes|no".
"""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.context import BotContext
from bot.digiwatt.errors import DigiwattError, NotFound
from bot.i18n import N_, translator
from bot.known_chats import known_chats
from bot.settings import Settings
from bot.telegram_request import send_text
from handlers.common import current_link, db, linked_only, not_linked_text, private_only, reply
from storage.models import AccountLink
from storage.repositories import chats, erasure, links

log = logging.getLogger(__name__)

UNLINK_YES, UNLINK_NO = "acc:unlink:yes", "acc:unlink:no"
DELETE_YES, DELETE_NO = "acc:delete:yes", "acc:delete:no"

# What each table holds, in words a user understands; several tables can say the same thing.
_DELETED_LABELS = {
    "account_links": N_("the link between this chat and your account"),
    "accounts": N_("the link between this chat and your account"),
    "household_profiles": N_("your household profile and its earlier versions"),
    "household_profile_history": N_("your household profile and its earlier versions"),
    "chats": N_("this chat's language and time zone"),
    "alert_subscriptions": N_("your alert settings"),
    "alert_deliveries": N_("the record of the alerts sent to you"),
    "audit_events": N_("the record of when this chat was linked and unlinked"),
    "ptb_chat_data": N_("unfinished conversations and their answers"),
    "ptb_user_data": N_("unfinished conversations and their answers"),
    "ptb_conversations": N_("unfinished conversations and their answers"),
}
_OTHER_DATA = N_("other records about you")


def handlers(settings: Settings) -> list[BaseHandler]:
    """/unlink, /deleteme and their confirmation buttons."""
    return [
        CommandHandler("unlink", unlink_command),
        CommandHandler("deleteme", delete_command),
        CallbackQueryHandler(on_button, pattern="^acc:"),
    ]


def _yes_no(yes: tuple[str, str], no: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(yes[0], callback_data=yes[1]),
                InlineKeyboardButton(no[0], callback_data=no[1]),
            ]
        ]
    )


@linked_only
async def unlink_command(update: Update, context: BotContext, link: AccountLink) -> None:
    """/unlink: say what it means, ask to confirm."""
    await reply(
        update,
        context,
        context._(
            "Unlink this chat from account <b>{account}</b>? I will stop showing its data here. "
            "Your data stays at Digiwatt and your household profile is kept, so you can link "
            "again at any time."
        ).format(account=html.escape(link.account_number)),
        reply_markup=_yes_no(
            (context._("Unlink"), UNLINK_YES), (context._("Keep it linked"), UNLINK_NO)
        ),
    )


@private_only
async def delete_command(update: Update, context: BotContext) -> None:
    """/deleteme: say exactly what will go, ask to confirm."""
    assert update.effective_chat is not None
    link = await current_link(context, update.effective_chat.id)
    if link is not None:
        text = context._(
            "This deletes your user at Digiwatt (account <b>{account}</b>) and everything I keep "
            "about you: the link, your household profile, your settings and the alerts sent to "
            "you. Other chats linked to the same account will be unlinked. "
            "This cannot be undone.\n\nDelete everything?"
        ).format(account=html.escape(link.account_number))
    else:
        text = context._(
            "This chat is not linked to an account, so nothing is deleted at Digiwatt. I will "
            "delete everything I keep about this chat: its settings and the alerts sent to it. "
            "This cannot be undone.\n\nDelete it?"
        )
    await reply(
        update,
        context,
        text,
        reply_markup=_yes_no(
            (context._("Yes, delete everything"), DELETE_YES),
            (context._("No, keep my data"), DELETE_NO),
        ),
    )


@private_only
async def on_button(update: Update, context: BotContext) -> None:
    """The confirmation buttons; anything else with the prefix is a stale button."""
    query = update.callback_query
    assert query is not None
    if query.data == UNLINK_YES:
        await _unlink(update, context)
    elif query.data == UNLINK_NO:
        await reply(update, context, context._("OK, this chat stays linked."), edit=True)
    elif query.data == DELETE_YES:
        await _delete(update, context)
    elif query.data == DELETE_NO:
        await reply(update, context, context._("OK, nothing was deleted."), edit=True)
    else:
        await query.answer(
            context._("This button is no longer active. Send /help to see what you can do."),
            show_alert=True,
        )


async def _unlink(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None
    async with db(context) as session:
        removed = await links.unlink(session, update.effective_chat.id)
    known_chats(context.resources).forget(update.effective_chat.id)  # its link is gone
    if removed is None:
        await reply(update, context, not_linked_text(context), edit=True)
        return
    await reply(
        update,
        context,
        context._(
            "Done: this chat is no longer linked to account <b>{account}</b>. Your data stays "
            "at Digiwatt. To link again, send /start."
        ).format(account=html.escape(removed.account_number)),
        edit=True,
    )


async def _delete(update: Update, context: BotContext) -> None:
    """Delete the user at Digiwatt, then every local row; tell the other chats of the account."""
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    link = await current_link(context, chat_id)
    gone_at_digiwatt = None
    if link is not None:
        assert context.resources.digiwatt is not None
        try:
            await context.resources.digiwatt.delete_user(link.account_number)
        except NotFound:
            pass  # already gone there: what the user wants anyway
        except DigiwattError:
            log.warning("chat %s: delete-user failed", chat_id, exc_info=True)
            await reply(
                update,
                context,
                context._(
                    "Digiwatt is not answering right now, so nothing was deleted yet. "
                    "Please try again in a minute."
                ),
                reply_markup=_yes_no(
                    (context._("Try again"), DELETE_YES), (context._("Cancel"), DELETE_NO)
                ),
                edit=True,
            )
            return
        gone_at_digiwatt = link.account_number

    async with db(context) as session:
        result = await erasure.erase_chat(session, chat_id)
        others: dict[int, str | None] = {}
        for other in result.unlinked_chat_ids:
            row = await chats.get(session, other)
            others[other] = row.effective_language if row is not None else None
    known_chats(context.resources).forget(chat_id)  # the row is gone: load_chat creates it again

    lines = []
    if gone_at_digiwatt is not None:
        lines.append(
            context._("your user at Digiwatt (account <b>{account}</b>)").format(
                account=html.escape(gone_at_digiwatt)
            )
        )
    labels = [context._(_DELETED_LABELS.get(table, _OTHER_DATA)) for table in result.deleted]
    lines.extend(dict.fromkeys(labels))  # once each, in the order of the tables
    if lines:
        text = (
            context._("Done. I deleted:")
            + "\n"
            + "\n".join(f"• {line}" for line in lines)
            + "\n\n"
            + context._("If you want to come back one day, send /start.")
        )
    else:
        text = context._("There was nothing to delete. If you want to come back, send /start.")
    await reply(update, context, text, edit=True)
    await _tell_unlinked(context, others)
    # Last, with no await after it: PTB must not write this chat's data back after the erasure.
    _forget_in_memory(update, context, chat_id)


async def _tell_unlinked(context: BotContext, chats_languages: dict[int, str | None]) -> None:
    """Chats that were linked to the erased account learn that they are not linked anymore."""
    for other, language in chats_languages.items():
        _ = translator(language or "en")
        text = _(
            "The Digiwatt account linked to this chat was deleted by its owner from another "
            "chat, so this chat is no longer linked. Send /start to link again."
        )
        try:
            await send_text(context.bot, other, text)
        except TelegramError as error:  # blocked the bot, or gone: nothing else to do
            log.info("chat %s: could not tell about the erasure (%s)", other, error)


def _forget_in_memory(update: Update, context: BotContext, chat_id: int) -> None:
    """Drop what PTB still holds about the chat: chat and user data, conversation states."""
    application = context.application
    application.drop_chat_data(chat_id)
    if update.effective_user is not None:
        application.drop_user_data(update.effective_user.id)
    for group in application.handlers.values():
        for handler in group:
            if not isinstance(handler, ConversationHandler):
                continue
            # PTB has no public way to end another handler's conversation; this is what its
            # own END does, and it also deletes the persisted state.
            states = getattr(handler, "_conversations", {})
            for key in [k for k in list(states) if k and k[0] == chat_id]:
                handler._update_state(ConversationHandler.END, key)
