"""What goes on the wire: documented paths and bodies, typed models back."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from bot.digiwatt import models as m
from bot.digiwatt.client import DigiwattClient, create_http_client, open_client
from bot.digiwatt.models import Appliance, HouseType, OnboardingRequest, Period
from tests.unit.digiwatt.fake import ACCOUNT, FakeDigiwatt

P = "last-week"
READS = [
    ("consumption", (ACCOUNT, P), f"/users/{ACCOUNT}/consumption/{P}", m.Consumption),
    ("totals", (ACCOUNT, P), f"/users/{ACCOUNT}/consumption/{P}/totals", m.ConsumptionTotals),
    ("realtime", (ACCOUNT,), f"/users/{ACCOUNT}/consumption/realtime", m.Realtime),
    ("latest", (ACCOUNT,), f"/users/{ACCOUNT}/consumption/latest", m.LatestConsumption),
    ("performance", (ACCOUNT, P), f"/users/{ACCOUNT}/consumption/{P}/performance", m.Performance),
    ("habits", (ACCOUNT, P), f"/users/{ACCOUNT}/consumption/{P}/habits", m.Habits),
    ("trend", (ACCOUNT,), f"/users/{ACCOUNT}/analytics/trend", m.Trend),
    ("distribution", (ACCOUNT,), f"/users/{ACCOUNT}/analytics/distribution", m.Distribution),
    ("compound", (ACCOUNT,), f"/users/{ACCOUNT}/analytics/compound", m.Compound),
    ("saving", (ACCOUNT,), f"/users/{ACCOUNT}/saving", m.Saving),
    ("greenness", (), "/greenness", m.Greenness),
]


@pytest.mark.parametrize(("method", "args", "path", "model"), READS, ids=[r[0] for r in READS])
async def test_each_read_gets_its_documented_path_and_returns_its_model(
    client: DigiwattClient, fake: FakeDigiwatt, method: str, args: tuple, path: str, model: type
) -> None:
    result = await getattr(client, method)(*args)
    assert isinstance(result, model)
    [read] = [r for r in fake.requests if r.method == "GET"]
    assert read.url.path == path
    assert read.url.host == "digiwatt.test"
    assert read.headers["Authorization"] == "Bearer tok-1-opaque"
    assert client.stats.upstream[(method, 200)] == 1


async def test_period_accepts_the_enum_and_its_value(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    a = await client.habits(ACCOUNT, Period.THIS_MONTH)
    b = await client.habits(ACCOUNT, "this-month")
    assert a.period is b.period is Period.THIS_MONTH
    assert fake.reads() == {f"/users/{ACCOUNT}/consumption/this-month/habits": 1}


async def test_create_user_sends_the_documented_body_with_a_normalised_pod(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    user = await client.create_user(" it001e 00123456 ", ACCOUNT, "DEMO")
    [post] = [r for r in fake.requests if r.url.path == "/users"]
    assert json.loads(post.content) == {
        "pod": "IT001E00123456",
        "account_number": ACCOUNT,
        "company_code": "DEMO",
    }
    assert isinstance(user, m.User)
    assert user.pod == "IT001E00123456"


async def test_onboarding_sends_house_residents_appliances(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    request = OnboardingRequest(
        house=m.House(type=HouseType.DETACHED, dimesion=140, province="TO"),
        residents=m.Residents(adults=2, children=2, elderlies=1),
        appliances=[m.ApplianceQuantity(appliance=Appliance.ELECTRIC_VEHICLE, quantity=1)],
    )
    onboarding = await client.onboard(ACCOUNT, request)
    [post] = [r for r in fake.requests if r.url.path.endswith("/onboarding")]
    assert post.url.path == f"/users/{ACCOUNT}/onboarding"
    assert json.loads(post.content) == {
        "house": {"type": "detached", "dimesion": 140, "province": "TO"},
        "residents": {"adults": 2, "children": 2, "elderlies": 1},
        "appliances": [{"appliance": "electricVehicle", "quantity": 1}],
    }
    assert onboarding.house.dimesion == 140
    assert onboarding.appliances[0].appliance is Appliance.ELECTRIC_VEHICLE


async def test_delete_user_sends_delete_to_the_account(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    deleted = await client.delete_user(ACCOUNT)
    assert [(r.method, r.url.path) for r in fake.requests[1:]] == [("DELETE", f"/users/{ACCOUNT}")]
    assert deleted.account_number == ACCOUNT


async def test_factory_builds_a_configured_http_client(fake: FakeDigiwatt) -> None:
    async with create_http_client("https://digiwatt.test/", transport=fake.transport()) as http:
        assert http.base_url.host == "digiwatt.test"
        assert http.timeout.connect == 3.0
        assert http.timeout.read == 5.0
        assert http.headers["Accept"] == "application/json"


async def test_open_client_owns_and_closes_its_http_client() -> None:
    async with open_client(
        "http://127.0.0.1:9", client_id="x", client_secret=SecretStr("y")
    ) as client:
        assert "127.0.0.1:9" in repr(client)
        http = client._http  # ownership is the point of this test
    assert http.is_closed
