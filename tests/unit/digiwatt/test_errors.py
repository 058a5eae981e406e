"""Every failure reaches the bot as one DigiwattError subclass, never as an httpx exception."""

from __future__ import annotations

import httpx
import pytest

from bot.digiwatt.client import DigiwattClient
from bot.digiwatt.errors import (
    AuthError,
    Conflict,
    DigiwattError,
    NotFound,
    RateLimited,
    Unavailable,
    ValidationError,
)
from bot.digiwatt.retry import RetryPolicy
from tests.unit.digiwatt.conftest import MakeClient
from tests.unit.digiwatt.fake import ACCOUNT, FakeDigiwatt, envelope, error

TRENDS = f"/users/{ACCOUNT}/analytics/trend"
ONBOARDING_PATH = f"/users/{ACCOUNT}/onboarding"
PROFILE = {
    "house": {"type": "apartment", "dimesion": 80, "province": "MI"},
    "residents": {"adults": 2, "children": 0, "elderlies": 0},
}


async def test_unknown_account_is_not_found_with_the_server_message(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    fake.on("GET", TRENDS, lambda r: error(404, "account_not_found", "No such account"))
    with pytest.raises(NotFound) as caught:
        await client.trend(ACCOUNT)
    assert (caught.value.status, caught.value.code) == (404, "account_not_found")
    assert caught.value.message == "No such account"


async def test_duplicate_user_is_a_conflict(client: DigiwattClient, fake: FakeDigiwatt) -> None:
    fake.on("POST", "/users", lambda r: error(409, "user_exists", "Already registered"))
    with pytest.raises(Conflict, match="Already registered"):
        await client.create_user("IT001E00123456", ACCOUNT, "DEMO")


async def test_422_field_messages_are_parsed(client: DigiwattClient, fake: FakeDigiwatt) -> None:
    fields = {"house.province": "two capital letters", "residents.adults": "at least 1"}
    fake.on("POST", ONBOARDING_PATH, lambda r: error(422, "invalid", "Invalid body", fields))
    with pytest.raises(ValidationError) as caught:
        await client.onboard(ACCOUNT, PROFILE)
    assert caught.value.fields == fields
    assert caught.value.status == 422


async def test_422_without_an_envelope_still_is_a_validation_error(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    fake.on("POST", ONBOARDING_PATH, lambda r: httpx.Response(422, text="bad"))
    with pytest.raises(ValidationError) as caught:
        await client.onboard(ACCOUNT, PROFILE)
    assert caught.value.fields == {}
    assert "422" in caught.value.message


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda r: httpx.Response(200, text="{not json"), id="malformed-json"),
        pytest.param(lambda r: httpx.Response(200, content=b"\xff\xfe\x00"), id="not-utf8"),
        pytest.param(lambda r: httpx.Response(200, json=[1, 2]), id="not-an-envelope"),
        pytest.param(lambda r: httpx.Response(200, json={"status": 200}), id="no-data"),
        pytest.param(lambda r: envelope({"account_number": ACCOUNT}), id="missing-fields"),
        pytest.param(lambda r: envelope({"account_number": ACCOUNT, "months": "x"}), id="bad-type"),
        pytest.param(lambda r: httpx.Response(302, headers={"Location": "/x"}), id="redirect"),
    ],
)
async def test_nonsense_answers_are_unavailable(
    client: DigiwattClient, fake: FakeDigiwatt, answer
) -> None:
    fake.on("GET", TRENDS, answer)
    with pytest.raises(Unavailable):
        await client.trend(ACCOUNT)
    assert fake.count("GET", TRENDS) == 1  # a garbled 200 is not retried


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.ReadError,
        httpx.WriteError,
        httpx.PoolTimeout,
        httpx.RemoteProtocolError,
        httpx.LocalProtocolError,
        httpx.ProxyError,
    ],
)
async def test_httpx_exceptions_never_leak(
    make_client: MakeClient, fake: FakeDigiwatt, exc: type[httpx.HTTPError]
) -> None:
    client = make_client(retry=RetryPolicy(max_attempts=2))

    def broken(request: httpx.Request) -> httpx.Response:
        raise exc("boom", request=request)

    fake.on("GET", TRENDS, broken)
    with pytest.raises(Unavailable) as caught:
        await client.trend(ACCOUNT)
    # Not even chained: an httpx exception carries the request, Authorization header included.
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


@pytest.mark.parametrize(
    ("status", "kind"),
    [(500, Unavailable), (503, Unavailable), (429, RateLimited), (418, DigiwattError)],
)
async def test_status_mapping(
    make_client: MakeClient, fake: FakeDigiwatt, status: int, kind: type[DigiwattError]
) -> None:
    client = make_client(retry=RetryPolicy(max_attempts=2))
    fake.on("GET", TRENDS, lambda r: error(status, "x", "message"))
    with pytest.raises(kind) as caught:
        await client.trend(ACCOUNT)
    assert caught.value.status == status
    assert type(caught.value) is kind


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.create_user("IT00", ACCOUNT, "DEMO"), "pod"),
        (lambda c: c.create_user("IT001E00123456", ACCOUNT, ""), "company_code"),
        (lambda c: c.consumption(ACCOUNT, "last-year"), "period"),
        (lambda c: c.realtime("../../auth/token"), "account_number"),
        (lambda c: c.saving(""), "account_number"),
        (lambda c: c.onboard(ACCOUNT, {"house": {}, "residents": {}}), "house.type"),
    ],
)
async def test_bad_input_is_refused_locally_with_the_field_named(
    client: DigiwattClient, fake: FakeDigiwatt, call, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await call(client)
    assert field in caught.value.fields
    assert fake.requests == []  # nothing was sent, not even a token request


async def test_pod_error_message_is_readable(client: DigiwattClient) -> None:
    with pytest.raises(ValidationError) as caught:
        await client.create_user("IT00", ACCOUNT, "DEMO")
    assert caught.value.fields["pod"].startswith("a POD is two letters")


async def test_auth_error_subclass_of_the_base(client: DigiwattClient, fake: FakeDigiwatt) -> None:
    fake.on("POST", "/auth/token", lambda r: httpx.Response(401))
    with pytest.raises(DigiwattError) as caught:
        await client.greenness()
    assert isinstance(caught.value, AuthError)
