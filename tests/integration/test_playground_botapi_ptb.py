"""The real python-telegram-bot stack against the playground's Bot API over HTTP."""

from __future__ import annotations

import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from playground.client import PlaygroundClient
from tests.fixtures.botapi import application_builder, running, tiny_png

RED = tiny_png(120, 80, (200, 30, 30))
BLUE = tiny_png(120, 80, (30, 30, 200))


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    payload = " ".join(context.args or []) or "none"
    await update.effective_message.reply_text(
        f"Welcome! payload=<code>{payload}</code>", parse_mode=ParseMode.HTML, do_quote=True
    )


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Day", callback_data="day"),
                InlineKeyboardButton("Week", callback_data="week"),
            ]
        ]
    )
    await update.effective_message.reply_text("Which period?", reply_markup=keyboard)


async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query.data == "refresh":
        await query.answer()
        await query.edit_message_media(
            InputMediaPhoto(BLUE, caption="<b>Blue</b> now", parse_mode=ParseMode.HTML)
        )
        return
    await query.answer(f"Got {query.data}")
    await query.edit_message_text(f"You chose <b>{query.data}</b>", parse_mode=ParseMode.HTML)


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_chat.send_action(ChatAction.UPLOAD_PHOTO)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Refresh", callback_data="refresh")]])
    await update.effective_message.reply_photo(RED, caption="Red chart", reply_markup=keyboard)


async def keyboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    markup = ReplyKeyboardMarkup([["Yes", "No"]], one_time_keyboard=True, resize_keyboard=True)
    await update.effective_message.reply_text("Sure?", reply_markup=markup)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text("Please type or use the buttons.")


def build(url: str, seen: list[Update] | None = None):
    app = application_builder(url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CommandHandler("photo", photo))
    app.add_handler(CommandHandler("keyboard", keyboard))
    app.add_handler(CallbackQueryHandler(choose))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(MessageHandler(~filters.TEXT & ~filters.COMMAND, other))

    async def member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if seen is not None:
            seen.append(update)

    app.add_handler(ChatMemberHandler(member, ChatMemberHandler.MY_CHAT_MEMBER))
    return app


