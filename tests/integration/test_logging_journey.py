"""A full journey with the bot process at DEBUG and LOG_FORMAT=json: its log lines are all JSON,
and none holds the bot token, a secret, a bearer token or a consumption figure."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from bot.digiwatt.models import ConsumptionTotals
from playground.client import PlaygroundClient
from simulator.customers import Customer
from tests.fixtures.app import LINK_SECRET
from tests.fixtures.botapi import BOT_TOKEN
from tests.fixtures.database import sqlite_url
from tests.fixtures.simulator import SIMULATOR_CLIENT_SECRET, simulator_token
from tests.integration.bot_process import BotProcess, bot_env, free_port

pytestmark = pytest.mark.slow

POD_QUESTION = "First, your POD"
ACCOUNT_QUESTION = "Now your account number"
LINKED = "is now linked to your Digiwatt account"
WAIT = 30.0
# "12.3 kWh", "1,234 Wh", "850 W": a figure with its unit, as captions show them.
FIGURE = re.compile(r"\d[\d.,]*\s?(?:kWh|Wh|kW|W)\b")


async def test_debug_logs_of_a_journey_are_json_and_keep_every_secret(
    playground: PlaygroundClient,
    botapi_url: str,
    simulator_url: str,
    simulator_customer: Customer,
    tmp_path: Path,
) -> None:
    port = free_port()
    env = bot_env(
        botapi_url,
        simulator_url,
        sqlite_url(tmp_path / "bot.db"),
        LOG_LEVEL="DEBUG",
        LOG_FORMAT="json",
        METRICS_PORT=port,
        WEBHOOK_LISTEN="127.0.0.1",
    )
    bot = BotProcess(env, tmp_path / "bot.log", "run").start()
    try:
        await bot.wait_healthy(port)
        anna = await playground.create_user("Anna")
        await playground.send_text(anna.id, "/start")
        await playground.next_message(anna.id, timeout=WAIT)
        await playground.send_text(anna.id, "/link")
        await playground.next_message(anna.id, POD_QUESTION, timeout=WAIT)
        await playground.send_text(anna.id, simulator_customer.pod)
        await playground.next_message(anna.id, ACCOUNT_QUESTION, timeout=WAIT)
        await playground.send_text(anna.id, simulator_customer.account_number)
        await playground.next_message(anna.id, LINKED, timeout=WAIT)
        await playground.send_text(anna.id, "how much did I use yesterday?")
        answer = await playground.next_message(anna.id, lambda m: m.kind == "photo", timeout=WAIT)
        await playground.drain(anna.id, quiet=0.5)
        assert await bot.stop() == 0
    finally:
        bot.kill()

    caption = answer.caption or ""
    figures = set(FIGURE.findall(caption))
    assert figures, f"the answer shows no figure: {caption!r}"
    async with httpx.AsyncClient(base_url=simulator_url, timeout=10) as http:
        token = simulator_token(simulator_url)
        response = await http.get(
            f"/users/{simulator_customer.account_number}/consumption/yesterday/totals",
            headers={"Authorization": f"Bearer {token}"},
        )
    totals = ConsumptionTotals.model_validate(response.json()["data"])
    raw = {repr(totals.total_wh), *(repr(a.energy_wh) for a in totals.appliances)}
    raw = {value for value in raw if len(value) >= 5}  # short numbers match timestamps by chance

    lines = [line for line in bot.logs().splitlines() if line.strip()]
    assert len(lines) > 20, "DEBUG should say a lot"
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON line: {line[:300]}")
    assert all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
    assert any(entry["level"] == "DEBUG" for entry in entries)

    text = "\n".join(lines)
    for secret in (BOT_TOKEN, BOT_TOKEN.split(":")[1], SIMULATOR_CLIENT_SECRET, LINK_SECRET):
        assert secret not in text, f"{secret!r} leaked"
    assert not re.search(r"(?i)bearer\s+(?!\[REDACTED\])\S", text)
    assert not re.search(r"(?i)access_token\W+(?!\[REDACTED\])[A-Za-z0-9_-]{8}", text)
    for figure in figures | raw:
        assert figure not in text, f"consumption figure {figure!r} logged"
    # Chat ids may be logged (that is how operators follow a conversation).
    assert "Traceback" not in text
