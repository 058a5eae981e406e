"""Serve a playground with uvicorn, in a background thread (tests, the demo) or in the current loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from types import TracebackType

import uvicorn
from starlette.applications import Starlette

from playground.app import create_app
from playground.config import PlaygroundConfig


def _config(app: Starlette, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,  # request lines would carry bot tokens
        lifespan="on",
        ws="none",
        # Long polls are woken before shutdown; this only bounds a stuck request.
        timeout_graceful_shutdown=3,
    )


class RunningServer:
    """A playground served by uvicorn on a background thread; `url` is its root."""

    def __init__(self, app: Starlette, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server = uvicorn.Server(_config(app, host, port))
        self._host = host
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        """The root URL, e.g. http://127.0.0.1:8081 (the Bot API is at {url}/bot<token>/)."""
        if self.port is None:
            raise RuntimeError("the server is not running")
        return f"http://{self._host}:{self.port}"

    def start(self, timeout: float = 10.0) -> RunningServer:
        """Start serving and return once the port is bound."""
        self._thread = threading.Thread(target=self._run, name="playground-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the playground server failed to start")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError("the playground server did not start in time")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def _run(self) -> None:
        with asyncio.Runner() as runner:
            self._loop = runner.get_loop()
            runner.run(self._server.serve())

    def stop(self, timeout: float = 10.0) -> None:
        """Wake long polls, stop uvicorn and wait for the thread."""
        if self._thread is None:
            return
        loop = self._loop
        world = getattr(self.app.state, "world", None)  # any Starlette app can be served
        if loop is not None and world is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop may have stopped already
                loop.call_soon_threadsafe(world.close)
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError("the playground server did not stop in time")
        self._thread = None

    def __enter__(self) -> RunningServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def run_in_thread(
    config: PlaygroundConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> RunningServer:
    """Start a new playground on a background thread (port 0 picks a free port)."""
    return RunningServer(create_app(config), host, port).start()


async def serve(app: Starlette, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve in the running event loop until cancelled, then shut down cleanly (lifespan included)."""
    server = uvicorn.Server(_config(app, host, port))
    task = asyncio.ensure_future(server.serve())
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        world = getattr(app.state, "world", None)
        if world is not None:
            world.close()  # long polls return now instead of at their timeout
        server.should_exit = True
        await task
        raise
