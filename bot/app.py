"""Build the `Application` from `Settings`; running it is the CLI's job (bot/runner.py)."""

from __future__ import annotations

import logging

from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, Defaults, PersistenceInput

from bot.charts import ChartRenderer
from bot.context import CONTEXT_TYPES, BotContext, Resources
from bot.metrics import MeteredRateLimiter
from bot.processing import update_processor
from bot.settings import Settings
from bot.telegram_request import AiohttpRequest
from handlers import register
from storage.db import create_engine, make_sessionmaker
from storage.persistence import DatabasePersistence

log = logging.getLogger(__name__)

BotApplication = Application[object, BotContext, dict, dict, Resources, object]


def build_application(
    settings: Settings, *, renderer: ChartRenderer | None = None
) -> BotApplication:
    """A ready-to-run Application: handlers registered, resources opened in post_init.

    `renderer`: an already started chart renderer to use (and leave open) instead of starting
    one; lets several Applications in one process share the warmed workers.
    """
    # The engine connects lazily, so building it here costs nothing; persistence needs it
    # before post_init, when PTB loads conversation states.
    engine = create_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine)
    persistence = DatabasePersistence(
        sessionmaker,
        # bot_data holds live resources (clients, pools), never user state.
        store_data=PersistenceInput(bot_data=False, callback_data=False),
    )
    processor = update_processor(settings)  # per-chat order, metrics, replicas (bot/processing.py)
    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        # aiohttp instead of PTB's httpx: a quarter of the CPU per Bot API call (the module says why).
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(pool_size=1))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.timezone))
        .rate_limiter(
            MeteredRateLimiter(
                overall_max_rate=settings.telegram_global_rate,
                overall_time_period=1,
                max_retries=settings.telegram_max_retries,
            )
        )
        .context_types(CONTEXT_TYPES)
        .persistence(persistence)
        .concurrent_updates(processor)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    resources = application.bot_data
    resources.settings = settings
    resources.engine = engine
    resources.sessionmaker = sessionmaker
    if renderer is not None:
        resources.renderer = renderer
        resources.owns_renderer = False
    register(application)
    processor.bind(application)
    return application


async def _post_init(application: BotApplication) -> None:
    """Open what handlers share: the Digiwatt client and the chart renderer; publish commands."""
    from bot.alerts import schedule_alerts
    from bot.commands import publish_commands
    from bot.digiwatt.client import DigiwattClient, create_http_client

    resources = application.bot_data
    settings = resources.settings
    assert settings is not None
    resources.http = create_http_client(str(settings.digiwatt_api_url))
    resources.digiwatt = DigiwattClient(
        resources.http,
        client_id=settings.digiwatt_client_id,
        client_secret=settings.digiwatt_client_secret,
    )
    if resources.renderer is None:
        resources.renderer = ChartRenderer(workers=settings.chart_workers)
        await resources.renderer.start()
    resources.bot_username = application.bot.username
    await publish_commands(application.bot)
    schedule_alerts(application)  # the "alerts" job: every minute, from the next minute boundary
    log.info("bot @%s ready", resources.bot_username)


async def _post_shutdown(application: BotApplication) -> None:
    """Close everything _post_init opened, and the database."""
    from bot.alerts import stop_alerts

    resources = application.bot_data
    await stop_alerts(application)  # a run still sending gives its unsent claims back first
    if resources.renderer is not None and resources.owns_renderer:
        await resources.renderer.close()
    if resources.digiwatt is not None:
        await resources.digiwatt.aclose()  # cancels reads in flight before their transport goes
    if resources.http is not None:
        await resources.http.aclose()
    if resources.engine is not None:
        await resources.engine.dispose()
