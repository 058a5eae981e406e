"""AiohttpRequest, the bot's Bot API transport, under python-telegram-bot over real HTTP.

The playground checks what reaches Telegram; a tiny local server plays a Telegram that is slow,
stalls halfway through an answer or drops the connection, to check PTB's errors come out.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import socket
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from io import BytesIO

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults, ExtBot, MessageHandler, filters

from bot.telegram_request import AiohttpRequest, edit_text, send_text
from playground.client import PlaygroundClient
from playground.server import RunningServer
from tests.fixtures.botapi import BOT_TOKEN, BOT_USERNAME, application_builder, running, tiny_png

RED = tiny_png(120, 80, (200, 30, 30))
KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Day", callback_data="day")],
        [
            InlineKeyboardButton("Week", callback_data="week"),
            InlineKeyboardButton("Stop", url="https://t.me/x"),
        ],
    ]
)
KEYBOARD_JSON = {
    "inline_keyboard": [
        [{"text": "Day", "callback_data": "day"}],
        [
            {"text": "Week", "callback_data": "week"},
            {"text": "Stop", "url": "https://t.me/x"},
        ],
    ]
}


def playground_bot(url: str, token: str = BOT_TOKEN, **timeouts: float) -> Bot:
    """A Bot aimed at the playground on AiohttpRequest, as bot/app.py builds it."""
    return Bot(
        token,
        base_url=f"{url}/bot",
        base_file_url=f"{url}/file/bot",
        request=AiohttpRequest(**timeouts),
        get_updates_request=AiohttpRequest(pool_size=1, **timeouts),
    )


# --- a misbehaving Telegram -------------------------------------------------------------------

ME = {"id": 123456, "is_bot": True, "first_name": "Slow", "username": "slow_bot"}
MESSAGE = {
    "message_id": 1,
    "date": 1_700_000_000,
    "chat": {"id": 42, "type": "private", "first_name": "Anna"},
    "from": ME,
    "text": "late but delivered",
}


async def _idle_until_gone(request: Request, seconds: float) -> None:
    """Sleep up to `seconds`, but stop when the client hangs up, so the server stops quickly."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await request.is_disconnected():
            return
        await asyncio.sleep(0.02)


async def slow_method(request: Request) -> Response:
    """/delay/<seconds>/bot<token>/<method>: getMe at once, any other method after the delay."""
    await request.body()
    if request.path_params["method"].lower() != "getme":
        await _idle_until_gone(request, float(request.path_params["seconds"]))
        return JSONResponse({"ok": True, "result": MESSAGE})
    return JSONResponse({"ok": True, "result": ME})


