"""`digiwatt-bot demo` as someone runs it: no .env, no token; the web chat answers; Ctrl-C ends it cleanly."""

from __future__ import annotations

import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

START_TIMEOUT = 180.0  # the first chart worker may build matplotlib's font cache


def _lines(stream: object, into: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)
    into.put("")  # end of output


def _wait_for(lines: queue.Queue[str], pattern: str, seen: list[str], timeout: float) -> re.Match:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line == "":
            break
        seen.append(line)
        found = re.search(pattern, line)
        if found:
            return found
    raise AssertionError(f"no line matching {pattern!r}; the demo said:\n{''.join(seen)}")


def test_demo_starts_without_configuration_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    # An empty folder (no .env) and no bot or Digiwatt settings in the environment.
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DIGIWATT_", "LINK_"))
    }
    env["PYTHONPATH"] = str(REPO)
    database = tmp_path / "kept.db"
    seen: list[str] = []
    lines: queue.Queue[str] = queue.Queue()
    with subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "bot", "demo", "--port", "0", "--db", str(database)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        reader = threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True)
        reader.start()
        try:
            url = _wait_for(lines, r"Web chat\s+(http://\S+)", seen, START_TIMEOUT)[1]
            _wait_for(lines, r"Ctrl-C", seen, 10)
            page = httpx.get(url, timeout=10)
            assert page.status_code == 200 and "Digiwatt playground" in page.text
            bot = httpx.get(f"{url}/_playground/calls", params={"method": "getMe"}, timeout=10)
            assert bot.json()["calls"], "the bot never called getMe on the playground"

            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=60) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            reader.join(10)
    while not lines.empty():
        seen.append(lines.get())
    output = "".join(seen)
    assert "Traceback" not in output, output
    assert "Stopped." in output
    # --db keeps the database, migrated.
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("select name from sqlite_master")}
    assert "alembic_version" in tables and len(tables) > 3
