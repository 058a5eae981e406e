"""Control API routes under /_playground: simulated users act, tests and the web chat observe.

JSON in, JSON out; errors are {"error": "..."} with 400/403/404/409. `bot` (a username, in the
body or the query string) picks the bot; it defaults to the first configured bot. Private chats
have the user's id as chat id; groups have negative ids.

    GET    /health                           {"ok", "bots"}
    GET    /bots                             [{id, username, first_name, description, ...}]
    POST   /reset                            forget everything but the ids (which keep growing)
    POST   /users                            {first_name, language_code?, username?, last_name?, id?} -> user (201)
    GET    /users | /users/{id}              users
    PATCH  /users/{id}                       {language_code?, first_name?, ...} -> user
    POST   /users/{id}/block | /unblock      the bot gets my_chat_member; sends fail with 403
    POST   /users/{id}/start                 {payload?} -> "/start payload" (201)
    POST   /users/{id}/messages              {text | photo (base64) + caption? | sticker | location | contact,
                                              chat_id?, reply_to_message_id?} -> {message, update_id, seq} (201);
                                              a text over 4096 characters goes as several messages, like
                                              Telegram's apps send it (+ "messages", "update_ids")
    PATCH  /users/{id}/messages/{mid}        {text, chat_id?} -> edited_message
    POST   /users/{id}/press                 {message_id?, data? | text?, chat_id?} -> {callback_query_id, url, update_id, seq}
    POST   /groups                           {title, member_ids, bots?, supergroup?} -> chat (201)
    GET    /chats/{id}?user_id=              {chat, bot, started, messages, reply_keyboard, force_reply, action,
                                              commands, menu_button, blocked, last_seq}
    GET    /chats/{id}/events?after&timeout  {events, last_seq}; long-polls up to `timeout` seconds
    GET    /events?after&timeout             the same for every chat
    GET    /callback_queries/{id}?timeout    {id, answered, text, show_alert, url}
    GET    /calls?method=a,b&exclude&after   {calls: [{seq, bot, method, params, ok, error_code, description}], last_seq}
    GET    /updates                          {pending, webhook}
    GET    /files/{file_id}                  the bytes (photo_url in message views points here)
    POST   /flood  {limit, window, chat_id?, per_chat?, retry_after?}   DELETE /flood
    POST   /faults {method, error_code?, description?, retry_after?, times?, delay?, chat_id?}   DELETE /faults

Event types: message, edit, delete, action, press, callback_answer, blocked, unblocked, commands
(the bot's commands, menu button or texts changed; chat_id null) and webhook (a delivery attempt).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from playground.control import actions, faults, observe
from playground.world.state import WorldError

PREFIX = "/_playground"

Handler = Callable[[Request], Awaitable[Any]]


def _handle(func: Handler, status: int = 200) -> Callable[[Request], Awaitable[Response]]:
    """Turn a handler's return value into JSON and a WorldError into {"error": ...}."""

    async def endpoint(request: Request) -> Response:
        try:
            result = await func(request)
        except WorldError as exc:
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        if isinstance(result, Response):
            return result
        return JSONResponse(result, status_code=status)

    endpoint.__name__ = func.__name__
    endpoint.__doc__ = func.__doc__
    return endpoint


def routes() -> list[Route]:
    """Every control route, under PREFIX."""
    table: list[tuple[str, Handler, list[str], int]] = [
        ("/health", actions.health, ["GET"], 200),
        ("/bots", actions.list_bots, ["GET"], 200),
        ("/reset", actions.reset, ["POST"], 200),
        ("/users", actions.create_user, ["POST"], 201),
        ("/users", actions.list_users, ["GET"], 200),
        ("/users/{user_id}", actions.get_user, ["GET"], 200),
        ("/users/{user_id}", actions.update_user, ["PATCH"], 200),
        ("/users/{user_id}/block", actions.block, ["POST"], 200),
        ("/users/{user_id}/unblock", actions.unblock, ["POST"], 200),
        ("/users/{user_id}/start", actions.start, ["POST"], 201),
        ("/users/{user_id}/messages", actions.send, ["POST"], 201),
        ("/users/{user_id}/messages/{message_id}", actions.edit, ["PATCH"], 200),
        ("/users/{user_id}/press", actions.press, ["POST"], 200),
        ("/groups", actions.create_group, ["POST"], 201),
        ("/chats/{chat_id}", observe.get_chat, ["GET"], 200),
        ("/chats/{chat_id}/events", observe.chat_events, ["GET"], 200),
        ("/events", observe.all_events, ["GET"], 200),
        ("/callback_queries/{query_id}", observe.callback_query, ["GET"], 200),
        ("/calls", observe.calls, ["GET"], 200),
        ("/updates", observe.updates, ["GET"], 200),
        ("/files/{file_id}", observe.get_file, ["GET"], 200),
        ("/flood", faults.add_flood, ["POST"], 200),
        ("/flood", faults.clear_flood, ["DELETE"], 200),
        ("/faults", faults.add_fault, ["POST"], 200),
        ("/faults", faults.clear_faults, ["DELETE"], 200),
    ]
    return [
        Route(PREFIX + path, _handle(func, status), methods=methods)
        for path, func, methods, status in table
    ]
