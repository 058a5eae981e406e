"""`digiwatt-bot demo`: the simulator, the playground with its web chat and the bot, in one process.

`DemoStack` is the wiring, reused by the browser tests: each part runs on a thread of its own
(uvicorn for the two HTTP servers, an asyncio loop for the bot), so the main thread only waits
for Ctrl-C and no server ever installs signal handlers that fight over SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import logging
import secrets
import signal
import socket
import tempfile
import threading
import warnings
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import SecretStr

from playground.app import create_app
from playground.config import PlaygroundConfig
from playground.server import RunningServer
from playground.web import web_routes
from playground.web.demo_api import DemoAccount, DemoHooks

if TYPE_CHECKING:
    from bot.app import BotApplication
    from bot.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

HOST = "127.0.0.1"
DEMO_TIMEZONE = "Europe/Rome"
DEMO_CLIENT_ID = "demo"
DEMO_CLIENT_SECRET = "demo-secret"  # noqa: S105 - the simulator's published demo credentials
DEMO_COMPANY_CODE = "DEMO"
# The chart pool warms matplotlib up once (font cache on a new machine): be patient at start-up.
BOT_START_TIMEOUT = 180.0


class DemoError(Exception):
    """The demo cannot start (a port in use, the bot failing at start-up); the message says why."""


@dataclass(frozen=True)
class DemoUser:
    """A simulated user the demo creates at start so the web chat is not empty."""

    first_name: str
    language_code: str


DEFAULT_USERS = (DemoUser("Giulia", "it"), DemoUser("Sam", "en"))


def pick_port(preferred: int, *, strict: bool = False, host: str = HOST) -> int:
    """`preferred` if it is free (0: any free port); else a free one, or DemoError when `strict`."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # As uvicorn binds: a port whose old connections linger in TIME_WAIT is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                if strict:
                    raise DemoError(
                        f"port {preferred} is in use: stop what uses it or pick another with --port"
                    ) from None
                continue
            return probe.getsockname()[1]
    raise DemoError("no free TCP port")  # pragma: no cover - the OS always has one for port 0


def demo_accounts() -> list[DemoAccount]:
    """The simulator's fixed customers: what the demo page offers for linking."""
    from simulator.customers import DEMO_ACCOUNT, FIXED_CUSTOMERS

    return [
        DemoAccount(account, pod, account == DEMO_ACCOUNT)
        for account, pod in FIXED_CUSTOMERS.items()
    ]


@contextlib.asynccontextmanager
async def serving(application: BotApplication, *, poll_timeout: float = 10) -> AsyncIterator[None]:
    """What run_polling does, minus signal handling: post_init and post_shutdown included."""
    from telegram import Update

    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
        )
        yield
    finally:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


