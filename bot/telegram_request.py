"""The Bot API transport: python-telegram-bot's requests over aiohttp instead of httpx.

Every message the bot sends is one Bot API request, so its CPU cost is the bot's floor.
Measured here, a thousand `sendPhoto` by file_id to the playground with PTB: 1.2-1.7 ms of CPU
each through PTB's default `HTTPXRequest`, 0.4-0.5 ms through this class (and 0.25 ms with
`send_unparsed`, the floor benchmarks/alerts.py prints), because aiohttp parses HTTP in C where
httpx/httpcore/h11 do it in Python. The
Digiwatt client keeps httpx: a few calls per question, where its features (transports for
tests, clear timeouts) matter more than a millisecond.

The request body is JSON (the Bot API takes `application/json` as well as forms), or
multipart, like PTB's own transport, when a file is uploaded. Errors map to PTB's: `TimedOut`
for any timeout, `NetworkError` for the rest, so retries and the error handler work unchanged.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram import Bot, InlineKeyboardMarkup
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import ODVInput, ReplyMarkup
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# PTB's defaults for the same timeouts (telegram.request.HTTPXRequest).
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 20.0
_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one `aiohttp.ClientSession`, opened in `initialize()`.

    `pool_size`: connections kept to the Bot API (PTB's own default is 256 for
    messages and 1 for getUpdates).
    """

    def __init__(
        self,
        pool_size: int = 256,
        *,
        connect_timeout: float | None = CONNECT_TIMEOUT,
        read_timeout: float | None = READ_TIMEOUT,
        write_timeout: float | None = WRITE_TIMEOUT,
        pool_timeout: float | None = POOL_TIMEOUT,
        media_write_timeout: float | None = MEDIA_WRITE_TIMEOUT,
    ) -> None:
        self._pool_size = pool_size
        self._timeouts = (connect_timeout, read_timeout, write_timeout, pool_timeout)
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        # Most requests use the defaults: build their ClientTimeout once.
        self._default_timeout = _client_timeout(connect_timeout, read_timeout, pool_timeout)

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds getUpdates' long-poll time to it)."""
        return self._timeouts[1]

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                # The Bot API sets no cookies; a jar would only cost time per response.
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See `BaseRequest.do_request`: one HTTP request, its status and body."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data is not None and request_data.contains_files
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout, files)
        kwargs: dict[str, Any] = {"timeout": timeout}
        if files:
            assert request_data is not None
            kwargs["data"] = _multipart(request_data)
        elif request_data is not None:
            # A JSON body, which the Bot API takes like a form: one C-encoded dump instead of
            # percent-encoding each field (a tenth of an alert's CPU, benchmarks/alerts.py).
            kwargs["data"] = json.dumps(request_data.parameters)
            kwargs["headers"] = _JSON
        try:
            async with session.request(method, url, **kwargs) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeouts are TimeoutErrors too
            raise TimedOut from error
        except aiohttp.ClientError as error:
            # The class name helps when the message is empty (e.g. a dropped connection).
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

    def _timeout(
        self,
        read: ODVInput[float],
        write: ODVInput[float],
        connect: ODVInput[float],
        pool: ODVInput[float],
        files: bool,
    ) -> aiohttp.ClientTimeout:
        defaults = (connect, read, write, pool)
        if not files and all(isinstance(value, DefaultValue) for value in defaults):
            return self._default_timeout
        connect_s, read_s, write_s, pool_s = (
            own if isinstance(given, DefaultValue) else given
            for given, own in zip(defaults, self._timeouts, strict=True)
        )
        if files and isinstance(write, DefaultValue):
            write_s = self._media_write_timeout
        timeout = _client_timeout(connect_s, read_s, pool_s)
        if files and write_s is not None and read_s is not None:
            # aiohttp has no write timeout: bound an upload as a whole instead, so a stalled
            # one cannot hang its handler.
            total = write_s + read_s + (connect_s or 0.0) + (pool_s or 0.0)
            timeout = aiohttp.ClientTimeout(
                total=total,
                connect=timeout.connect,
                sock_connect=timeout.sock_connect,
                sock_read=timeout.sock_read,
            )
        return timeout


def _client_timeout(
    connect: float | None, read: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    """aiohttp's `connect` covers waiting for a pooled connection and opening a new one."""
    waiting = None if connect is None or pool is None else connect + pool
    return aiohttp.ClientTimeout(total=None, connect=waiting, sock_connect=connect, sock_read=read)


def _multipart(request_data: RequestData) -> aiohttp.FormData:
    """The uploaded files and the other parameters, as one multipart body."""
    # Unquoted, file names go out as UTF-8, like PTB's httpx transport; aiohttp's default
    # percent-encodes them, and Telegram shows "Bolletta%20giugno.pdf" as the document's name.
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, part in request_data.multipart_data.items():
        filename, content, mime_type = part[0], part[1], part[2]
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form


async def send_unparsed(bot: Bot, method: str, **params: Any) -> Any:
    """Call `method` ("sendPhoto", ...) and return Telegram's raw answer, not a PTB object.

    For sends whose answer nobody reads (the alerts, most replies): PTB turns each sent
    message into a `Message`, about a fifth of an alert's CPU (benchmarks/alerts.py) and a
    tenth of a text update's busy time under py-spy (benchmarks/throughput.py). The rate
    limiter, the errors (`RetryAfter`, `Forbidden`, ...) and the timeouts are PTB's as for any
    call. `Defaults` apply only to parameters given as PTB's placeholder, `DEFAULT_NONE` (as
    `send_text` does); pass anything else yourself. The name is sent lowercased: the Bot API's
    method names are case-insensitive, and `do_api_request` warns about the names PTB has a
    method for.
    """
    return await bot.do_api_request(method.lower(), api_kwargs=params)


# What `Bot.send_message` and `Bot.edit_message_text` take from `Defaults`, passed the same way,
# so an unparsed text is sent exactly as PTB would send it.
_TEXT_DEFAULTS: dict[str, Any] = {"parse_mode": DEFAULT_NONE, "link_preview_options": DEFAULT_NONE}
_SEND_DEFAULTS: dict[str, Any] = {
    **_TEXT_DEFAULTS,
    "disable_notification": DEFAULT_NONE,
    "protect_content": DEFAULT_NONE,
}


async def send_text(
    bot: Bot, chat_id: int, text: str, *, reply_markup: ReplyMarkup | None = None
) -> int:
    """`bot.send_message`, for a reply whose `Message` nobody reads: the new message's id."""
    sent = await send_unparsed(
        bot, "sendMessage", chat_id=chat_id, text=text, reply_markup=reply_markup, **_SEND_DEFAULTS
    )
    return int(sent["message_id"])


async def edit_text(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """`bot.edit_message_text` of a message in a chat, Telegram's answer left unparsed."""
    await send_unparsed(
        bot,
        "editMessageText",
        chat_id=chat_id,
        message_id=message_id,
        text=text,
        reply_markup=reply_markup,
        **_TEXT_DEFAULTS,
    )
