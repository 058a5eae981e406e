"""PlaygroundClient: simulated users for tests (and scripts), over the control API.

Every user action remembers where the chat's event stream stood, so `wait_for(chat_id)` returns
what the bot did *after* the last action, even if it was quick enough to answer before the call.
(`timeout` parameters are how long the *server* may hold a long poll or how long a test waits for
the bot: part of the behaviour asked for, hence the ASYNC109 exemptions.)
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Callable
from typing import Any

import httpx

from playground.client_models import (
    Call,
    CallbackAnswer,
    ChatMessage,
    ChatState,
    PlaygroundError,
    PlaygroundTimeout,
    Press,
    User,
)

Predicate = Callable[[ChatMessage], bool] | str | re.Pattern[str] | None

__all__ = [
    "Call",
    "CallbackAnswer",
    "ChatMessage",
    "ChatState",
    "PlaygroundClient",
    "PlaygroundError",
    "PlaygroundTimeout",
    "Press",
    "User",
]


def _matcher(predicate: Predicate) -> Callable[[ChatMessage], bool]:
    if predicate is None:
        return lambda m: True
    if isinstance(predicate, str):
        return lambda m: predicate in m.content
    if isinstance(predicate, re.Pattern):
        return lambda m: predicate.search(m.content) is not None
    return predicate


class PlaygroundClient:
    """Drive a playground: create users, act as them, and watch what the bot does."""

    def __init__(
        self,
        base_url: str,
        *,
        bot: str | None = None,
        http: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.bot = bot
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._cursors: dict[int, int] = {}

    async def aclose(self) -> None:
        """Close the HTTP client if this object made it."""
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> PlaygroundClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # --- plumbing --------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        long_poll: float | None = None,
    ) -> Any:
        if self.bot and json is not None:
            json = {"bot": self.bot, **json}
        query = {k: v for k, v in (params or {}).items() if v is not None}
        if self.bot:
            query.setdefault("bot", self.bot)
        # A long poll may take its whole duration: give the HTTP read that much more.
        extra = {"timeout": long_poll + 10} if long_poll else {}
        response = await self._http.request(
            method, f"{self.base_url}/_playground{path}", json=json, params=query, **extra
        )
        if response.status_code >= 400:
            try:
                message = response.json().get("error", response.text)
            except ValueError:
                message = response.text
            raise PlaygroundError(response.status_code, message)
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.content

    def _moved(self, chat_id: int, seq: int) -> None:
        self._cursors[chat_id] = max(self._cursors.get(chat_id, 0), seq)

    def _sent(self, chat_id: int, data: dict[str, Any]) -> ChatMessage:
        self._moved(chat_id, data["seq"])
        return ChatMessage.from_view(data["message"])

    # --- the world -------------------------------------------------------------------------

    async def reset(self) -> None:
        """Forget every user, chat, call, limit and bot setting (ids keep growing)."""
        await self._request("POST", "/reset", json={})
        self._cursors.clear()

    async def bots(self) -> list[dict[str, Any]]:
        """The bots this playground serves."""
        return await self._request("GET", "/bots")

    # --- users -----------------------------------------------------------------------------

    async def create_user(
        self,
        first_name: str = "Test",
        *,
        language_code: str | None = "en",
        username: str | None = None,
        last_name: str | None = None,
        user_id: int | None = None,
    ) -> User:
        """A new simulated user (a fresh id unless `user_id` is given)."""
        data = await self._request(
            "POST",
            "/users",
            json={
                "first_name": first_name,
                "language_code": language_code,
                "username": username,
                "last_name": last_name,
                "id": user_id,
            },
        )
        return User.from_json(data)

    async def update_user(self, user_id: int, **changes: Any) -> User:
        """Change first_name, last_name, username or language_code."""
        return User.from_json(await self._request("PATCH", f"/users/{user_id}", json=changes))

    async def set_language(self, user_id: int, language_code: str | None) -> User:
        """Switch the user's Telegram app language (what update.effective_user.language_code says)."""
        return await self.update_user(user_id, language_code=language_code)

    async def block(self, user_id: int) -> None:
        """The user blocks the bot: the bot's sends raise telegram.error.Forbidden."""
        data = await self._request("POST", f"/users/{user_id}/block", json={})
        self._moved(user_id, data["seq"])

    async def unblock(self, user_id: int) -> None:
        """The user unblocks the bot."""
        data = await self._request("POST", f"/users/{user_id}/unblock", json={})
        self._moved(user_id, data["seq"])

    async def create_group(
        self,
        title: str,
        member_ids: list[int],
        *,
        bots: list[str] | None = None,
        supergroup: bool = False,
    ) -> int:
        """A group with these users and the bot(s); returns its (negative) chat id."""
        data = await self._request(
            "POST",
            "/groups",
            json={"title": title, "member_ids": member_ids, "bots": bots, "supergroup": supergroup},
        )
        return data["id"]

    # --- what users do -----------------------------------------------------------------------

    async def start(self, user_id: int, payload: str | None = None) -> ChatMessage:
        """Open the bot, as t.me/<bot>?start=<payload> does: sends '/start' or '/start <payload>'."""
        data = await self._request("POST", f"/users/{user_id}/start", json={"payload": payload})
        return self._sent(user_id, data)

    async def send_text(
        self, user_id: int, text: str, *, chat_id: int | None = None, reply_to: int | None = None
    ) -> ChatMessage:
        """The user types and sends `text` (commands get bot_command entities like in Telegram).

        A text over 4096 characters arrives as several messages, as Telegram's apps send it;
        the first one is returned."""
        return await self._send(user_id, chat_id, {"text": text, "reply_to_message_id": reply_to})

    async def send_photo(
        self, user_id: int, data: bytes, *, caption: str | None = None, chat_id: int | None = None
    ) -> ChatMessage:
        """The user sends a photo (image bytes)."""
        encoded = base64.b64encode(data).decode()
        return await self._send(user_id, chat_id, {"photo": encoded, "caption": caption})

    async def send_sticker(
        self, user_id: int, emoji: str = "👍", *, chat_id: int | None = None
    ) -> ChatMessage:
        """The user sends a sticker."""
        return await self._send(user_id, chat_id, {"sticker": {"emoji": emoji}})

    async def send_location(
        self, user_id: int, latitude: float, longitude: float, *, chat_id: int | None = None
    ) -> ChatMessage:
        """The user shares a location."""
        location = {"latitude": latitude, "longitude": longitude}
        return await self._send(user_id, chat_id, {"location": location})

    async def send_contact(
        self, user_id: int, phone_number: str, *, chat_id: int | None = None
    ) -> ChatMessage:
        """The user shares their own contact (a request_contact keyboard button)."""
        return await self._send(user_id, chat_id, {"contact": {"phone_number": phone_number}})

    async def _send(
        self, user_id: int, chat_id: int | None, content: dict[str, Any]
    ) -> ChatMessage:
        body = {"chat_id": chat_id, **{k: v for k, v in content.items() if v is not None}}
        data = await self._request("POST", f"/users/{user_id}/messages", json=body)
        return self._sent(chat_id if chat_id is not None else user_id, data)

    async def edit_text(
        self, user_id: int, message_id: int, text: str, *, chat_id: int | None = None
    ) -> ChatMessage:
        """The user edits one of their messages (the bot gets edited_message)."""
        data = await self._request(
            "PATCH",
            f"/users/{user_id}/messages/{message_id}",
            json={"text": text, "chat_id": chat_id},
        )
        return self._sent(chat_id if chat_id is not None else user_id, data)

    async def press(
        self,
        user_id: int,
        message_id: int | None = None,
        data: str | None = None,
        *,
        text: str | None = None,
        chat_id: int | None = None,
    ) -> Press:
        """Press an inline button by callback `data` or by its `text`; without message_id, under
        the newest bot message that has such a button."""
        result = await self._request(
            "POST",
            f"/users/{user_id}/press",
            json={"message_id": message_id, "data": data, "text": text, "chat_id": chat_id},
        )
        self._moved(chat_id if chat_id is not None else user_id, result["seq"])
        return Press(result["callback_query_id"], result["url"], result["update_id"], result["seq"])

    async def callback_answer(self, callback_query_id: str, timeout: float = 5.0) -> CallbackAnswer:  # noqa: ASYNC109
        """How the bot answered a press, waiting up to `timeout` seconds for it to answer."""
        data = await self._request(
            "GET",
            f"/callback_queries/{callback_query_id}",
            params={"timeout": timeout},
            long_poll=timeout,
        )
        return CallbackAnswer(
            id=data["id"],
            answered=data["answered"],
            text=data.get("text"),
            show_alert=bool(data.get("show_alert")),
            url=data.get("url"),
        )

    # --- what users see ----------------------------------------------------------------------

    async def chat(self, chat_id: int, *, user_id: int | None = None) -> ChatState:
        """The chat now: history, reply keyboard, 'typing', command menu (user_id for groups)."""
        data = await self._request("GET", f"/chats/{chat_id}", params={"user_id": user_id})
        return ChatState.from_json(data)

    async def history(self, chat_id: int, *, user_id: int | None = None) -> list[ChatMessage]:
        """Every message in the chat, oldest first, in its current (edited) state."""
        return (await self.chat(chat_id, user_id=user_id)).messages

    async def events(
        self,
        chat_id: int | None = None,
        *,
        after: int = 0,
        timeout: float = 0.0,  # noqa: ASYNC109
    ) -> tuple[list[dict[str, Any]], int]:
        """Raw events after `after` (all chats when chat_id is None) and the last seq."""
        path = f"/chats/{chat_id}/events" if chat_id is not None else "/events"
        data = await self._request(
            "GET", path, params={"after": after, "timeout": timeout}, long_poll=timeout
        )
        return data["events"], data["last_seq"]

    def cursor(self, chat_id: int) -> int:
        """Where wait_for starts in this chat: just after the last action or the last match."""
        return self._cursors.get(chat_id, 0)

    async def mark(self, chat_id: int) -> int:
        """Move the chat's cursor to now: later waits see only what the bot does from here on."""
        _, last = await self.events(chat_id, after=10**18)
        self._cursors[chat_id] = last
        return last

    async def wait_for(
        self,
        chat_id: int,
        predicate: Predicate = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        count: int = 1,
        edits: bool = True,
    ) -> list[ChatMessage]:
        """The first `count` bot messages (new, or edited when `edits`) matching `predicate` since
        the chat's cursor; moves the cursor past the last one. Raises PlaygroundTimeout."""
        match = _matcher(predicate)
        kinds = ("message", "edit") if edits else ("message",)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        start = after = self.cursor(chat_id)
        found: list[tuple[int, ChatMessage]] = []
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise await self._timeout(chat_id, start, predicate, count, found)
            events, _ = await self.events(chat_id, after=after, timeout=remaining)
            for event in events:
                after = event["seq"]
                if event["type"] not in kinds or not event["message"]["from_bot"]:
                    continue
                message = ChatMessage.from_view(event["message"])
                if match(message):
                    found.append((event["seq"], message))
                    if len(found) >= count:
                        self._cursors[chat_id] = event["seq"]
                        return [m for _, m in found]

    async def next_message(
        self,
        chat_id: int,
        predicate: Predicate = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        edits: bool = True,
    ) -> ChatMessage:
        """The next bot message (or edit) matching `predicate`; see wait_for."""
        return (await self.wait_for(chat_id, predicate, timeout=timeout, edits=edits))[0]

    async def drain(
        self,
        chat_id: int,
        *,
        quiet: float = 0.3,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[ChatMessage]:
        """Every bot message and edit until the chat is quiet for `quiet` seconds (or `timeout`)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        after = self.cursor(chat_id)
        seen: list[ChatMessage] = []
        while True:
            wait = min(quiet, deadline - loop.time())
            if wait <= 0:
                break
            events, _ = await self.events(chat_id, after=after, timeout=wait)
            if not events:
                break
            for event in events:
                after = event["seq"]
                if event["type"] in ("message", "edit") and event["message"]["from_bot"]:
                    seen.append(ChatMessage.from_view(event["message"]))
        self._cursors[chat_id] = after
        return seen

    async def _timeout(
        self,
        chat_id: int,
        start: int,
        predicate: Predicate,
        count: int,
        found: list[tuple[int, ChatMessage]],
    ) -> PlaygroundTimeout:
        events, _ = await self.events(chat_id, after=start)
        said = [
            ("(edited) " if e["type"] == "edit" else "")
            + (e["message"]["text"] or e["message"]["caption"] or f"<{e['message']['kind']}>")[:200]
            for e in events
            if e["type"] in ("message", "edit") and e["message"]["from_bot"]
        ]
        failed = [f"{c.method}: {c.description}" for c in await self.calls(since=start) if not c.ok]
        wanted = (
            predicate if isinstance(predicate, str) else getattr(predicate, "pattern", predicate)
        )
        lines = [
            f"chat {chat_id}: waited for {count} bot message(s) matching {wanted!r}, got {len(found)}.",
            "The bot said:" if said else "The bot said nothing.",
            *(f"  - {line}" for line in said),
            "Failed Bot API calls:" if failed else "No Bot API call failed.",
            *(f"  - {line}" for line in failed),
        ]
        return PlaygroundTimeout("\n".join(lines))

    # --- Bot API calls and files ---------------------------------------------------------------

    async def calls(
        self, method: str | None = None, *, since: int = 0, include_polling: bool = False
    ) -> list[Call]:
        """Bot API calls after seq `since`, optionally of one method; getUpdates left out unless
        asked for (by name or include_polling)."""
        exclude = (
            None if include_polling or (method or "").lower() == "getupdates" else "getUpdates"
        )
        data = await self._request(
            "GET", "/calls", params={"method": method, "after": since, "exclude": exclude}
        )
        return [Call.from_json(c) for c in data["calls"]]

    async def last_seq(self) -> int:
        """The journal's current sequence number (a moment to compare calls and events with)."""
        _, last = await self.events(after=10**18)
        return last

    async def file_bytes(self, file: str) -> bytes:
        """A stored file's bytes, by file_id or by a message's photo_url."""
        file_id = file.rsplit("/", 1)[-1]
        return await self._request("GET", f"/files/{file_id}")

    async def updates(self) -> dict[str, Any]:
        """The bot's unconfirmed updates and webhook state."""
        return await self._request("GET", "/updates")

    # --- limits and faults ----------------------------------------------------------------------

    async def flood(
        self,
        limit: int,
        window: float = 1.0,
        *,
        chat_id: int | None = None,
        per_chat: bool = True,
        retry_after: int | None = None,
    ) -> None:
        """Allow at most `limit` sends/edits per `window` seconds; beyond, 429 with retry_after."""
        await self._request(
            "POST",
            "/flood",
            json={
                "limit": limit,
                "window": window,
                "chat_id": chat_id,
                "per_chat": per_chat,
                "retry_after": retry_after,
            },
        )

    async def clear_flood(self) -> None:
        """Lift every flood limit."""
        await self._request("DELETE", "/flood")

    async def fail_next(
        self,
        method: str,
        error_code: int | None = None,
        *,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        delay: float = 0.0,
        chat_id: int | None = None,
    ) -> None:
        """Make the next `times` calls of `method` ('*' for any) fail with `error_code` and/or
        wait `delay` seconds first (a slow Telegram)."""
        await self._request(
            "POST",
            "/faults",
            json={
                "method": method,
                "error_code": error_code,
                "description": description,
                "retry_after": retry_after,
                "times": times,
                "delay": delay,
                "chat_id": chat_id,
            },
        )

    async def clear_faults(self) -> None:
        """Drop every pending fault."""
        await self._request("DELETE", "/faults")
