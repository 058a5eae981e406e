"""Two bot processes in webhook mode on one PostgreSQL, updates alternating between them.

The playground's Bot API posts every update to a round-robin proxy (what a load balancer does),
which hands them to replica A and B in turn. Three users link their chats by POD and account
number, step by step and interleaved, so each user's consecutive steps reach different
replicas: every step must be answered, and the conversation must go on where the other
replica left it. Then both replicas run the alerts dispatcher at the same moment: each
subscriber gets the daily alert once.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from playground.client import ChatMessage, PlaygroundClient
from playground.client_models import User
from playground.server import RunningServer
from simulator.customers import Customer
from storage.db import create_engine, make_sessionmaker, transaction
from storage.repositories import chats, subscriptions
from tests.fixtures.database import TEST_DATABASE_URL
from tests.fixtures.simulator import fresh_customer
from tests.integration.bot_process import (
    SECRET_HEADER,
    BotProcess,
    bot_env,
    free_port,
    webhook_env,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)"),
]

POD_QUESTION = "First, your POD"
ACCOUNT_QUESTION = "Now your account number"
LINKED = "is now linked to your Digiwatt account"
WAIT = 30.0


class RoundRobin:
    """A load balancer in front of the replicas: update i goes to replica i % n."""

    def __init__(self, targets: list[str]) -> None:
        self.targets = targets
        self.turn = 0
        self.served: list[tuple[int, int]] = []  # (chat id, replica index) in arrival order

    async def forward(self, request: Request) -> Response:
        body = await request.body()
        index, self.turn = self.turn, (self.turn + 1) % len(self.targets)
        update = json.loads(body)
        message = update.get("message") or (update.get("callback_query") or {}).get("message")
        if message:
            self.served.append((message["chat"]["id"], index))
        headers = {"Content-Type": "application/json"}
        if SECRET_HEADER in request.headers:
            headers[SECRET_HEADER] = request.headers[SECRET_HEADER]
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.post(self.targets[index], content=body, headers=headers)
        return Response(status_code=answer.status_code)

    def replicas_of(self, chat_id: int) -> list[int]:
        return [index for chat, index in self.served if chat == chat_id]


@pytest.fixture
def ports() -> tuple[int, int]:
    return free_port(), free_port()


@pytest.fixture
def balancer(ports: tuple[int, int]) -> Iterator[tuple[RoundRobin, str]]:
    robin = RoundRobin([f"http://127.0.0.1:{port}/telegram" for port in ports])
    server = RunningServer(Starlette(routes=[Route("/telegram", robin.forward, methods=["POST"])]))
    server.start()
    try:
        yield robin, f"{server.url}/telegram"
    finally:
        server.stop()


async def step(pg: PlaygroundClient, user: User, text: str, expect: str) -> ChatMessage:
    await pg.send_text(user.id, text)
    return await pg.next_message(user.id, expect, timeout=WAIT)


async def subscribe_now(pg_url: str, chat_ids: list[int]) -> None:
    """Daily alert at this very minute (Rome time) for each chat."""
    engine = create_engine(pg_url)
    now = datetime.now(UTC).astimezone(ZoneInfo("Europe/Rome"))
    try:
        async with transaction(make_sessionmaker(engine)) as session:
            for chat_id in chat_ids:
                await chats.set_time_zone(session, chat_id, "Europe/Rome")
                subscription = await subscriptions.get_or_create(session, chat_id)
                subscription.enabled = True
                subscription.time_zone = "Europe/Rome"
                subscription.daily_time = now.strftime("%H:%M")
    finally:
        await engine.dispose()


def is_alert(message: ChatMessage) -> bool:
    return any(
        (button.callback_data or "").startswith("alr:") for row in message.buttons for button in row
    )


async def test_two_replicas_share_conversations_and_send_each_alert_once(
    playground: PlaygroundClient,
    botapi_url: str,
    simulator_url: str,
    pg_url: str,
    ports: tuple[int, int],
    balancer: tuple[RoundRobin, str],
    tmp_path: Path,
) -> None:
    robin, public_url = balancer
    report_path = tmp_path / "alerts.jsonl"
    replicas = []
    for name, port in zip("ab", ports, strict=True):
        env = bot_env(
            botapi_url,
            simulator_url,
            pg_url,
            MULTI_REPLICA="true",
            REPLICA_REPORT=report_path,
            **webhook_env(port, url=public_url),
        )
        replicas.append(
            BotProcess(
                env, tmp_path / f"replica-{name}.log", module="tests.integration.replica_main"
            )
        )
    try:
        for replica in replicas:
            replica.start()
        await asyncio.gather(*(r.wait_healthy(p) for r, p in zip(replicas, ports, strict=True)))
        hooks = await playground.calls("setWebhook")
        assert {call.params["url"] for call in hooks} == {public_url}

        customers: list[Customer] = [fresh_customer() for _ in range(3)]
        users = [await playground.create_user(name) for name in ("Anna", "Bruno", "Carla")]
        # Interleaved: with three users and two replicas, each user's steps alternate A, B, A.
        for user in users:
            await step(playground, user, "/link", POD_QUESTION)
        for user, customer in zip(users, customers, strict=True):
            await step(playground, user, customer.pod, ACCOUNT_QUESTION)
        for user, customer in zip(users, customers, strict=True):
            await step(playground, user, customer.account_number, LINKED)
        for user in users:
            assert len(set(robin.replicas_of(user.id)[:3])) == 2, robin.served

        # No reply lost: each of the nine steps got its answer, none went unanswered.
        for user in users:
            said = [m for m in await playground.history(user.id) if m.from_bot]
            assert sum(POD_QUESTION in m.content for m in said) == 1
            assert sum(ACCOUNT_QUESTION in m.content for m in said) == 1
            assert sum(LINKED in m.content for m in said) == 1

        # Each replica sees what the other changed: the link made on one shows the menu on the
        # other, an unlink on one is refused data on the other (no replica keeps a stale link).
        anna = users[0]
        for _ in range(2):  # /menu on both replicas
            menu = await step(playground, anna, "/menu", "")
            assert menu.buttons, menu.content
        await step(playground, anna, "/unlink", "Unlink this chat")
        await playground.press(anna.id, text="Unlink")
        await playground.next_message(anna.id, "no longer linked", timeout=WAIT)
        for _ in range(2):
            await step(playground, anna, "/menu", "not linked")
        await step(playground, anna, "/link", POD_QUESTION)
        await step(playground, anna, customers[0].pod, ACCOUNT_QUESTION)
        await step(playground, anna, customers[0].account_number, LINKED)
        assert len(set(robin.replicas_of(anna.id)[-6:])) == 2, robin.served

        # The settings panel: a replica shows it from what it read under the chat's lock, so a
        # change must show at once in the panel it re-renders, and on the other replica next.
        await step(playground, anna, "/settings", "Weekly recap: off")
        await playground.press(anna.id, text="Weekly recap")
        await playground.next_message(anna.id, "Every ", timeout=WAIT)
        await playground.press(anna.id, text="Send the recap")  # saved, back to the main page
        await playground.next_message(anna.id, "Weekly recap: every", timeout=WAIT)
        for _ in range(2):  # /settings on both replicas
            panel = await step(playground, anna, "/settings", "Settings")
            assert "Weekly recap: every" in panel.content, panel.content
        assert len(set(robin.replicas_of(anna.id)[-5:])) == 2, robin.served

        # Both replicas run the dispatcher at once: the claims let each alert go out once.
        await subscribe_now(pg_url, [user.id for user in users])
        for replica in replicas:
            replica.signal(signal.SIGUSR1)
        for _ in range(300):
            if report_path.exists() and len(report_path.read_text().splitlines()) == 2:
                break
            await asyncio.sleep(0.1)
        reports = [json.loads(line) for line in report_path.read_text().splitlines()]
        assert len(reports) == 2, reports
        for user in users:
            await playground.drain(user.id, quiet=1.0)
            alerts = [m for m in await playground.history(user.id) if m.from_bot and is_alert(m)]
            assert len(alerts) == 1, [m.content[:80] for m in alerts]
        assert sum(len(r["sent"]) for r in reports) <= len(users)

        for replica in replicas:
            assert await replica.stop() == 0
    finally:
        for replica in replicas:
            replica.kill()
    for replica in replicas:
        assert "Traceback" not in replica.logs(), replica.logs()[-4000:]
