"""The playground's ASGI app: the Bot API under /bot<token>/, files, and the control API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from playground.botapi.endpoint import bot_api, download_file
from playground.botapi.limits import Limits
from playground.botapi.webhook import WebhookDelivery
from playground.config import PlaygroundConfig
from playground.control.routes import routes as control_routes
from playground.world.state import World


def create_app(
    config: PlaygroundConfig | None = None, *, routes: Sequence[BaseRoute] = ()
) -> Starlette:
    """A fresh playground: its state lives in `app.state.world` for as long as the app does.

    `routes` are added after the Bot API and control routes (the web chat's pages and assets),
    so they share this app's lifespan, which closes the world and the webhook client.
    """
    config = config or PlaygroundConfig()
    world = World(config)
    webhooks = WebhookDelivery(world)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            world.close()
            await webhooks.aclose()

    app = Starlette(
        routes=[
            Route("/bot{token}/{method}", bot_api, methods=["GET", "POST"]),
            Route("/file/bot{token}/{file_path:path}", download_file, methods=["GET"]),
            *control_routes(),
            *routes,
        ],
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.world = world
    app.state.limits = Limits()
    app.state.webhooks = webhooks
    return app
