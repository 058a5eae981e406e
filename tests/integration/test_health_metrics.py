"""/healthz and /metrics of the real Application, over HTTP, against the stand-ins."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import server as bot_server
from bot.app import build_application
from bot.known_chats import known_chats
from bot.server import create_web_app
from bot.service import serve
from bot.settings import Settings
from playground.client import PlaygroundClient
from playground.client_models import User
from simulator.customers import Customer
from storage.db import create_engine, transaction
from storage.repositories import chats, links, subscriptions
from tests.fixtures.app import BotHarness, make_settings
from tests.fixtures.simulator import SimulatorControl
from tests.integration.bot_process import free_port

WAIT = 20.0


def metric(text: str, name: str, **labels: str) -> float:
    """One sample of a /metrics page (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


@pytest.fixture
async def web(bot: BotHarness, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    """The bot's HTTP app (as served in either mode), every probe checked afresh."""
    monkeypatch.setattr(bot_server, "HEALTH_CACHE_S", 0.0)
    transport = httpx.ASGITransport(app=create_web_app(bot.application))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        yield client


async def linked(bot: BotHarness, customer: Customer) -> User:
    user = await bot.user("Anna")
    await bot.playground.start(user.id)
    await bot.playground.next_message(user.id, timeout=WAIT)
    sessionmaker = bot.application.bot_data.sessionmaker
    assert sessionmaker is not None
    async with transaction(sessionmaker) as session:
        await links.link(session, user.id, customer.account_number, customer.pod)
    # Linked behind the bot's back: drop what it cached, as its own linking does.
    known_chats(bot.application.bot_data).forget(user.id)
    return user


async def test_healthz_is_200_when_database_and_digiwatt_answer(web: httpx.AsyncClient) -> None:
    response = await web.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "digiwatt": "ok"}


async def test_healthz_is_503_and_names_digiwatt_when_it_fails(
    web: httpx.AsyncClient, simulator_control: SimulatorControl
) -> None:
    simulator_control.set_faults(error_rate=1.0)
    response = await web.get("/healthz")
    assert response.status_code == 503
    report = response.json()
    assert report["database"] == "ok"
    assert report["digiwatt"] != "ok"
    simulator_control.reset_faults()
    assert (await web.get("/healthz")).status_code == 200


async def test_healthz_is_503_and_names_the_database_when_it_is_gone(
    bot: BotHarness, web: httpx.AsyncClient, tmp_path
) -> None:
    resources = bot.application.bot_data
    working = resources.engine
    broken = create_engine(f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/bot.db")
    resources.engine = broken
    try:
        response = await web.get("/healthz")
    finally:
        resources.engine = working
        await broken.dispose()
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")
    assert response.json()["digiwatt"] == "ok"


async def settled_metrics(web: httpx.AsyncClient) -> str:
    """/metrics once every update counted so far has also finished (and recorded its time)."""
    for _ in range(100):
        text = (await web.get("/metrics")).text
        started = metric(text, "digiwatt_bot_updates_total", type="message")
        finished = metric(text, "digiwatt_bot_update_duration_seconds_count", type="message")
        if started == finished:
            return text
        await asyncio.sleep(0.05)
    raise AssertionError("an update never finished")


async def test_metrics_count_updates_latency_digiwatt_calls_and_cache_hits(
    bot: BotHarness, web: httpx.AsyncClient, simulator_user: Customer
) -> None:
    user = await linked(bot, simulator_user)
    before = await settled_metrics(web)
    for _ in range(2):  # the second answer comes from the client's cache
        await bot.playground.send_text(user.id, "how much did I use yesterday?")
        await bot.playground.next_message(user.id, lambda m: m.kind == "photo", timeout=WAIT)
    await bot.playground.drain(user.id, quiet=0.5)
    response = await web.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = await settled_metrics(web)

    def delta(name: str, **labels: str) -> float:
        return metric(after, name, **labels) - metric(before, name, **labels)

    assert delta("digiwatt_bot_updates_total", type="message") == 2
    assert delta("digiwatt_bot_update_duration_seconds_count", type="message") == 2
    assert delta("digiwatt_bot_update_duration_seconds_sum", type="message") > 0
    assert metric(after, "digiwatt_api_requests_total", endpoint="totals", status="200") >= 1
    assert metric(after, "digiwatt_api_cache_hits_total", endpoint="totals") >= 1
    # Every Bot API call went through the metered rate limiter.
    assert delta("digiwatt_bot_telegram_rate_limit_wait_seconds_count") >= 2
    assert "process_cpu_seconds_total" in after


async def test_alerts_sent_are_counted(
    bot: BotHarness, web: httpx.AsyncClient, simulator_user: Customer
) -> None:
    from bot.alerts import ALERTS_JOB, run_alerts

    assert bot.application.job_queue is not None
    for job in bot.application.job_queue.get_jobs_by_name(ALERTS_JOB):
        job.enabled = False  # only this test decides when alerts go
    user = await linked(bot, simulator_user)
    zone = ZoneInfo("Europe/Rome")
    now = datetime.now(UTC)
    sessionmaker = bot.application.bot_data.sessionmaker
    assert sessionmaker is not None
    async with transaction(sessionmaker) as session:
        await chats.set_time_zone(session, user.id, "Europe/Rome")
        subscription = await subscriptions.get_or_create(session, user.id)
        subscription.enabled = True
        subscription.time_zone = "Europe/Rome"
        subscription.daily_time = now.astimezone(zone).strftime("%H:%M")
    before = (await web.get("/metrics")).text
    report = await run_alerts(bot.application, now, since=now - timedelta(minutes=2))
    after = (await web.get("/metrics")).text
    assert len(report.sent) == 1, report
    sent = "digiwatt_bot_alerts_sent_total"
    assert metric(after, sent) - metric(before, sent) == 1


async def test_polling_mode_serves_health_and_metrics_on_metrics_port(
    botapi_url: str, simulator_url: str, db_url: str, playground: PlaygroundClient
) -> None:
    port = free_port()
    settings: Settings = make_settings(botapi_url, simulator_url, db_url, metrics_port=port)
    application = build_application(settings)
    stop = asyncio.Event()
    running = asyncio.create_task(serve(application, settings, stop=stop))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            for _ in range(300):
                try:
                    health = await http.get("/healthz")
                    break
                except httpx.ConnectError:
                    assert not running.done(), running
                    await asyncio.sleep(0.1)
            assert health.status_code == 200, health.text
            user = await playground.create_user("Anna")
            await playground.send_text(user.id, "/start")
            await playground.next_message(user.id, timeout=WAIT)
            page = (await http.get("/metrics")).text
            assert metric(page, "digiwatt_bot_updates_total", type="message") >= 1
            # No webhook route in polling mode.
            assert (await http.post("/telegram", json={})).status_code in (404, 405)
    finally:
        stop.set()
        await running