class BotThread:
    """The bot (migrations, Application, long polling) on an event loop of its own thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.application: BotApplication | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # A thread event, not an asyncio one: stop() may come before the loop even exists.
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="demo-bot", daemon=True)

    def start(self, timeout: float = BOT_START_TIMEOUT) -> None:
        """Start the bot and return once it polls; DemoError if it fails or takes too long."""
        self._thread.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise DemoError(f"the bot did not start within {timeout:.0f} s")
        if self._error is not None:
            self._thread.join(10)
            raise DemoError(f"the bot failed to start: {self._error}") from self._error

    def _run(self) -> None:
        try:
            with asyncio.Runner() as runner:
                runner.run(self._main())
        except BaseException as error:  # reported to start(), or logged once running
            if not self._ready.is_set():
                self._error = error
            else:
                log.exception("the bot stopped with an error")
        finally:
            self._ready.set()

    async def _main(self) -> None:
        from bot.app import build_application
        from storage.migrate import upgrade

        await upgrade(self.settings.database_url)
        if self._stop.is_set():
            return
        self.application = build_application(self.settings)
        try:
            async with serving(self.application):
                self._loop = asyncio.get_running_loop()
                self._ready.set()
                await asyncio.to_thread(self._stop.wait)
        finally:
            self._stop.set()  # whatever ended the run, the waiting thread must not hold the loop

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run `coroutine` on the bot's loop (jobs and handlers must run there)."""
        if self._loop is None or self._loop.is_closed():
            coroutine.close()
            raise RuntimeError("the bot is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop polling, shut the Application down (post_shutdown included) and join the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)


class DemoStack:
    """Simulator, playground with the web chat, and the bot polling it: `start()` ... `stop()`.

    `port` is the web chat's (0: any free port); the simulator takes `simulator_port` if free,
    else any; `db_path` keeps the SQLite database (default: a temporary one, deleted at stop).
    """

    def __init__(
        self,
        *,
        port: int = 8080,
        simulator_port: int = 8081,
        db_path: str | Path | None = None,
        users: tuple[DemoUser, ...] = DEFAULT_USERS,
        playground_config: PlaygroundConfig | None = None,
    ) -> None:
        self.port = port
        self.simulator_port = simulator_port
        self.users = users
        self.playground_config = playground_config or PlaygroundConfig()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.db_path = Path(db_path) if db_path is not None else None
        self.simulator: RunningServer | None = None
        self.playground: RunningServer | None = None
        self.bot: BotThread | None = None
        self.settings: Settings | None = None

    # --- addresses -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The web chat (and Bot API server) root, e.g. http://127.0.0.1:8080."""
        assert self.playground is not None, "the demo is not running"
        return self.playground.url

    @property
    def simulator_url(self) -> str:
        """The simulator's root URL."""
        assert self.simulator is not None, "the demo is not running"
        return self.simulator.url

    @property
    def application(self) -> BotApplication:
        """The running bot's Application."""
        assert self.bot is not None and self.bot.application is not None, "the bot is not running"
        return self.bot.application

    @property
    def temporary_database(self) -> bool:
        """Whether the database goes away at stop (no `db_path` was given)."""
        return self._tmp is not None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> DemoStack:
        """Start the simulator, the playground, the bot; create the demo users. Stops all on failure."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        from simulator.app import create_app as create_simulator
        from simulator.config import SimulatorConfig

        web_port = pick_port(self.port, strict=self.port != 0)
        simulator_port = pick_port(self.simulator_port)
        simulator_config = SimulatorConfig(
            _env_file=None,  # type: ignore[call-arg]
            client_id=DEMO_CLIENT_ID,
            client_secret=SecretStr(DEMO_CLIENT_SECRET),
            timezone=DEMO_TIMEZONE,
        )
        self.simulator = RunningServer(create_simulator(simulator_config), HOST, simulator_port)
        self.simulator.start()

        identity = self.playground_config.bots[0]
        link_secret = SecretStr(secrets.token_urlsafe(32))
        hooks = DemoHooks(
            bot_username=identity.username,
            link_secret=link_secret,
            timezone=DEMO_TIMEZONE,
            accounts=demo_accounts(),
            run_alerts=self._run_alerts,
        )
        app = create_app(self.playground_config, routes=web_routes(hooks))
        self.playground = RunningServer(app, HOST, web_port)
        self.playground.start()

        self.settings = self._settings(link_secret)
        self.bot = BotThread(self.settings)
        self.bot.start()
        self._create_users()

    def _settings(self, link_secret: SecretStr) -> Settings:
        from bot.settings import Settings

        if self.db_path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="digiwatt-demo-")
            self.db_path = Path(self._tmp.name) / "demo.db"
        identity = self.playground_config.bots[0]
        return Settings(
            _env_file=None,  # type: ignore[call-arg]  # the demo needs no .env and ignores one
            telegram_bot_token=SecretStr(identity.token),
            telegram_api_url=self.url,  # type: ignore[arg-type]
            bot_username=identity.username,
            digiwatt_api_url=self.simulator_url,  # type: ignore[arg-type]
            digiwatt_client_id=DEMO_CLIENT_ID,
            digiwatt_client_secret=SecretStr(DEMO_CLIENT_SECRET),
            digiwatt_company_code=DEMO_COMPANY_CODE,
            database_url=f"sqlite+aiosqlite:///{self.db_path}",
            bot_timezone=DEMO_TIMEZONE,
            link_secret=link_secret,
            chart_workers=1,
        )

    def _create_users(self) -> None:
        assert self.playground is not None
        world = self.playground.app.state.world
        loop = self.playground._loop  # the world lives on the playground's loop
        assert loop is not None

        async def create() -> None:
            for user in self.users:
                world.create_user(user.first_name, language_code=user.language_code)

        asyncio.run_coroutine_threadsafe(create(), loop).result(10)

    async def _run_alerts(self, now: datetime) -> object:
        """The alert job, as if the clock said `now` (called from the playground's loop)."""
        try:
            from bot.alerts import run_alerts
        except ImportError as error:
            raise NotImplementedError("the alerts job is not in this build yet") from error
        assert self.bot is not None
        future = self.bot.submit(_run_alerts_at(self.application, now, run_alerts))
        return await asyncio.wrap_future(future)

    def stop(self) -> None:
        """Stop the bot, then the servers (the bot's last getUpdates still reaches the playground)."""
        if self.bot is not None:
            self.bot.stop()
            self.bot = None
        for server in (self.playground, self.simulator):
            if server is not None:
                server.stop()
        self.playground = self.simulator = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
            self.db_path = None

    def __enter__(self) -> DemoStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


async def _run_alerts_at(application: BotApplication, now: datetime, run_alerts: Any) -> object:
    """One run of the alert job over the minute that ends at `now` (on the bot's loop).

    A time in the past is the demo moving the clock: the job's own bookmark (where the
    every-minute run carries on) is put back afterwards, so the real job neither skips nor
    replays the hours in between.
    """
    from bot.alerts import alerts_state

    state = alerts_state(application)
    bookmark = state.checked_until
    report = await run_alerts(application, now, since=now - timedelta(minutes=1))
    if now < datetime.now(UTC) - timedelta(minutes=1):
        state.checked_until = bookmark
    return report


def how_to_try(stack: DemoStack) -> str:
    """What `digiwatt-bot demo` prints once everything is up."""
    accounts = demo_accounts()
    demo = next(a for a in accounts if a.demo)
    kept = "deleted when the demo stops" if stack.temporary_database else "kept"
    return f"""
Digiwatt playground is running.

  Web chat    {stack.url}
  Simulator   {stack.simulator_url}  (client {DEMO_CLIENT_ID} / {DEMO_CLIENT_SECRET})
  Database    {stack.db_path}  ({kept})

How to try it:
  1. Open {stack.url} and pick a user on the left (or create one), then press START.
  2. Link the demo account: /link, then POD {demo.pod} and account number {demo.account_number}.
     Or press "Signed link" at the top: it opens the chat with a signed deep link.
  3. Answer the household questions, then try /consumption, /now, /compare or just ask
     "how much did I use this week?".
  4. /settings switches the language and sets the daily green-hours alert;
     "Run alerts at" at the top runs the alert job as if it were that time.
  Open a second user side by side with the two-panes button next to a name.

Press Ctrl-C to stop.
"""


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(args: argparse.Namespace) -> int:
    """`digiwatt-bot demo [--port 8080] [--db PATH]`: run until Ctrl-C."""
    # Start-up chatter that says nothing to someone trying the bot.
    for chatty in ("alembic", "apscheduler"):  # migrations, and the alert job every minute
        logging.getLogger(chatty).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", "If 'per_message=False'", category=UserWarning)
    # Ctrl-C even when started in the background (which ignores SIGINT), and `kill`: one clean stop.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    stack = DemoStack(port=args.port, db_path=args.db)
    try:
        print("Starting the simulator, the playground and the bot...", flush=True)
        stack.start()
        print(how_to_try(stack), flush=True)
        threading.Event().wait()  # until Ctrl-C
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
    except DemoError as error:
        print(f"The demo cannot start: {error}", flush=True)
        return 2
    finally:
        stack.stop()
    print("Stopped.", flush=True)
    return 0
