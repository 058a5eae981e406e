"""Webhook delivery: updates POSTed in order with Telegram's secret-token header, failures retried."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from playground.client import PlaygroundClient
from playground.server import RunningServer
from tests.fixtures.botapi import BOT_TOKEN


class Receiver:
    """A tiny webhook endpoint that records what it gets and can be told to fail."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.failing = False
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        if self.failing:
            return Response(status_code=500)
        self.received.append((dict(request.headers), await request.json()))
        return Response(status_code=200)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver()
    with RunningServer(receiver.app) as server:
        yield receiver, f"{server.url}/hook"


async def call(http: httpx.AsyncClient, root: str, method: str, **params: Any) -> Any:
    body = (await http.post(f"{root}/bot{BOT_TOKEN}/{method}", json=params)).json()
    assert body["ok"], body
    return body["result"]


async def wait_until(condition: Any, seconds: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_updates_are_posted_with_the_secret_token(
    botapi_url: str, playground: PlaygroundClient, receiver: tuple[Receiver, str]
) -> None:
    hook, hook_url = receiver
    user = await playground.create_user("Zoe")
    async with httpx.AsyncClient() as http:
        assert await call(http, botapi_url, "setWebhook", url=hook_url, secret_token="sec-ret_1")
        await playground.start(user.id, "tok")
        await playground.send_text(user.id, "second")
        await wait_until(lambda: len(hook.received) == 2)
        info = await call(http, botapi_url, "getWebhookInfo")
        await call(http, botapi_url, "deleteWebhook")
    headers, first = hook.received[0]
    assert headers["x-telegram-bot-api-secret-token"] == "sec-ret_1"
    assert headers["content-type"] == "application/json"
    assert first["message"]["text"] == "/start tok"
    assert hook.received[1][1]["message"]["text"] == "second"
    assert hook.received[1][1]["update_id"] == first["update_id"] + 1
    assert info == {
        "url": hook_url,
        "has_custom_certificate": False,
        "pending_update_count": 0,
        "max_connections": 40,
    }


async def test_failed_deliveries_are_reported_and_retried(
    botapi_url: str, playground: PlaygroundClient, receiver: tuple[Receiver, str]
) -> None:
    hook, hook_url = receiver
    hook.failing = True
    user = await playground.create_user("Yuri")
    async with httpx.AsyncClient() as http:
        assert await call(http, botapi_url, "setWebhook", url=hook_url)
        await playground.start(user.id)
        for _ in range(250):
            info = await call(http, botapi_url, "getWebhookInfo")
            if "last_error_message" in info:
                break
            await asyncio.sleep(0.02)
        assert (
            info["last_error_message"]
            == "Wrong response from the webhook: 500 Internal Server Error"
        )
        assert info["pending_update_count"] == 1
        hook.failing = False
        await wait_until(lambda: len(hook.received) == 1)
        assert "x-telegram-bot-api-secret-token" not in hook.received[0][0]
        await call(http, botapi_url, "deleteWebhook")


async def test_webhook_urls_are_checked(botapi_url: str, playground: PlaygroundClient) -> None:
    async with httpx.AsyncClient() as http:
        bad = (
            await http.post(f"{botapi_url}/bot{BOT_TOKEN}/setWebhook", json={"url": "ftp://x"})
        ).json()
        secret = (
            await http.post(
                f"{botapi_url}/bot{BOT_TOKEN}/setWebhook",
                json={"url": "http://127.0.0.1:9/h", "secret_token": "no spaces"},
            )
        ).json()
    assert (
        bad["description"] == "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    )
    assert (
        secret["description"]
        == "Bad Request: bad webhook: secret token contains unallowed characters"
    )
