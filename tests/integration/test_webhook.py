"""`digiwatt-bot run --webhook`: a real bot process, the playground's Bot API posting updates to it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from playground.client import PlaygroundClient
from tests.fixtures.database import sqlite_url
from tests.integration.bot_process import (
    WEBHOOK_SECRET,
    BotProcess,
    bot_env,
    free_port,
    webhook_env,
)

pytestmark = pytest.mark.slow

WELCOME = "I am the Digiwatt assistant"


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the /metrics page (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def forged_update(update_id: int, user_id: int, text: str) -> dict:
    """An update as Telegram would send it, for a chat the playground knows."""
    user = {"id": user_id, "is_bot": False, "first_name": "Mallory", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 999_000 + update_id,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Mallory"},
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def test_webhook_mode_registers_its_secret_answers_and_refuses_strangers(
    playground: PlaygroundClient, botapi_url: str, simulator_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = bot_env(botapi_url, simulator_url, sqlite_url(tmp_path / "bot.db"), **webhook_env(port))
    bot = BotProcess(env, tmp_path / "bot.log", "run", "--webhook").start()
    try:
        await bot.wait_healthy(port)
        hooks = await playground.calls("setWebhook")
        assert hooks, "the bot never called setWebhook"
        assert hooks[-1].params["url"] == f"http://127.0.0.1:{port}/telegram"
        assert hooks[-1].params["secret_token"] == WEBHOOK_SECRET

        anna = await playground.create_user("Anna")
        await playground.send_text(anna.id, "/start")
        await playground.next_message(anna.id, WELCOME, timeout=20)

        url = f"http://127.0.0.1:{port}/telegram"
        async with httpx.AsyncClient(timeout=10) as http:
            before = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
            mallory = await playground.create_user("Mallory")
            seq = await playground.last_seq()
            update = forged_update(10_001, mallory.id, "/start")
            no_secret = await http.post(url, json=update)
            wrong = await http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
            )
            right = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
            huge = await http.post(
                url, content=b'{"update_id": 1, "x": "' + b"a" * 300_000 + b'"}', headers=right
            )
            garbage = await http.post(url, content=b"[1, 2", headers=right)
            not_an_object = await http.post(url, content=b"[1, 2]", headers=right)
            read = await http.get(url, headers=right)
            elsewhere = await http.post(f"{url}/other", json=update, headers=right)
            after = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
        assert (no_secret.status_code, wrong.status_code) == (403, 403)
        assert huge.status_code == 413
        assert (garbage.status_code, not_an_object.status_code) == (400, 400)
        assert (read.status_code, read.headers["allow"]) == (405, "POST")
        assert elsewhere.status_code == 404

        rejected = "digiwatt_bot_webhook_rejected_total"
        assert (
            metric(after, rejected, reason="secret") - metric(before, rejected, reason="secret")
            == 2
        )
        assert (
            metric(after, rejected, reason="too_large")
            - metric(before, rejected, reason="too_large")
            == 1
        )
        assert (
            metric(after, rejected, reason="malformed")
            - metric(before, rejected, reason="malformed")
            == 2
        )
        # Nothing reached the handlers: Mallory's chat got no answer.
        await playground.mark(mallory.id)
        assert not [
            c for c in await playground.calls(since=seq) if c.params.get("chat_id") == mallory.id
        ]
        assert not await playground.drain(mallory.id, quiet=0.5)

        # The genuine user still gets answers after the noise.
        await playground.send_text(anna.id, "/start")
        await playground.next_message(anna.id, WELCOME, timeout=20)
        assert await bot.stop() == 0
    finally:
        bot.kill()
    assert "Traceback" not in bot.logs(), bot.logs()[-3000:]


@pytest.mark.parametrize(
    ("missing", "present"),
    [
        ("WEBHOOK_SECRET", {"WEBHOOK_URL": "https://bot.example.com/telegram"}),
        ("WEBHOOK_URL", {"WEBHOOK_SECRET": WEBHOOK_SECRET}),
    ],
)
def test_webhook_mode_without_its_settings_stops_with_one_clear_line(
    tmp_path: Path, missing: str, present: dict[str, str]
) -> None:
    env = bot_env(
        "http://127.0.0.1:9", "http://127.0.0.1:9", sqlite_url(tmp_path / "bot.db"), **present
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--webhook"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert f"{missing} is not set" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "bot.db").exists(), "nothing should start before the check"


def test_an_insecure_public_webhook_url_is_refused(tmp_path: Path) -> None:
    env = bot_env(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        sqlite_url(tmp_path / "bot.db"),
        WEBHOOK_URL="http://bot.example.com/telegram",
        WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--webhook"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "WEBHOOK_URL is invalid" in done.stderr and "https" in done.stderr
