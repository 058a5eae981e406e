"""`digiwatt-bot simulator --port N --state FILE`: what a newcomer runs, over real HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from simulator.customers import DEMO_ACCOUNT, DEMO_POD

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _simulator(port: int, state: Path, workdir: Path) -> Iterator[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DIGIWATT_CLIENT_ID": "cli-client",
        "DIGIWATT_CLIENT_SECRET": "cli-secret",
        "BOT_TIMEZONE": "Europe/Rome",
    }
    command = [sys.executable, "-m", "bot", "--log-level", "WARNING", "simulator"]
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [*command, "--port", str(port), "--state", str(state)],
        cwd=workdir,  # no .env there: the environment above is all it reads
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            try:
                if httpx.get(f"{url}/openapi.yaml", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the simulator did not start within 30 s"
            time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def _token(url: str) -> dict[str, str]:
    response = httpx.post(
        f"{url}/auth/token",
        data={
            "client_id": "cli-client",
            "client_secret": "cli-secret",
            "grant_type": "client_credentials",
        },
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_the_command_serves_the_api_and_keeps_users_in_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / "simulator-state.json"
    port = _free_port()
    with _simulator(port, state, tmp_path) as url:
        refused = httpx.post(
            f"{url}/auth/token", data={"client_id": "demo", "client_secret": "demo-secret"}
        )
        assert refused.status_code == 401  # the credentials come from the environment
        headers = _token(url)
        body = {"pod": DEMO_POD, "account_number": DEMO_ACCOUNT, "company_code": "DEMO"}
        assert httpx.post(f"{url}/users", json=body, headers=headers).status_code == 200
        totals = httpx.get(
            f"{url}/users/{DEMO_ACCOUNT}/consumption/last-week/totals", headers=headers
        )
        assert totals.status_code == 200
    assert DEMO_ACCOUNT in state.read_text()

    with _simulator(port, state, tmp_path) as url:
        headers = _token(url)
        again = httpx.post(f"{url}/users", json=body, headers=headers)
        assert again.status_code == 409  # remembered across runs
        same = httpx.get(
            f"{url}/users/{DEMO_ACCOUNT}/consumption/last-week/totals", headers=headers
        )
        assert same.json()["data"]["total_wh"] == totals.json()["data"]["total_wh"]
