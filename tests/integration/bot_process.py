"""Real bot processes for the production tests: `python -m bot run [--webhook]` configured by env.

`BotProcess` starts the bot as an operator would (environment variables, no .env), keeps its
stderr in a file, waits for /healthz, and stops it with SIGTERM like Docker does.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.fixtures.app import LINK_SECRET
from tests.fixtures.botapi import BOT_TOKEN
from tests.fixtures.simulator import SIMULATOR_CLIENT_ID, SIMULATOR_CLIENT_SECRET

REPO = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "webhook-secret_for-tests-0123456789"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# The first start warms the chart pool (matplotlib in a worker process): allow for a slow CI.
START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bot_env(botapi_url: str, simulator_url: str, db_url: str, **settings: object) -> dict[str, str]:
    """The environment of a bot process aimed at the stand-ins; `settings` are NAME=value."""
    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing of the machine's own bot configuration leaks in.
        if not key.startswith(("TELEGRAM_", "DIGIWATT_", "WEBHOOK_", "LINK_SECRET", "LOG_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=BOT_TOKEN,
        TELEGRAM_API_URL=botapi_url,
        DIGIWATT_API_URL=simulator_url,
        DIGIWATT_CLIENT_ID=SIMULATOR_CLIENT_ID,
        DIGIWATT_CLIENT_SECRET=SIMULATOR_CLIENT_SECRET,
        DIGIWATT_COMPANY_CODE="DEMO",
        DATABASE_URL=db_url,
        LINK_SECRET=LINK_SECRET,
        CHART_WORKERS="1",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(REPO),  # the replica test runs a module of tests/
    )
    env.update({name.upper(): str(value) for name, value in settings.items()})
    return env


def webhook_env(port: int, url: str | None = None) -> dict[str, object]:
    """Settings of webhook mode on `port` (Telegram posting to `url`, by default straight to us)."""
    return {
        "WEBHOOK_URL": url or f"http://127.0.0.1:{port}/telegram",
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": port,
        "WEBHOOK_PATH": "/telegram",
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
    }


class BotProcess:
    """One bot process; `logs()` is everything it wrote to stderr (and stdout)."""

    def __init__(
        self,
        env: dict[str, str],
        log_path: Path,
        *args: str,
        module: str = "bot",
    ) -> None:
        self.env = env
        self.log_path = log_path
        self.command = [sys.executable, "-m", module, *args]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> BotProcess:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            self.command,
            env=self.env,
            cwd=self.log_path.parent,
            stdout=log,
            stderr=log,
            # Its own process group, as a container is: kill() ends its chart workers too.
            start_new_session=True,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def wait_healthy(self, port: int, timeout: float = START_TIMEOUT) -> None:  # noqa: ASYNC109
        """Until GET /healthz on `port` answers 200; fails with the logs if the process died."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=5) as http:
            while True:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise AssertionError(
                        f"the bot exited with {self.process.returncode}:\n{self.logs()}"
                    )
                try:
                    response = await http.get(f"http://127.0.0.1:{port}/healthz")
                    if response.status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"the bot did not become healthy:\n{self.logs()[-5000:]}")
                await asyncio.sleep(0.2)

    def signal(self, sig: int = signal.SIGTERM) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    async def wait(self, timeout: float = 60) -> int:  # noqa: ASYNC109
        """The exit code, waiting without blocking the event loop."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the bot did not exit in {timeout:.0f} s:\n{self.logs()[-5000:]}"
                )
            await asyncio.sleep(0.05)
        return self.process.returncode

    async def stop(self, timeout: float = 60) -> int:  # noqa: ASYNC109
        """SIGTERM, as `docker stop` sends, then the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.signal(signal.SIGTERM)
        return await self.wait(timeout)

    def kill(self) -> None:
        """SIGKILL to the bot and whatever it started, as `docker kill` ends a container."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")