async def stalled_answer(request: Request) -> Response:
    """/stall/bot<token>/<method>: headers and half the body, then nothing more."""
    await request.body()
    body = json.dumps({"ok": True, "result": MESSAGE}).encode()
    if request.path_params["method"].lower() == "getme":
        return JSONResponse({"ok": True, "result": ME})

    async def half_then_silence() -> AsyncIterator[bytes]:
        yield body[: len(body) // 2]
        await asyncio.sleep(30)  # cancelled when the client disconnects
        yield body[len(body) // 2 :]

    return StreamingResponse(
        half_then_silence(),
        media_type="application/json",
        headers={"content-length": str(len(body))},
    )


@pytest.fixture(scope="module")
def bad_telegram() -> Iterator[str]:
    """Root URL of a Bot API that is slow (/delay/<s>/bot) or stalls mid-answer (/stall/bot)."""
    app = Starlette(
        routes=[
            Route("/delay/{seconds}/bot{token}/{method}", slow_method, methods=["GET", "POST"]),
            Route("/stall/bot{token}/{method}", stalled_answer, methods=["GET", "POST"]),
        ]
    )
    server = RunningServer(app).start()
    try:
        yield server.url
    finally:
        server.stop()


def slow_bot(root: str, delay: float, **timeouts: float) -> Bot:
    return Bot(
        "123456:slow", base_url=f"{root}/delay/{delay}/bot", request=AiohttpRequest(**timeouts)
    )


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- what reaches Telegram ------------------------------------------------------------------


async def test_text_with_keyboard_and_html_arrives_as_sent(
    botapi_url: str, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Anna")
    await playground.start(user.id)
    async with playground_bot(botapi_url) as bot:
        assert bot.username == BOT_USERNAME  # initialize() ran getMe through the transport
        sent = await bot.send_message(
            user.id,
            "<b>Consumo</b> di oggi: 12,5 kWh – 3,20 € & più 🔋",
            parse_mode=ParseMode.HTML,
            reply_markup=KEYBOARD,
        )
    shown = await playground.next_message(user.id)
    assert shown.text == "Consumo di oggi: 12,5 kWh – 3,20 € & più 🔋"
    assert shown.html == "<b>Consumo</b> di oggi: 12,5 kWh – 3,20 € &amp; più 🔋"
    assert [[b.text for b in row] for row in shown.buttons] == [["Day"], ["Week", "Stop"]]
    call = (await playground.calls("sendMessage"))[-1]
    assert call.ok
    assert call.params["chat_id"] == user.id
    assert call.params["parse_mode"] == "HTML"
    assert call.params["reply_markup"] == KEYBOARD_JSON
    # PTB parsed Telegram's answer: the transport handed back the whole body.
    assert (sent.message_id, sent.chat_id) == (shown.message_id, user.id)
    assert sent.reply_markup == KEYBOARD


async def test_photo_is_uploaded_as_multipart_then_resent_by_file_id(
    botapi_url: str, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Ben")
    await playground.start(user.id)
    async with playground_bot(botapi_url) as bot:
        first = await bot.send_photo(
            user.id,
            InputFile(RED, filename="chart.png"),
            caption="<i>Consumo</i> – giugno",
            parse_mode=ParseMode.HTML,
            reply_markup=KEYBOARD,
        )
        again = await bot.send_photo(user.id, first.photo[-1].file_id, caption="Di nuovo")
    uploaded, by_id = await playground.calls("sendPhoto")
    assert uploaded.ok and by_id.ok
    assert uploaded.params["photo"] == {
        "file": "chart.png",
        "mime_type": "image/png",
        "size": len(RED),
    }
    assert uploaded.params["chat_id"] == user.id
    assert uploaded.params["caption"] == "<i>Consumo</i> – giugno"
    assert uploaded.params["reply_markup"] == KEYBOARD_JSON
    assert by_id.params["photo"] == first.photo[-1].file_id
    assert by_id.params["caption"] == "Di nuovo"
    shown_first = await playground.next_message(user.id, "giugno")
    shown_again = await playground.next_message(user.id, "Di nuovo")
    assert (shown_first.caption, shown_first.html) == (
        "Consumo – giugno",
        "<i>Consumo</i> – giugno",
    )
    assert [[b.text for b in row] for row in shown_first.buttons] == [["Day"], ["Week", "Stop"]]
    assert await playground.file_bytes(shown_first.photo_url) == RED
    assert await playground.file_bytes(shown_again.photo_url) == RED
    assert again.photo[-1].file_unique_id == first.photo[-1].file_unique_id


async def test_unparsed_text_is_sent_and_edited_as_ptb_would_with_its_defaults(
    botapi_url: str, playground: PlaygroundClient
) -> None:
    # Replies skip PTB's parsing of Telegram's answer; what the user sees must not change:
    # the Defaults' HTML still applies, the keyboard arrives, the id is the shown message's.
    user = await playground.create_user("Anna")
    stranger = await playground.create_user("Elena")
    await playground.start(user.id)
    defaults = Defaults(parse_mode=ParseMode.HTML)
    async with ExtBot(
        BOT_TOKEN, base_url=f"{botapi_url}/bot", request=AiohttpRequest(), defaults=defaults
    ) as bot:
        message_id = await send_text(bot, user.id, "<b>Consumo</b> & più", reply_markup=KEYBOARD)
        shown = await playground.next_message(user.id)
        await edit_text(bot, user.id, message_id, "<i>Aggiornato</i>")
        edited = await playground.next_message(user.id)
        with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
            await send_text(bot, stranger.id, "hi")
        with pytest.raises(BadRequest, match="not modified"):
            await edit_text(bot, user.id, message_id, "<i>Aggiornato</i>")
    assert (shown.message_id, shown.html) == (message_id, "<b>Consumo</b> &amp; più")
    assert [[b.text for b in row] for row in shown.buttons] == [["Day"], ["Week", "Stop"]]
    assert (edited.message_id, edited.html, edited.buttons) == (
        message_id,
        "<i>Aggiornato</i>",
        [],
    )
    sent = (await playground.calls("sendMessage"))[0]
    assert sent.method == "sendMessage"  # recorded under the documented name
    assert sent.params["parse_mode"] == "HTML"
    assert sent.params["reply_markup"] == KEYBOARD_JSON
    # A bot without Defaults sends no parse_mode, as PTB's send_message would: tags stay text.
    async with playground_bot(botapi_url) as plain:
        await send_text(plain, user.id, "<b>raw</b>")
    assert (await playground.next_message(user.id)).text == "<b>raw</b>"


async def test_document_keeps_its_file_name(botapi_url: str, playground: PlaygroundClient) -> None:
    # PTB's own transport sends the name as is; percent-encoding it would show the user
    # "Bolletta%20giugno%20%E2%82%AC.csv" in the chat.
    user = await playground.create_user("Carla")
    await playground.start(user.id)
    async with playground_bot(botapi_url) as bot:
        sent = await bot.send_document(
            user.id, BytesIO(b"day;kwh\n1;12.5\n"), filename="Bolletta giugno €.csv"
        )
    assert sent.document.file_name == "Bolletta giugno €.csv"
    shown = await playground.next_message(user.id)
    assert shown.document["file_name"] == "Bolletta giugno €.csv"


# --- errors -----------------------------------------------------------------------------------


async def test_bot_api_errors_are_ptbs_exceptions_with_telegrams_text(
    botapi_url: str, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Dario")
    stranger = await playground.create_user("Elena")
    await playground.start(user.id)
    async with playground_bot(botapi_url) as bot:
        with pytest.raises(BadRequest, match=r"^Chat not found$"):
            await bot.send_message(987654321, "hi")
        with pytest.raises(BadRequest, match=r"^Message text is empty$"):
            await bot.send_message(user.id, "")
        with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
            await bot.send_message(stranger.id, "hi")
        await playground.fail_next("sendMessage", 429, retry_after=7)
        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(user.id, "too fast")
        assert flood.value.retry_after == timedelta(seconds=7)  # bot/ sets PTB_TIMEDELTA
        # The same connection pool keeps working after the errors.
        await bot.send_message(user.id, "still here")
    await playground.next_message(user.id, "still here")
    failed = [c for c in await playground.calls("sendMessage") if not c.ok]
    assert [(c.error_code, c.description) for c in failed][:2] == [
        (400, "Bad Request: chat not found"),
        (400, "Bad Request: message text is empty"),
    ]


async def test_wrong_token_is_invalid_token_at_initialize(botapi_url: str) -> None:
    bot = playground_bot(botapi_url, token="654321:not-a-playground-bot")
    with pytest.raises(InvalidToken, match="was rejected by the server"):
        async with bot:  # initialize() calls getMe; the failure shuts the bot down again
            pass


async def test_slow_telegram_is_timed_out_after_the_read_timeout(bad_telegram: str) -> None:
    async with slow_bot(bad_telegram, 30, read_timeout=0.3) as bot:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(42, "hello")
        waited = time.monotonic() - started
    assert 0.25 <= waited < 2.0, waited


async def test_answer_stalled_halfway_is_timed_out(bad_telegram: str) -> None:
    bot = Bot(
        "123456:stall",
        base_url=f"{bad_telegram}/stall/bot",
        request=AiohttpRequest(read_timeout=0.3),
    )
    async with bot:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(42, "hello")
        waited = time.monotonic() - started
    assert waited < 2.0, waited


async def test_closed_port_is_a_network_error_not_a_timeout() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    bot = Bot(BOT_TOKEN, base_url=f"{url}/bot", request=AiohttpRequest(connect_timeout=2))
    started = time.monotonic()
    with pytest.raises(NetworkError, match="ClientConnectorError") as refused:
        async with bot:  # initialize() calls getMe
            pass
    assert not isinstance(refused.value, TimedOut)
    assert time.monotonic() - started < 1.5  # refused at once, not after connect_timeout


async def test_dropped_connection_is_a_network_error_naming_the_cause() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        bot = Bot(BOT_TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=AiohttpRequest())
        with pytest.raises(NetworkError, match="ServerDisconnectedError") as dropped:
            async with bot:
                pass
        assert not isinstance(dropped.value, TimedOut)
    finally:
        server.close()
        await server.wait_closed()


# --- timeouts per call --------------------------------------------------------------------------


async def test_read_timeout_given_to_a_call_overrides_the_default(bad_telegram: str) -> None:
    async with slow_bot(bad_telegram, 0.6, read_timeout=3) as bot:
        # The default (3 s) outlasts the slow answer...
        delivered = await bot.send_message(42, "hello")
        assert delivered.text == "late but delivered"
        # ...a call's own read_timeout does not.
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(42, "hello", read_timeout=0.2)
        assert time.monotonic() - started < 0.55
        # An upload takes the other path (multipart, a total bound): the same holds there.
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_photo(42, RED, read_timeout=0.2)
        assert time.monotonic() - started < 0.55


async def test_longer_read_timeout_given_to_a_call_lets_a_slow_answer_through(
    bad_telegram: str,
) -> None:
    async with slow_bot(bad_telegram, 0.6, read_timeout=0.2) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(42, "hello")
        delivered = await bot.send_message(42, "hello", read_timeout=3)
        uploaded = await bot.send_photo(42, RED, read_timeout=3)
    assert delivered.text == uploaded.text == "late but delivered"


# --- life cycle ---------------------------------------------------------------------------------


async def test_restarted_application_works_and_leaves_no_open_session(
    botapi_url: str, playground: PlaygroundClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    builder: ApplicationBuilder = application_builder(botapi_url)
    app = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest(pool_size=1)).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    user = await playground.create_user("Fabio")
    caplog.set_level(logging.ERROR, logger="asyncio")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for round_ in ("one", "two", "three"):
            async with running(app, poll_timeout=1):
                await playground.send_text(user.id, round_)
                await playground.next_message(user.id, f"echo: {round_}")
        # A session dropped without close() says so only when it is collected.
        gc.collect()
    unclosed = [w for w in caught if "nclosed" in str(w.message)]
    assert unclosed == []
    assert "nclosed" not in caplog.text
    assert [m.text for m in await playground.history(user.id)][-2:] == ["three", "echo: three"]


async def test_bot_reinitialised_after_shutdown_sends_again(
    botapi_url: str, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Gino")
    await playground.start(user.id)
    bot = playground_bot(botapi_url)
    async with bot:
        await bot.send_message(user.id, "before")
    # Closed: a call now fails as a network error instead of hanging or reopening silently.
    with pytest.raises(NetworkError, match="not initialized"):
        await bot.send_message(user.id, "while down")
    async with bot:
        await bot.send_message(user.id, "after")
    sent = [c.params["text"] for c in await playground.calls("sendMessage") if c.ok]
    assert sent == ["before", "after"]


async def test_initialize_twice_keeps_one_session(
    botapi_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # One AiohttpRequest may back both of a Bot's requests: PTB then initialises it twice.
    request = AiohttpRequest()
    caplog.set_level(logging.ERROR, logger="asyncio")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await request.initialize()
        await request.initialize()
        me = await request.post(f"{botapi_url}/bot{BOT_TOKEN}/getMe")
        await request.shutdown()
        gc.collect()
    assert me["username"] == BOT_USERNAME
    assert [w for w in caught if "nclosed" in str(w.message)] == []
    assert "nclosed" not in caplog.text


# --- long polling -----------------------------------------------------------------------------


async def test_long_poll_returns_the_update_queued_while_it_waits(
    botapi_url: str, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Ilaria")
    # A read timeout shorter than the poll: PTB adds the poll's length to it, as with httpx.
    bot = playground_bot(botapi_url, read_timeout=0.5)
    async with bot:
        assert await bot.get_updates(timeout=0) == ()
        # An idle poll ends empty when Telegram ends it, not with TimedOut just before.
        started = time.monotonic()
        assert await bot.get_updates(timeout=1) == ()
        assert time.monotonic() - started >= 0.9
        poll = asyncio.create_task(bot.get_updates(timeout=3, allowed_updates=["message"]))
        await asyncio.sleep(0.8)
        assert not poll.done()  # held open by the playground, not timed out by the transport
        await playground.send_text(user.id, "ping")
        started = time.monotonic()
        updates = await asyncio.wait_for(poll, 5)
        woke_after = time.monotonic() - started
        assert [(u.message.text, u.message.from_user.id) for u in updates] == [("ping", user.id)]
        confirmed = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert confirmed == ()
    assert woke_after < 1.0  # the update ended the poll, not its 3 s timeout
    poll_call = [c for c in await playground.calls("getUpdates") if c.params.get("timeout") == 3]
    assert len(poll_call) == 1 and poll_call[0].params["allowed_updates"] == ["message"]
