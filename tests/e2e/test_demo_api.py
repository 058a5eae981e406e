"""The demo page's own routes (/_demo/*): signed deep links and the alert job at a chosen time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from bot.links import verify_token
from playground.web import web_routes
from playground.web.demo_api import DemoAccount, DemoHooks

SECRET = SecretStr("demo-api-test-secret-that-is-long-enough-0123")
ZONE = "Europe/Rome"


class Clockwork:
    """Stands in for the bot's alert job: remembers the clocks it was run with."""

    def __init__(self) -> None:
        self.runs: list[datetime] = []

    async def __call__(self, now: datetime) -> object:
        self.runs.append(now)
        return {"due": 1, "sent": [[42, "daily"]]}


@pytest.fixture
def alerts() -> Clockwork:
    return Clockwork()


@pytest.fixture
async def client(alerts: Clockwork) -> AsyncIterator[httpx.AsyncClient]:
    hooks = DemoHooks(
        bot_username="digiwatt_demo_bot",
        link_secret=SECRET,
        timezone=ZONE,
        accounts=[DemoAccount("1234567890", "IT001E00123456", demo=True)],
        run_alerts=alerts,
    )
    app = Starlette(routes=web_routes(hooks))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://demo") as http:
        yield http


async def test_the_page_and_its_scripts_are_served(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200 and "Digiwatt playground" in page.text
    for asset in ("/web/chat.js", "/web/app.js", "/web/chat.css"):
        assert (await client.get(asset)).status_code == 200, asset


async def test_info_lists_the_demo_accounts(client: httpx.AsyncClient) -> None:
    info = (await client.get("/_demo/info")).json()
    assert info["accounts"] == [
        {"account_number": "1234567890", "pod": "IT001E00123456", "demo": True}
    ]
    assert info["bot_username"] == "digiwatt_demo_bot" and info["alerts"] is True


async def test_a_signed_link_verifies_with_the_demo_secret(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/_demo/link", json={"account_number": "1234567890", "pod": "it001e00123456"}
    )
    assert response.status_code == 200
    link = response.json()
    assert link["url"] == f"https://t.me/digiwatt_demo_bot?start={link['payload']}"
    claim = verify_token([SECRET], link["payload"])
    assert (claim.account_number, claim.pod) == ("1234567890", "IT001E00123456")


async def test_a_bad_account_gets_a_reason_not_a_crash(client: httpx.AsyncClient) -> None:
    response = await client.post("/_demo/link", json={"account_number": "no!"})
    assert response.status_code == 400
    assert "account number" in response.json()["error"]
    response = await client.post("/_demo/link", content=b"[1, 2]")
    assert response.status_code == 400


async def test_alerts_run_at_the_chosen_time_today(
    client: httpx.AsyncClient, alerts: Clockwork
) -> None:
    zone = ZoneInfo(ZONE)
    day_before = datetime.now(zone).date()
    response = await client.post("/_demo/alerts", json={"at": "07:30"})
    day_after = datetime.now(zone).date()
    assert response.status_code == 200
    assert response.json()["result"] == {"due": 1, "sent": [[42, "daily"]]}
    [ran] = alerts.runs
    assert ran.tzinfo is not None and ran.utcoffset() == ran.astimezone(zone).utcoffset()
    assert (ran.hour, ran.minute) == (7, 30) and ran.date() in {day_before, day_after}
    assert response.json()["ran_at"] == ran.isoformat()


async def test_alerts_now_and_a_bad_time(client: httpx.AsyncClient, alerts: Clockwork) -> None:
    assert (await client.post("/_demo/alerts", json={})).status_code == 200
    assert abs(alerts.runs[0] - datetime.now(ZoneInfo(ZONE))) < timedelta(minutes=1)
    response = await client.post("/_demo/alerts", json={"at": "25:00"})
    assert response.status_code == 400 and "07:30" in response.json()["error"]
    assert len(alerts.runs) == 1
