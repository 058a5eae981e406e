# ruff: noqa: S602, S603 - the commands are the Dockerfile's own and our venv's programs
"""The Dockerfile's install, without Docker: its builder steps in a fresh venv, then the package runs.

No Docker engine runs here, so the test reads the Dockerfile itself (its COPY, ENV and RUN lines
of the builder stage, its runtime ENV, HEALTHCHECK and ENTRYPOINT) and performs them with the
paths moved into a temporary directory: what passes here is what the image would do.
The one liberty: pip may use this machine's cache (PIP_NO_CACHE_DIR is dropped), for speed.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from playground.client import PlaygroundClient
from tests.integration.bot_process import REPO, BotProcess, bot_env, free_port

pytestmark = pytest.mark.slow


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for key, args in self.instructions if key == keyword]


def parse_dockerfile(path: Path) -> dict[str, Stage]:
    """Stages by name, each with its instructions (continuation lines joined, comments dropped)."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = args.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else str(len(stages))
            current = stages[name] = Stage(name, parts[0])
        elif current is not None:
            current.instructions.append((keyword, args.strip()))
    return stages


def env_pairs(args: str) -> dict[str, str]:
    """ENV A=1 B=two ... (the form the Dockerfile uses)."""
    return dict(part.split("=", 1) for part in shlex.split(args))


@pytest.fixture(scope="module")
def dockerfile() -> dict[str, Stage]:
    return parse_dockerfile(REPO / "Dockerfile")


@pytest.fixture(scope="module")
def installed(dockerfile: dict[str, Stage], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The builder stage performed in a temporary root; returns the venv it made."""
    root = tmp_path_factory.mktemp("image")
    builder = dockerfile["builder"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p
    )
    workdir = root
    for keyword, args in builder.instructions:
        if keyword == "ENV":
            env.update(env_pairs(args))
            env.pop("PIP_NO_CACHE_DIR", None)  # the one liberty: use the machine's pip cache
        elif keyword == "WORKDIR":
            workdir = root / args.lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            *sources, target = args.split()
            for source in sources:
                src = REPO / source
                dest = (
                    (workdir / target) if not target.endswith("/") else workdir / target / src.name
                )
                if target in (".", "./"):
                    dest = workdir / src.name
                if src.is_dir():
                    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, dest)
        elif keyword == "RUN":
            command = args.replace("/opt/", f"{root}/opt/")
            # The image's `python` is CPython 3.11: this interpreter, outside any venv.
            command = command.replace("python -m venv", f"{sys.base_prefix}/bin/python3 -m venv")
            done = subprocess.run(
                command,
                shell=True,
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=1500,
                check=False,
            )
            assert done.returncode == 0, (
                f"RUN {args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        else:
            pytest.fail(f"the test does not know how to perform {keyword} in the builder stage")
    venv = root / "opt" / "venv"
    assert (venv / "bin" / "digiwatt-bot").exists()
    return venv


def runtime_env(dockerfile: dict[str, Stage], venv: Path, **overrides: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for args in dockerfile["runtime"].all("ENV"):
        env.update(env_pairs(args))
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"
    env.update(overrides)
    return env


def test_the_runtime_stage_is_slim_unprivileged_and_checks_its_health(
    dockerfile: dict[str, Stage],
) -> None:
    runtime = dockerfile["runtime"]
    assert runtime.base.startswith("python:3.11-slim")
    assert runtime.all("USER") and runtime.all("USER")[-1] not in ("root", "0")
    assert runtime.all("HEALTHCHECK") and "/healthz" in runtime.all("HEALTHCHECK")[0]
    assert json.loads(runtime.all("ENTRYPOINT")[0]) == ["digiwatt-bot"]
    assert json.loads(runtime.all("CMD")[0]) == ["run"]
    copies = runtime.all("COPY")
    assert copies == ["--from=builder /opt/venv /opt/venv"], "only the built venv goes to runtime"


def test_the_installed_package_has_no_dev_tools_and_migrates_a_database(
    installed: Path, dockerfile: dict[str, Stage], tmp_path: Path
) -> None:
    python = installed / "bin" / "python"
    for dev_tool in ("pytest", "ruff", "hypothesis"):
        probe = subprocess.run(
            [python, "-c", f"import {dev_tool}"], capture_output=True, check=False
        )
        assert probe.returncode != 0, f"{dev_tool} is installed in the runtime environment"
    cli = installed / "bin" / "digiwatt-bot"
    env = runtime_env(dockerfile, installed, DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    # Run outside the repository, so only the installed package can be imported.
    done = subprocess.run(
        [cli, "--help"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "run" in done.stdout
    done = subprocess.run(
        [cli, "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "is at revision" in done.stdout
    assert (tmp_path / "bot.db").exists()


async def test_the_installed_bot_runs_answers_and_passes_its_healthcheck(
    installed: Path,
    dockerfile: dict[str, Stage],
    playground: PlaygroundClient,
    botapi_url: str,
    simulator_url: str,
    tmp_path: Path,
) -> None:
    port = free_port()
    env = bot_env(botapi_url, simulator_url, f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    env = runtime_env(
        dockerfile, installed, **{**env, "METRICS_PORT": str(port), "WEBHOOK_LISTEN": "127.0.0.1"}
    )
    env.pop("PYTHONPATH", None)  # the installed package only
    env["PATH"] = f"{installed / 'bin'}{os.pathsep}{os.environ['PATH']}"
    entrypoint = json.loads(dockerfile["runtime"].all("ENTRYPOINT")[0])
    command = json.loads(dockerfile["runtime"].all("CMD")[0])
    bot = BotProcess(env, tmp_path / "bot.log")
    bot.command = [str(installed / "bin" / entrypoint[0]), *command]
    bot.start()
    try:
        await bot.wait_healthy(port)
        user = await playground.create_user("Anna")
        await playground.send_text(user.id, "/start")
        await playground.next_message(user.id, timeout=30)
        # The image's HEALTHCHECK command, as Docker would run it.
        check = json.loads(dockerfile["runtime"].all("HEALTHCHECK")[0].split("CMD", 1)[1])
        check[0] = str(installed / "bin" / check[0])
        done = await asyncio.to_thread(
            subprocess.run, check, env=env, capture_output=True, text=True, timeout=30, check=False
        )
        assert done.returncode == 0, done.stderr
        assert await bot.stop() == 0
    finally:
        bot.kill()
