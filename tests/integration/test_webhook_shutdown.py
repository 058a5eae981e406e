"""SIGTERM while a handler is still sending: the answer arrives, state is flushed, exit code 0."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from pathlib import Path

import pytest

from playground.client import PlaygroundClient
from tests.fixtures.database import sqlite_url
from tests.integration.bot_process import BotProcess, bot_env, free_port, webhook_env

pytestmark = pytest.mark.slow

POD_QUESTION = "First, your POD"
SLOW_SEND_S = 3.0


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_sigterm_lets_the_slow_answer_arrive_and_keeps_the_conversation(
    mode: str, playground: PlaygroundClient, botapi_url: str, simulator_url: str, tmp_path: Path
) -> None:
    port = free_port()
    settings: dict[str, object] = webhook_env(port) if mode == "webhook" else {"METRICS_PORT": port}
    db = tmp_path / "bot.db"
    env = bot_env(botapi_url, simulator_url, sqlite_url(db), **settings)
    args = ("run", "--webhook") if mode == "webhook" else ("run",)
    bot = BotProcess(env, tmp_path / "bot.log", *args).start()
    try:
        await bot.wait_healthy(port)
        anna = await playground.create_user("Anna")
        await playground.send_text(anna.id, "/start")
        await playground.next_message(anna.id, timeout=20)

        # Telegram answers the next send slowly: the handler is mid-send when SIGTERM comes.
        await playground.fail_next("sendMessage", delay=SLOW_SEND_S, chat_id=anna.id)
        await playground.send_text(anna.id, "/link")
        await asyncio.sleep(1.0)
        bot.signal()
        question = await playground.next_message(anna.id, POD_QUESTION, timeout=20)
        assert question.text
        assert await bot.wait(30) == 0
    finally:
        bot.kill()
    logs = bot.logs()
    assert "Traceback" not in logs, logs[-3000:]
    # The conversation state written at shutdown: the next start resumes at the POD question.
    with contextlib.closing(sqlite3.connect(db)) as connection:
        rows = connection.execute("SELECT name, key, state FROM ptb_conversations").fetchall()
    assert [(name, json.loads(key)) for name, key, _ in rows] == [("linking", [anna.id, anna.id])]
