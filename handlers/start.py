"""/start (welcome, what the bot does, a button to link) and /help; `/start <token>` is in linking."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler

from bot.commands import COMMANDS
from bot.context import BotContext
from bot.settings import Settings
from handlers.common import current_link, is_private, reply
from handlers.linking import START as LINK_BUTTON


def handlers(settings: Settings) -> list[BaseHandler]:
    """/start and /help, in private chats and groups alike."""
    return [CommandHandler("start", start), CommandHandler("help", help_command)]


def _what_i_do(context: BotContext) -> str:
    return context._(
        "• how much energy your home uses, and which appliances use it;\n"
        "• the greenest hours of the day, to run the washing machine and co. when energy is clean;\n"
        "• how to save, compared with homes like yours."
    )


def _private_chat_button(context: BotContext) -> InlineKeyboardMarkup | None:
    username = context.resources.bot_username
    if not username:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(context._("Write to me privately"), url=f"https://t.me/{username}")]]
    )


async def start(update: Update, context: BotContext) -> None:
    """Welcome: what the bot does and, in a private chat that is not linked yet, how to link."""
    user = update.effective_user
    name = html.escape(user.first_name) if user is not None else ""
    hello = context._("Hi {name}! I am the Digiwatt assistant of your energy company. I show you:")
    intro = hello.format(name=name) + "\n" + _what_i_do(context)
    if not is_private(update):
        await reply(
            update,
            context,
            intro
            + "\n\n"
            + context._(
                "For your privacy, I work with your account only in a private chat: "
                "write to me directly."
            ),
            reply_markup=_private_chat_button(context),
        )
        return
    assert update.effective_chat is not None
    link = await current_link(context, update.effective_chat.id)
    if link is not None:
        await reply(
            update,
            context,
            intro
            + "\n\n"
            + context._(
                "This chat is linked to account <b>{account}</b>. Send /menu to see what I can "
                "show you, or /help."
            ).format(account=html.escape(link.account_number)),
        )
        return
    if context.settings.manual_link_enabled:
        await reply(
            update,
            context,
            intro
            + "\n\n"
            + context._(
                "To begin, link your Digiwatt account: open the link from your energy company's "
                "website, or press the button and have your bill at hand."
            ),
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(context._("Link my account"), callback_data=LINK_BUTTON)]]
            ),
        )
        return
    await reply(
        update,
        context,
        intro
        + "\n\n"
        + context._(
            "To begin, link your Digiwatt account: open the link your energy company gave you, "
            "on its website or on your bill."
        ),
    )


async def help_command(update: Update, context: BotContext) -> None:
    """What the bot can do: the command menu in the user's language, and how to ask in words."""
    lines = [f"/{name} — {context._(description)}" for name, description in COMMANDS]
    text = (
        context._("<b>What I can do</b>")
        + "\n"
        + "\n".join(lines)
        + "\n\n"
        + context._(
            "You can also ask in your own words, for example: how much did I use yesterday?"
        )
    )
    if not is_private(update):
        text += "\n\n" + context._(
            "For your privacy, account features work only in a private chat with me."
        )
        await reply(update, context, text, reply_markup=_private_chat_button(context))
        return
    await reply(update, context, text)
