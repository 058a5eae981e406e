"""Property tests over real HTTP: random customers, profiles and dates, one consistent story."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.digiwatt.models import Appliance, HouseType, Period
from bot.provinces import PROVINCES
from tests.fixtures.simulator import (
    OpenApiContract,
    SimulatorControl,
    fresh_customer,
    simulator_token,
)

ROME = ZoneInfo("Europe/Rome")

onboardings = st.fixed_dictionaries(
    {
        "house": st.fixed_dictionaries(
            {
                "type": st.sampled_from([h.value for h in HouseType]),
                "dimesion": st.integers(10, 2000),
                "province": st.sampled_from(sorted(PROVINCES)),
            }
        ),
        "residents": st.fixed_dictionaries(
            {
                "adults": st.integers(1, 20),
                "children": st.integers(0, 20),
                "elderlies": st.integers(0, 20),
            }
        ),
        "appliances": st.lists(
            st.fixed_dictionaries(
                {
                    "appliance": st.sampled_from([a.value for a in Appliance]),
                    "quantity": st.integers(1, 20),
                }
            ),
            unique_by=lambda item: item["appliance"],
            max_size=15,
        ),
    }
)
instants = st.datetimes(
    min_value=datetime(2019, 1, 1), max_value=datetime(2034, 12, 31), allow_imaginary=False
).map(lambda naive: naive.replace(tzinfo=ROME))


@pytest.fixture(scope="module")
def control(simulator_url: str) -> Iterator[SimulatorControl]:
    control = SimulatorControl(simulator_url)
    yield control
    control.freeze_clock(None)
    control.close()


def _read(client: httpx.Client, contract: OpenApiContract, operation: str, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return contract.check_response(operation, response)["data"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(onboarding=onboardings, now=instants, period=st.sampled_from(list(Period)))
def test_any_home_on_any_day_tells_one_consistent_story(
    simulator_url: str,
    control: SimulatorControl,
    openapi_contract: OpenApiContract,
    onboarding: dict,
    now: datetime,
    period: Period,
) -> None:
    customer = fresh_customer()
    account = customer.account_number
    control.freeze_clock(now.isoformat())
    try:
        headers = {"Authorization": f"Bearer {simulator_token(simulator_url)}"}
        with httpx.Client(base_url=simulator_url, headers=headers, timeout=30) as client:
            client.post(
                "/users", json={**customer._asdict(), "company_code": "DEMO"}
            ).raise_for_status()
            onboarded = client.post(f"/users/{account}/onboarding", json=onboarding)
            openapi_contract.check_response("onboard", onboarded)
            names = {a["appliance"] for a in onboarded.json()["data"]["appliances"]}

            base = f"/users/{account}/consumption/{period.value}"
            consumption = _read(client, openapi_contract, "consumption", base)
            totals = _read(client, openapi_contract, "totals", f"{base}/totals")
            assert totals["total_wh"] == sum(i["total_wh"] for i in consumption["intervals"])
            for interval in consumption["intervals"]:
                assert set(interval["appliances"]) == names
                assert interval["total_wh"] == sum(interval["appliances"].values())

            trend = _read(client, openapi_contract, "trend", f"/users/{account}/analytics/trend")
            compound = _read(
                client, openapi_contract, "compound", f"/users/{account}/analytics/compound"
            )
            assert [m["total_wh"] for m in trend["months"]] == [
                m["total_wh"] for m in compound["months"]
            ]

            yesterday = _read(
                client, openapi_contract, "consumption", f"/users/{account}/consumption/yesterday"
            )
            day = now.date() - timedelta(days=1)
            start = datetime.combine(day, datetime.min.time(), ROME).astimezone(UTC)
            end = datetime.combine(now.date(), datetime.min.time(), ROME).astimezone(UTC)
            assert len(yesterday["intervals"]) == (end - start) // timedelta(hours=1)

            greenness = _read(client, openapi_contract, "greenness", "/greenness")
            assert greenness["date"] == now.date().isoformat()
            stops = [datetime.fromisoformat(w["stop"]) for w in greenness["windows"]]
            starts = [datetime.fromisoformat(w["start"]) for w in greenness["windows"]]
            assert starts == sorted(starts)
            assert all(a < b for a, b in zip(starts, stops, strict=True))

            realtime = _read(
                client, openapi_contract, "realtime", f"/users/{account}/consumption/realtime"
            )
            assert datetime.fromisoformat(realtime["timestamp"]) == now.replace(microsecond=0)
            latest = _read(
                client, openapi_contract, "latest", f"/users/{account}/consumption/latest"
            )
            assert datetime.fromisoformat(latest["end"]) <= now
            assert len(latest["points"]) == 24
    finally:
        control.freeze_clock(None)