async def test_deep_link_payload_reaches_the_start_command(
    botapi_url: str, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Anna", language_code="it")
    async with running(build(botapi_url)):
        sent = await playground.start(user.id, "link-ABC_123")
        reply = await playground.next_message(user.id)
    assert sent.text == "/start link-ABC_123"
    assert sent.entities == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert reply.text == "Welcome! payload=link-ABC_123"
    assert reply.entities == [{"type": "code", "offset": 17, "length": 12}]
    assert reply.reply_to_message_id == sent.message_id


async def test_text_sticker_and_location_get_their_handlers(
    botapi_url: str, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Ben")
    async with running(build(botapi_url)):
        await playground.start(user.id)
        await playground.next_message(user.id, "Welcome")
        await playground.send_text(user.id, "  hello there  ")
        assert (await playground.next_message(user.id)).text == "echo: hello there"
        await playground.send_sticker(user.id, "🔥")
        assert (await playground.next_message(user.id)).text == "Please type or use the buttons."
        await playground.send_location(user.id, 45.46, 9.19)
        assert (await playground.next_message(user.id)).text == "Please type or use the buttons."


async def test_inline_button_press_is_answered_and_edits_the_message(
    botapi_url: str, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Carla")
    async with running(build(botapi_url)):
        await playground.send_text(user.id, "/menu")
        question = await playground.next_message(user.id)
        assert question.button_texts == ["Day", "Week"]
        press = await playground.press(user.id, text="Week")
        answer = await playground.callback_answer(press.callback_query_id)
        edited = await playground.next_message(user.id)
    assert (answer.answered, answer.text) == (True, "Got week")
    assert (edited.message_id, edited.edited) == (question.message_id, True)
    assert (edited.text, edited.html) == ("You chose week", "You chose <b>week</b>")
    assert edited.buttons == []  # an edit without reply_markup drops the keyboard, as in Telegram
    history = await playground.history(user.id)
    assert [m.text for m in history] == ["/menu", "You chose week"]


async def test_photo_is_uploaded_retrievable_and_replaced_with_edit_message_media(
    botapi_url: str, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Dario")
    app = build(botapi_url)
    async with running(app):
        await playground.send_text(user.id, "/photo")
        sent = await playground.next_message(user.id)
        assert (sent.kind, sent.caption) == ("photo", "Red chart")
        assert (sent.photo[-1]["width"], sent.photo[-1]["height"]) == (120, 80)
        assert await playground.file_bytes(sent.photo_url) == RED

        telegram_file = await app.bot.get_file(sent.photo[-1]["file_id"])
        assert bytes(await telegram_file.download_as_bytearray()) == RED

        await playground.press(user.id, sent.message_id, "refresh")
        replaced = await playground.next_message(user.id, lambda m: m.edited)
    assert replaced.message_id == sent.message_id
    assert (replaced.caption, replaced.html) == ("Blue now", "<b>Blue</b> now")
    assert await playground.file_bytes(replaced.photo_url) == BLUE
    media_call = (await playground.calls("editMessageMedia"))[-1]
    attach = media_call.params["media"]["media"]
    assert attach.startswith("attach://")
    assert media_call.params[attach.removeprefix("attach://")]["size"] == len(BLUE)


async def test_chat_action_shows_while_the_bot_works(
    botapi_url: str, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Elena")
    async with running(build(botapi_url)):
        await playground.send_text(user.id, "/photo")
        await playground.next_message(user.id)
    actions = await playground.calls("sendChatAction")
    assert [c.params["action"] for c in actions] == ["upload_photo"]
    events, _ = await playground.events(user.id)
    kinds = [e["type"] for e in events]
    assert kinds.index("action") < kinds.index("message", 1)


async def test_reply_keyboard_is_shown_and_hidden_after_use(
    botapi_url: str, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Fabio")
    async with running(build(botapi_url)):
        await playground.send_text(user.id, "/keyboard")
        question = await playground.next_message(user.id)
        assert question.reply_keyboard == [["Yes", "No"]]
        assert (await playground.chat(user.id)).keyboard_labels == [["Yes", "No"]]
        await playground.send_text(user.id, "Yes")
        assert (await playground.next_message(user.id)).text == "echo: Yes"
    assert (await playground.chat(user.id)).keyboard_labels is None  # one_time_keyboard


async def test_html_errors_are_bad_requests_with_telegrams_text(
    botapi_url: str, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Gino")
    app = build(botapi_url)
    async with running(app):
        await playground.start(user.id)
        await playground.next_message(user.id)
        with pytest.raises(
            BadRequest, match=r'(?i)can\'t find end tag corresponding to start tag "b"'
        ):
            await app.bot.send_message(user.id, "<b>unclosed", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "br" at byte offset 3'):
            await app.bot.send_message(user.id, "one<br>two", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match="Message is too long"):
            await app.bot.send_message(user.id, "x" * 4097)
        ok = await app.bot.send_message(
            user.id, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML
        )
    assert len(ok.text) == 4096  # the limit counts characters after parsing, not the markup
    failed = [c for c in await playground.calls("sendMessage") if not c.ok]
    assert [c.error_code for c in failed] == [400, 400, 400]
    assert failed[0].description == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )


async def test_editing_with_identical_content_is_not_modified(
    botapi_url: str, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Ilaria")
    app = build(botapi_url)
    async with running(app):
        await playground.start(user.id)
        await playground.next_message(user.id)
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ok", callback_data="ok")]])
        message = await app.bot.send_message(
            user.id, "<i>Same</i>", parse_mode=ParseMode.HTML, reply_markup=keyboard
        )
        with pytest.raises(BadRequest, match="Message is not modified"):
            await message.edit_text("<i>Same</i>", parse_mode=ParseMode.HTML, reply_markup=keyboard)
        with pytest.raises(BadRequest, match="Message is not modified"):
            await message.edit_reply_markup(reply_markup=keyboard)
        # Same text without the keyboard is a change: Telegram removes the keyboard.
        edited = await message.edit_text("<i>Same</i>", parse_mode=ParseMode.HTML)
        assert edited.reply_markup is None
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await app.bot.edit_message_text("x", chat_id=user.id, message_id=9999)


async def test_blocked_user_raises_forbidden_and_the_bot_is_told(
    botapi_url: str, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Luca")
    seen: list[Update] = []
    app = build(botapi_url, seen)
    async with running(app):
        await playground.start(user.id)
        await playground.next_message(user.id)
        await playground.block(user.id)
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await app.bot.send_message(user.id, "Your daily report")
        await playground.unblock(user.id)
        delivered = await app.bot.send_message(user.id, "Welcome back")
        stranger = await playground.create_user("Mara")
        with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
            await app.bot.send_message(stranger.id, "hi")
        with pytest.raises(BadRequest, match="Chat not found"):
            await app.bot.send_message(987654321, "hi")
        await playground.next_message(user.id, "Welcome back")
    statuses = [
        (u.my_chat_member.old_chat_member.status, u.my_chat_member.new_chat_member.status)
        for u in seen
    ]
    assert statuses == [("member", "kicked"), ("kicked", "member")]
    assert delivered.chat_id == user.id


async def test_commands_are_kept_per_scope_and_language(
    botapi_url: str, playground: PlaygroundClient
) -> None:
    italian = await playground.create_user("Nora", language_code="it")
    english = await playground.create_user("Otto", language_code="en-GB")
    app = build(botapi_url)
    async with running(app):
        await app.bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
        await app.bot.set_my_commands(
            [BotCommand("start", "Inizia"), BotCommand("aiuto", "Aiuto")],
            scope=BotCommandScopeAllPrivateChats(),
            language_code="it",
        )
        default = await app.bot.get_my_commands()
        italian_private = await app.bot.get_my_commands(
            scope=BotCommandScopeAllPrivateChats(), language_code="it"
        )
        italian_default = await app.bot.get_my_commands(language_code="it")
        await playground.start(italian.id)
        await playground.start(english.id)
        await playground.next_message(english.id)
    assert [(c.command, c.description) for c in default] == [("start", "Start"), ("help", "Help")]
    assert [(c.command, c.description) for c in italian_private] == [
        ("start", "Inizia"),
        ("aiuto", "Aiuto"),
    ]
    assert italian_default == ()  # getMyCommands does not fall back, unlike the clients' menu
    assert [c["command"] for c in (await playground.chat(italian.id)).commands] == [
        "start",
        "aiuto",
    ]
    assert [c["command"] for c in (await playground.chat(english.id)).commands] == ["start", "help"]
