"""The HTTP side of the Bot API: /bot<token>/<method> and /file/bot<token>/<path>."""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

# Importing the method modules fills the registry.
from playground.botapi import methods_bot, methods_edit, methods_send, methods_updates
from playground.botapi.errors import NOT_FOUND, UNAUTHORIZED, ApiError
from playground.botapi.limits import Limits
from playground.botapi.params import Params
from playground.botapi.registry import METHODS, Context
from playground.botapi.webhook import WebhookDelivery
from playground.world.state import World

_LOG = logging.getLogger(__name__)
_LOADED = (methods_bot, methods_edit, methods_send, methods_updates)


def _error(exc: ApiError) -> JSONResponse:
    return JSONResponse(exc.payload(), status_code=exc.error_code)


async def bot_api(request: Request) -> Response:
    """Run one Bot API method and answer as Telegram does."""
    world: World = request.app.state.world
    limits: Limits = request.app.state.limits
    webhooks: WebhookDelivery = request.app.state.webhooks
    bot = world.bot_by_token(request.path_params["token"])
    if bot is None:
        return _error(UNAUTHORIZED)
    name = request.path_params["method"]
    # Recorded under its documented name, however the bot spelled it ("sendmessage").
    name, handler = METHODS.get(name.lower(), (name, None))
    params: Params | None = None
    try:
        params = await Params.from_request(request)
        if handler is None:
            _LOG.warning("the playground does not implement Bot API method %s", name)
            raise NOT_FOUND
        chat_id = params.values.get("chat_id")
        await limits.check(bot.id, name, chat_id if isinstance(chat_id, int) else None)
        result: Any = await handler(Context(world, bot, limits, webhooks), params)
    except ApiError as exc:
        world.journal.add_call(
            bot.id,
            name,
            params.recorded() if params else {},
            error_code=exc.error_code,
            description=exc.description,
        )
        return _error(exc)
    except Exception:
        # A playground bug must not look like a Telegram answer: log it and say 500.
        _LOG.exception("the playground failed on %s", name)
        crash = ApiError(500, "Internal Server Error: the playground failed (see its log)")
        world.journal.add_call(
            bot.id,
            name,
            params.recorded() if params else {},
            error_code=crash.error_code,
            description=crash.description,
        )
        return _error(crash)
    world.journal.add_call(bot.id, name, params.recorded())
    return JSONResponse({"ok": True, "result": result})


async def download_file(request: Request) -> Response:
    """Serve a file's bytes the way api.telegram.org/file/bot<token>/<file_path> does."""
    world: World = request.app.state.world
    if world.bot_by_token(request.path_params["token"]) is None:
        return _error(UNAUTHORIZED)
    stored = world.files.by_path(request.path_params["file_path"])
    if stored is None:
        return _error(NOT_FOUND)
    return Response(stored.data, media_type=stored.mime_type)
