"""The web chat: a Telegram-like page over the control API, served by the playground's own app.

`create_app(config, routes=web_routes())` adds it: `/` is the page, `/web/*` its static files
(plain HTML, CSS and JS, no build step). `web_routes(hooks)` also adds the demo-only routes of
`playground.web.demo_api` (signed deep links, the alert job), which the page shows when present.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from playground.web.demo_api import DemoHooks, demo_routes

STATIC = Path(__file__).resolve().parent / "static"


async def index(request: Request) -> Response:
    """The web chat page."""
    # no-cache: after an upgrade the browser must not keep an old page with new scripts.
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def web_routes(hooks: DemoHooks | None = None) -> list[BaseRoute]:
    """The page, its assets and, with `hooks`, the demo tools' routes."""
    routes: list[BaseRoute] = [
        Route("/", index, methods=["GET"]),
        Mount("/web", app=StaticFiles(directory=STATIC), name="web"),
    ]
    if hooks is not None:
        routes += demo_routes(hooks)
    return routes


__all__ = ["DemoHooks", "web_routes"]
