"""The simulator app in-process: configuration, token lifetime, persistence, customers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from simulator.app import create_app
from simulator.config import SimulatorConfig
from simulator.customers import DEMO_ACCOUNT, DEMO_POD, FIXED_CUSTOMERS, family_account, pod_of
from tests.fixtures.simulator import simulator_config


class Clock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2024, 10, 27, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def _client(config: SimulatorConfig, state: Path | None = None) -> httpx.AsyncClient:
    app = create_app(config, state_path=state)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://simulator")


@pytest.fixture
async def client(clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(simulator_config(clock=clock, token_lifetime=60)) as http:
        yield http


async def _token(http: httpx.AsyncClient, cid: str = "demo", secret: str = "demo-secret") -> str:  # noqa: S107
    response = await http.post("/auth/token", data={"client_id": cid, "client_secret": secret})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def test_config_reads_the_bot_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGIWATT_CLIENT_ID", "acme")
    monkeypatch.setenv("DIGIWATT_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("BOT_TIMEZONE", "Europe/London")
    monkeypatch.setenv("SIMULATOR_BURST_429", "3")
    config = SimulatorConfig(_env_file=None)  # type: ignore[call-arg]
    assert (config.client_id, config.client_secret.get_secret_value()) == ("acme", "s3cret")
    assert config.timezone == "Europe/London"
    assert config.burst_429 == 3
    assert "s3cret" not in repr(config)


def test_config_defaults_are_the_documented_demo_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("DIGIWATT_CLIENT_ID", "DIGIWATT_CLIENT_SECRET", "BOT_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    config = SimulatorConfig(_env_file=None)  # type: ignore[call-arg]
    assert config.client_id == "demo"
    assert config.client_secret == SecretStr("demo-secret")
    assert config.timezone == "Europe/Rome"


def test_config_refuses_an_unknown_time_zone() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        simulator_config(timezone="Europe/Atlantis")


def test_customer_registry() -> None:
    assert pod_of(DEMO_ACCOUNT) == DEMO_POD == "IT001E00123456"
    assert FIXED_CUSTOMERS["1234567891"] == "IT001E1234567890AB"  # the docs' example
    assert family_account(42) == ("2000000042", "IT001E90000042")
    assert pod_of("2000000042") == "IT001E90000042"
    assert pod_of("2000099999") == "IT001E90099999"
    assert pod_of("2000100000") is None
    assert pod_of("1999999999") is None
    assert pod_of("nope") is None


async def test_tokens_expire_after_their_lifetime(client: httpx.AsyncClient, clock: Clock) -> None:
    token = await _token(client)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/greenness", headers=headers)).status_code == 200
    clock.now += timedelta(seconds=59)
    assert (await client.get("/greenness", headers=headers)).status_code == 200
    clock.now += timedelta(seconds=2)
    expired = await client.get("/greenness", headers=headers)
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "token_expired"
    assert "invalid_token" in expired.headers["www-authenticate"]
    fresh = {"Authorization": f"Bearer {await _token(client)}"}
    assert (await client.get("/greenness", headers=fresh)).status_code == 200


async def test_only_the_configured_credentials_get_a_token(clock: Clock) -> None:
    config = simulator_config(clock=clock, client_id="acme", client_secret="s3cret")
    async with await _client(config) as http:
        await _token(http, "acme", "s3cret")
        refused = await http.post(
            "/auth/token", data={"client_id": "demo", "client_secret": "demo-secret"}
        )
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "invalid_client"
        basic = await http.post(
            "/auth/token", data={"grant_type": "client_credentials"}, auth=("acme", "s3cret")
        )
        assert basic.status_code == 200


async def test_the_clock_and_time_zone_decide_the_days(clock: Clock) -> None:
    clock.now = datetime(2024, 10, 28, 8, 0, tzinfo=UTC)  # 09:00 in Rome, after the autumn change
    async with await _client(simulator_config(clock=clock)) as http:
        headers = {"Authorization": f"Bearer {await _token(http)}"}
        await http.post(
            "/users",
            json={"pod": DEMO_POD, "account_number": DEMO_ACCOUNT, "company_code": "DEMO"},
            headers=headers,
        )
        response = await http.get(f"/users/{DEMO_ACCOUNT}/consumption/yesterday", headers=headers)
        data = response.json()["data"]
        assert data["start"] == "2024-10-27T00:00:00+02:00"
        assert data["end"] == "2024-10-28T00:00:00+01:00"
        assert len(data["intervals"]) == 25
    async with await _client(simulator_config(clock=clock, timezone="America/New_York")) as http:
        headers = {"Authorization": f"Bearer {await _token(http)}"}
        greenness = (await http.get("/greenness", headers=headers)).json()["data"]
        assert greenness["date"] == "2024-10-28"
        assert greenness["timezone"] == "America/New_York"
        assert greenness["hourly"][0]["start"] == "2024-10-28T00:00:00-04:00"


async def test_users_and_onboarding_survive_a_restart_with_a_state_file(
    tmp_path: Path, clock: Clock
) -> None:
    state = tmp_path / "state.json"
    customer = family_account(7)
    body = {
        "house": {"type": "detached", "dimesion": 140, "province": "TO"},
        "residents": {"adults": 2, "children": 2, "elderlies": 1},
        "appliances": [{"appliance": "heatPump", "quantity": 1}],
    }
    async with await _client(simulator_config(clock=clock), state) as http:
        headers = {"Authorization": f"Bearer {await _token(http)}"}
        created = await http.post(
            "/users", json={**customer._asdict(), "company_code": "DEMO"}, headers=headers
        )
        assert created.status_code == 200
        assert (
            await http.post(
                f"/users/{customer.account_number}/onboarding", json=body, headers=headers
            )
        ).status_code == 200
        trend = (
            await http.get(f"/users/{customer.account_number}/analytics/trend", headers=headers)
        ).json()
    saved = json.loads(state.read_text())
    assert [u["account_number"] for u in saved["users"]] == [customer.account_number]
    assert "token" not in state.read_text()

    async with await _client(simulator_config(clock=clock), state) as http:
        headers = {"Authorization": f"Bearer {await _token(http)}"}
        again = await http.post(
            "/users", json={**customer._asdict(), "company_code": "DEMO"}, headers=headers
        )
        assert again.status_code == 409
        same = await http.get(f"/users/{customer.account_number}/analytics/trend", headers=headers)
        assert same.json() == trend  # the onboarding profile came back too
        assert (
            await http.delete(f"/users/{customer.account_number}", headers=headers)
        ).status_code == 200
    assert json.loads(state.read_text()) == {"users": []}


async def test_onboarding_reshapes_the_figures(client: httpx.AsyncClient) -> None:
    customer = family_account(8)
    headers = {"Authorization": f"Bearer {await _token(client)}"}
    await client.post(
        "/users", json={**customer._asdict(), "company_code": "DEMO"}, headers=headers
    )
    path = f"/users/{customer.account_number}/analytics/trend"
    before = (await client.get(path, headers=headers)).json()["data"]["months"]
    body = {
        "house": {"type": "apartment", "dimesion": 85, "province": "RM"},
        "residents": {"adults": 4, "children": 3, "elderlies": 2},
        "appliances": [],
    }
    onboarding = await client.post(
        f"/users/{customer.account_number}/onboarding", json=body, headers=headers
    )
    assert len(onboarding.json()["data"]["appliances"]) == 6  # the default set
    after = (await client.get(path, headers=headers)).json()["data"]["months"]
    assert sum(m["total_wh"] for m in after) > 1.3 * sum(m["total_wh"] for m in before)


async def test_control_endpoints_can_be_turned_off(clock: Clock) -> None:
    async with await _client(simulator_config(clock=clock, control_enabled=False)) as http:
        assert (await http.get("/_simulator/customers")).status_code == 404


async def test_control_can_expire_every_token_and_freeze_the_clock(
    client: httpx.AsyncClient,
) -> None:
    headers = {"Authorization": f"Bearer {await _token(client)}"}
    assert (await client.post("/_simulator/tokens/expire")).json() == {"expired": 1}
    expired = await client.get("/greenness", headers=headers)
    assert expired.json()["error"]["code"] == "token_expired"

    frozen = await client.put("/_simulator/clock", json={"now": "2025-03-30T12:00:00+02:00"})
    assert frozen.json() == {"now": "2025-03-30T12:00:00+02:00", "frozen": True}
    headers = {"Authorization": f"Bearer {await _token(client)}"}
    greenness = (await client.get("/greenness", headers=headers)).json()["data"]
    assert greenness["date"] == "2025-03-30"
    assert len(greenness["hourly"]) == 23
    bad = await client.put("/_simulator/clock", json={"now": "2025-03-30T12:00:00"})
    assert bad.status_code == 422  # an instant needs its offset
    released = await client.put("/_simulator/clock", json={"now": None})
    assert released.json()["frozen"] is False


async def test_control_refuses_nonsense_faults(client: httpx.AsyncClient) -> None:
    for body in ({"error_rate": 2}, {"latency": -1}, {"burst": 3}):
        response = await client.post("/_simulator/faults", json=body)
        assert response.status_code == 422, body
    assert (await client.get("/_simulator/faults")).json()["error_rate"] == 0
