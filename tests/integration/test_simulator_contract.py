"""The simulator over real HTTP: every operation answers what openapi.yaml and models.py say."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import BaseModel

from bot.digiwatt import models
from bot.digiwatt.models import Period
from simulator.customers import Customer
from tests.fixtures.simulator import (
    OPENAPI_PATH,
    OpenApiContract,
    SimulatorControl,
    fresh_customer,
    simulator_token,
)

PERIOD_OPERATIONS = {
    "consumption": ("", models.Consumption),
    "totals": ("/totals", models.ConsumptionTotals),
    "performance": ("/performance", models.Performance),
    "habits": ("/habits", models.Habits),
}
ACCOUNT_OPERATIONS = {
    "realtime": ("/consumption/realtime", models.Realtime),
    "latest": ("/consumption/latest", models.LatestConsumption),
    "trend": ("/analytics/trend", models.Trend),
    "distribution": ("/analytics/distribution", models.Distribution),
    "compound": ("/analytics/compound", models.Compound),
    "saving": ("/saving", models.Saving),
}
ONBOARDING = {
    "house": {"type": "townhouse", "dimesion": 110, "province": "BO"},
    "residents": {"adults": 2, "children": 1, "elderlies": 1},
    "appliances": [
        {"appliance": "fridge", "quantity": 1},
        {"appliance": "dishwasher", "quantity": 1},
        {"appliance": "washingMachine", "quantity": 1},
        {"appliance": "electricVehicle", "quantity": 1},
        {"appliance": "solarPanel", "quantity": 1},
        {"appliance": "heatPump", "quantity": 1},
    ],
}


@pytest.fixture(scope="module")
def api(simulator_url: str) -> Iterator[httpx.Client]:
    """One authenticated client for the module: a token lives an hour, the module a few seconds."""
    token = simulator_token(simulator_url)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=simulator_url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def onboarded(simulator_url: str) -> Customer:
    """One user of this module, created and onboarded once."""
    customer = fresh_customer()
    headers = {"Authorization": f"Bearer {simulator_token(simulator_url)}"}
    with httpx.Client(base_url=simulator_url, headers=headers, timeout=30) as client:
        client.post(
            "/users", json={**customer._asdict(), "company_code": "DEMO"}
        ).raise_for_status()
        client.post(
            f"/users/{customer.account_number}/onboarding", json=ONBOARDING
        ).raise_for_status()
    return customer


def _data(
    contract: OpenApiContract, operation: str, response: httpx.Response, model: type[BaseModel]
):
    assert response.status_code == 200, response.text
    body = contract.check_response(operation, response)
    return model.model_validate(body["data"])


def _error(
    contract: OpenApiContract, operation: str, response: httpx.Response, status: int
) -> dict:
    assert response.status_code == status, response.text
    body = contract.check_response(operation, response)
    assert body["status"] == status
    return body["error"]


# --- every operation ------------------------------------------------------------------------------


def test_token(simulator_url: str, openapi_contract: OpenApiContract) -> None:
    response = httpx.post(
        f"{simulator_url}/auth/token",
        data={
            "client_id": "demo",
            "client_secret": "demo-secret",
            "grant_type": "client_credentials",
        },
    )
    token = models.TokenResponse.model_validate(openapi_contract.check_response("token", response))
    assert token.token_type == "Bearer"
    assert token.expires_in == 3600
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("period", list(Period))
@pytest.mark.parametrize("operation", sorted(PERIOD_OPERATIONS))
def test_period_reads_match_the_contract(
    api: httpx.Client,
    openapi_contract: OpenApiContract,
    onboarded: Customer,
    operation: str,
    period: Period,
) -> None:
    suffix, model = PERIOD_OPERATIONS[operation]
    response = api.get(f"/users/{onboarded.account_number}/consumption/{period.value}{suffix}")
    data = _data(openapi_contract, operation, response, model)
    assert data.account_number == onboarded.account_number
    assert data.period is period


@pytest.mark.parametrize("operation", sorted(ACCOUNT_OPERATIONS))
def test_account_reads_match_the_contract(
    api: httpx.Client, openapi_contract: OpenApiContract, onboarded: Customer, operation: str
) -> None:
    path, model = ACCOUNT_OPERATIONS[operation]
    data = _data(
        openapi_contract, operation, api.get(f"/users/{onboarded.account_number}{path}"), model
    )
    assert data.account_number == onboarded.account_number


def test_greenness_matches_the_contract(
    api: httpx.Client, openapi_contract: OpenApiContract
) -> None:
    greenness = _data(openapi_contract, "greenness", api.get("/greenness"), models.Greenness)
    assert greenness.timezone == "Europe/Rome"
    today = datetime.now(ZoneInfo("Europe/Rome")).date()
    assert greenness.date in {today, today - timedelta(days=1)}  # the test may straddle midnight
    assert greenness.hourly[0].start.date() == greenness.date == greenness.updated_at.date()


def test_user_lifecycle_matches_the_contract(
    api: httpx.Client, openapi_contract: OpenApiContract, simulator_customer: Customer
) -> None:
    account = simulator_customer.account_number
    spaced_pod = " ".join([simulator_customer.pod[:5].lower(), simulator_customer.pod[5:]])
    created = _data(
        openapi_contract,
        "createUser",
        api.post(
            "/users", json={"pod": spaced_pod, "account_number": account, "company_code": "DEMO"}
        ),
        models.User,
    )
    assert created.pod == simulator_customer.pod  # normalised: no spaces, upper case
    assert created.onboarded is False

    onboarding = _data(
        openapi_contract,
        "onboard",
        api.post(f"/users/{account}/onboarding", json=ONBOARDING),
        models.Onboarding,
    )
    assert onboarding.house.dimesion == 110
    assert [a.appliance.value for a in onboarding.appliances] == [
        a["appliance"] for a in ONBOARDING["appliances"]
    ]

    deleted = _data(
        openapi_contract, "deleteUser", api.delete(f"/users/{account}"), models.DeletedUser
    )
    assert deleted.account_number == account
    gone = api.get(f"/users/{account}/saving")
    assert _error(openapi_contract, "saving", gone, 404)["code"] == "user_not_found"


@pytest.mark.parametrize(
    ("account", "pod"),
    [("1234567891", "IT001E1234567890AB"), ("1234567892", "it012e 001 234 567")],
)
def test_the_docs_example_pod_and_a_15_character_one_are_accepted(
    api: httpx.Client, openapi_contract: OpenApiContract, account: str, pod: str
) -> None:
    api.delete(f"/users/{account}")  # another test may have left it
    try:
        response = api.post(
            "/users", json={"pod": pod, "account_number": account, "company_code": "X"}
        )
        user = _data(openapi_contract, "createUser", response, models.User)
        assert user.pod == pod.replace(" ", "").upper()
    finally:
        api.delete(f"/users/{account}")


def test_onboarding_without_appliances_gets_the_default_set(
    api: httpx.Client, openapi_contract: OpenApiContract, simulator_user: Customer
) -> None:
    body = {**ONBOARDING, "appliances": []}
    response = api.post(f"/users/{simulator_user.account_number}/onboarding", json=body)
    onboarding = _data(openapi_contract, "onboard", response, models.Onboarding)
    assert [a.appliance for a in onboarding.appliances] == list(models.DEFAULT_APPLIANCES)


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_token"),
        ({"Authorization": "Bearer not-a-token"}, "invalid_token"),
        ({"Authorization": "Basic ZGVtbzpkZW1vLXNlY3JldA=="}, "invalid_token"),
    ],
)
def test_requests_without_a_valid_token_get_401(
    simulator_url: str, openapi_contract: OpenApiContract, headers: dict, code: str
) -> None:
    response = httpx.get(f"{simulator_url}/greenness", headers=headers)
    assert _error(openapi_contract, "greenness", response, 401)["code"] == code
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_an_expired_token_gets_401_until_a_new_one_is_fetched(
    api: httpx.Client, openapi_contract: OpenApiContract, simulator_control: SimulatorControl
) -> None:
    later = (datetime.now().astimezone() + timedelta(hours=2)).isoformat()
    simulator_control.freeze_clock(later)  # tokens live an hour
    response = api.get("/greenness")
    assert _error(openapi_contract, "greenness", response, 401)["code"] == "token_expired"
    fresh = simulator_token(str(api.base_url))
    again = api.get("/greenness", headers={"Authorization": f"Bearer {fresh}"})
    assert again.status_code == 200


@pytest.mark.parametrize(
    ("form", "status", "field"),
    [
        ({"client_id": "demo", "client_secret": "wrong"}, 401, None),
        ({"client_id": "someone", "client_secret": "demo-secret"}, 401, None),
        ({"client_id": "demo"}, 422, "client_secret"),
        (
            {"client_id": "demo", "client_secret": "demo-secret", "grant_type": "password"},
            422,
            "grant_type",
        ),
    ],
)
def test_the_token_endpoint_refuses_bad_credentials(
    simulator_url: str,
    openapi_contract: OpenApiContract,
    form: dict,
    status: int,
    field: str | None,
) -> None:
    error = _error(
        openapi_contract, "token", httpx.post(f"{simulator_url}/auth/token", data=form), status
    )
    if field:
        assert [f["field"] for f in error["fields"]] == [field]
    else:
        assert error["code"] == "invalid_client"


@pytest.mark.parametrize(
    ("body", "status", "code_or_fields"),
    [
        (
            {"pod": "IT001E90000001", "account_number": "2000000002", "company_code": "D"},
            404,
            "customer_not_found",
        ),
        (
            {"pod": "IT001E00123456", "account_number": "3000000000", "company_code": "D"},
            404,
            "customer_not_found",
        ),
        ({"pod": "IT001E", "account_number": "2000000002", "company_code": "D"}, 422, ["pod"]),
        (
            {"pod": "IT001E90000002", "account_number": "2 0", "company_code": ""},
            422,
            ["account_number", "company_code"],
        ),
        ({"account_number": "2000000002"}, 422, ["pod", "company_code"]),
    ],
)
def test_creating_a_user_who_is_not_that_customer_fails_clearly(
    api: httpx.Client,
    openapi_contract: OpenApiContract,
    body: dict,
    status: int,
    code_or_fields: str | list,
) -> None:
    error = _error(openapi_contract, "createUser", api.post("/users", json=body), status)
    if isinstance(code_or_fields, str):
        assert error["code"] == code_or_fields
        assert body["account_number"] in error["message"]
    else:
        assert [f["field"] for f in error["fields"]] == code_or_fields
        assert all(f["message"] for f in error["fields"])


def test_creating_a_user_twice_is_a_conflict(
    api: httpx.Client, openapi_contract: OpenApiContract, simulator_user: Customer
) -> None:
    body = {**simulator_user._asdict(), "company_code": "DEMO"}
    assert (
        _error(openapi_contract, "createUser", api.post("/users", json=body), 409)["code"]
        == "user_exists"
    )


def _bad(path: str, value: object) -> dict:
    body = {
        "house": dict(ONBOARDING["house"]),
        "residents": dict(ONBOARDING["residents"]),
        "appliances": [dict(a) for a in ONBOARDING["appliances"]],
    }
    node: dict = body
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is _REMOVE:
        del node[parts[-1]]
    else:
        node[parts[-1]] = value
    return body


_REMOVE = object()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("house.type", "castle"),
        ("house.dimesion", 5),
        ("house.dimesion", 2001),
        ("house.dimesion", "big"),
        ("house.province", "XX"),  # well-formed, not an Italian province
        ("house.province", "mi"),
        ("house.province", "MIL"),
        ("residents.adults", 0),
        ("residents.children", -1),
        ("residents.elderlies", 21),
        ("residents.adults", _REMOVE),
        ("appliances.0.appliance", "jacuzzi"),
        ("appliances.0.quantity", 0),
        ("appliances.0.quantity", 21),
        ("house", _REMOVE),
    ],
)
def test_onboarding_validates_every_field(
    api: httpx.Client,
    openapi_contract: OpenApiContract,
    onboarded: Customer,
    path: str,
    value: object,
) -> None:
    response = api.post(f"/users/{onboarded.account_number}/onboarding", json=_bad(path, value))
    error = _error(openapi_contract, "onboard", response, 422)
    assert error["code"] == "validation_error"
    assert [f["field"] for f in error["fields"]] == [path]
    assert error["fields"][0]["message"]


def test_onboarding_names_every_bad_field_at_once_and_refuses_duplicates(
    api: httpx.Client, openapi_contract: OpenApiContract, onboarded: Customer
) -> None:
    body = _bad("house.province", "ZZ")
    body["residents"]["adults"] = 0
    body["appliances"].append({"appliance": "fridge", "quantity": 2})
    response = api.post(f"/users/{onboarded.account_number}/onboarding", json=body)
    fields = {f["field"] for f in _error(openapi_contract, "onboard", response, 422)["fields"]}
    assert fields == {"house.province", "residents.adults", "appliances"}
    not_json = api.post(
        f"/users/{onboarded.account_number}/onboarding",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert _error(openapi_contract, "onboard", not_json, 422)["fields"][0]["field"] == "body"


@pytest.mark.parametrize("operation", sorted(PERIOD_OPERATIONS))
def test_an_unknown_period_is_a_validation_error(
    api: httpx.Client, openapi_contract: OpenApiContract, onboarded: Customer, operation: str
) -> None:
    suffix, _ = PERIOD_OPERATIONS[operation]
    response = api.get(f"/users/{onboarded.account_number}/consumption/tomorrow{suffix}")
    error = _error(openapi_contract, operation, response, 422)
    assert [f["field"] for f in error["fields"]] == ["period"]
    assert "last-seven-days" in error["fields"][0]["message"]


def _every_account_request(account: str) -> list[tuple[str, str, str, dict | None]]:
    requests = [
        ("deleteUser", "DELETE", f"/users/{account}", None),
        ("onboard", "POST", f"/users/{account}/onboarding", ONBOARDING),
    ]
    requests += [
        (op, "GET", f"/users/{account}/consumption/yesterday{suffix}", None)
        for op, (suffix, _) in PERIOD_OPERATIONS.items()
    ]
    requests += [
        (op, "GET", f"/users/{account}{path}", None) for op, (path, _) in ACCOUNT_OPERATIONS.items()
    ]
    return requests


@pytest.mark.parametrize(
    ("operation", "method", "path", "body"), _every_account_request("2000099998")
)
def test_every_account_operation_answers_404_for_an_unknown_user(
    api: httpx.Client,
    openapi_contract: OpenApiContract,
    operation: str,
    method: str,
    path: str,
    body: dict | None,
) -> None:
    response = api.request(method, path, json=body)
    assert _error(openapi_contract, operation, response, 404)["code"] == "user_not_found"


@pytest.mark.parametrize(
    ("operation", "method", "path", "body"), _every_account_request("bad%20account")
)
def test_every_account_operation_validates_the_account_number(
    api: httpx.Client,
    openapi_contract: OpenApiContract,
    operation: str,
    method: str,
    path: str,
    body: dict | None,
) -> None:
    response = api.request(method, path, json=body)
    error = _error(openapi_contract, operation, response, 422)
    assert [f["field"] for f in error["fields"]] == ["account_number"]


def test_unknown_paths_and_methods_use_the_error_envelope(
    api: httpx.Client, openapi_contract: OpenApiContract
) -> None:
    for response, status in ((api.get("/nothing/here"), 404), (api.put("/greenness"), 405)):
        assert response.status_code == status
        openapi_contract.check_schema("ErrorEnvelope", response.json())


# --- faults ---------------------------------------------------------------------------------------


def test_a_429_burst_then_service_again(
    api: httpx.Client, openapi_contract: OpenApiContract, simulator_faults
) -> None:
    simulator_faults(burst_429=2, retry_after=3)
    for _ in range(2):
        response = api.get("/greenness")
        assert _error(openapi_contract, "greenness", response, 429)["code"] == "rate_limited"
        assert response.headers["retry-after"] == "3"
    assert api.get("/greenness").status_code == 200


def test_the_token_endpoint_is_spared_by_bursts_and_errors(
    simulator_url: str, simulator_faults
) -> None:
    simulator_faults(burst_429=5, error_rate=1.0)
    assert simulator_token(simulator_url)


def test_an_error_rate_answers_503_with_the_envelope(
    api: httpx.Client, openapi_contract: OpenApiContract, onboarded: Customer, simulator_faults
) -> None:
    simulator_faults(error_rate=1.0)
    response = api.get(f"/users/{onboarded.account_number}/analytics/trend")
    assert _error(openapi_contract, "trend", response, 503)["code"] == "unavailable"
    simulator_faults(error_rate=0.5)
    statuses = [api.get("/greenness").status_code for _ in range(40)]
    assert {200, 503} == set(statuses)


def test_latency_is_added_to_every_request(api: httpx.Client, simulator_faults) -> None:
    simulator_faults(latency=0.3)
    started = time.perf_counter()
    assert api.get("/greenness").status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_faults_reset_when_the_test_ends(
    api: httpx.Client, simulator_control: SimulatorControl
) -> None:
    # simulator_control's teardown reset the faults of the tests above.
    assert simulator_control.set_faults() == {
        "latency": 0.0,
        "error_rate": 0.0,
        "burst_429": 0,
        "retry_after": 1,
    }


def test_stats_count_what_reached_the_simulator(
    api: httpx.Client, simulator_control: SimulatorControl
) -> None:
    simulator_control.reset_stats()
    api.get("/greenness")
    api.get("/greenness")
    simulator_token(str(api.base_url))
    stats = simulator_control.stats()
    assert stats["requests"] == 3
    assert stats["token_requests"] == 1
    assert stats["by_route"]["GET /greenness"] == 2


def test_the_document_is_served_as_is(simulator_url: str) -> None:
    response = httpx.get(f"{simulator_url}/openapi.yaml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    assert response.content == OPENAPI_PATH.read_bytes()
