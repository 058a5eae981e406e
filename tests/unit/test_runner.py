"""The event loop `digiwatt-bot run` serves on (bot/runner.py)."""

from __future__ import annotations

import asyncio

import uvloop

from bot.runner import run_until_complete


def test_the_service_runs_on_uvloop_and_closes_it() -> None:
    async def running_loop() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    loop = run_until_complete(running_loop())
    assert isinstance(loop, uvloop.Loop)
    assert loop.is_closed()
