"""Retries: backoff with jitter for reads, Retry-After honoured, writes never repeated, time bounded."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from bot.digiwatt.client import DigiwattClient
from bot.digiwatt.errors import RateLimited, Unavailable
from bot.digiwatt.models import HouseType, OnboardingRequest
from bot.digiwatt.retry import RetryPolicy, parse_retry_after
from tests.unit.digiwatt.conftest import MakeClient
from tests.unit.digiwatt.fake import ACCOUNT, FakeClock, FakeDigiwatt, error, http_date

REALTIME = f"/users/{ACCOUNT}/consumption/realtime"
ONBOARDING = {
    "house": {"type": HouseType.APARTMENT, "dimesion": 80, "province": "MI"},
    "residents": {"adults": 2, "children": 1, "elderlies": 0},
    "appliances": [{"appliance": "fridge", "quantity": 1}],
}


def fail(status: int, **headers: str):
    return lambda request: error(status, "oops", "try later", headers=headers)


def raise_(exc: type[httpx.HTTPError]):
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc("boom", request=request)

    return handler


async def test_5xx_on_a_read_is_retried_with_growing_jittered_delays(
    client: DigiwattClient, fake: FakeDigiwatt, clock: FakeClock
) -> None:
    fake.on("GET", REALTIME, fail(503), fail(502), fail(500), lambda r: None)
    reading = await client.realtime(ACCOUNT)
    assert reading.power_w == 420
    assert fake.count("GET", REALTIME) == 4
    policy = RetryPolicy()
    for n, delay in enumerate(clock.sleeps, start=1):
        ceiling = min(policy.max_delay, policy.base_delay * 2 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert clock.sleeps[0] < clock.sleeps[2]
    assert client.stats.retries["realtime"] == 3
    assert client.stats.upstream[("realtime", 503)] == 1


async def test_retry_after_in_seconds_is_honoured(
    client: DigiwattClient, fake: FakeDigiwatt, clock: FakeClock
) -> None:
    fake.on("GET", REALTIME, fail(429, **{"Retry-After": "3"}), lambda r: None)
    await client.realtime(ACCOUNT)
    assert clock.sleeps == [3.0]


async def test_retry_after_as_http_date_is_honoured(
    client: DigiwattClient, fake: FakeDigiwatt, clock: FakeClock
) -> None:
    fake.on("GET", REALTIME, fail(503, **{"Retry-After": http_date(5)}), lambda r: None)
    await client.realtime(ACCOUNT)
    [slept] = clock.sleeps
    assert 3.5 <= slept <= 5.0  # the date has whole seconds


async def test_retry_after_beyond_the_time_budget_raises_rate_limited_at_once(
    client: DigiwattClient, fake: FakeDigiwatt, clock: FakeClock
) -> None:
    fake.on("GET", REALTIME, fail(429, **{"Retry-After": "30"}))
    with pytest.raises(RateLimited) as caught:
        await client.realtime(ACCOUNT)
    assert caught.value.retry_after == 30.0
    assert clock.sleeps == []
    assert fake.count("GET", REALTIME) == 1


async def test_persistent_429_ends_as_rate_limited_within_the_budget(
    make_client: MakeClient, fake: FakeDigiwatt, clock: FakeClock
) -> None:
    client = make_client(retry=RetryPolicy(max_attempts=10, total_timeout=5.0))
    fake.on("GET", REALTIME, fail(429, **{"Retry-After": "1"}))
    with pytest.raises(RateLimited) as caught:
        await client.realtime(ACCOUNT)
    assert caught.value.retry_after == 1.0
    assert clock.sleeps == [1.0] * 5  # a sixth wait would pass the 5 s budget
    assert fake.count("GET", REALTIME) == 6


async def test_timeouts_are_retried_then_unavailable(
    make_client: MakeClient, fake: FakeDigiwatt, clock: FakeClock
) -> None:
    client = make_client(retry=RetryPolicy(max_attempts=4))
    fake.on("GET", REALTIME, raise_(httpx.ReadTimeout))
    with pytest.raises(Unavailable, match="in time"):
        await client.realtime(ACCOUNT)
    assert fake.count("GET", REALTIME) == 4
    assert len(clock.sleeps) == 3
    assert client.stats.upstream[("realtime", "timeout")] == 4


async def test_backoff_stops_before_the_total_time_budget(
    make_client: MakeClient, fake: FakeDigiwatt, clock: FakeClock
) -> None:
    policy = RetryPolicy(max_attempts=100, base_delay=1.0, max_delay=4.0, total_timeout=10.0)
    client = make_client(retry=policy)
    fake.on("GET", REALTIME, raise_(httpx.ConnectError))
    start = clock()
    with pytest.raises(Unavailable, match="reached"):
        await client.realtime(ACCOUNT)
    assert clock() - start <= 10.0
    assert 3 <= len(clock.sleeps) < 10


async def test_connection_error_then_success(client: DigiwattClient, fake: FakeDigiwatt) -> None:
    fake.on("GET", REALTIME, raise_(httpx.ConnectError), lambda r: None)
    assert (await client.realtime(ACCOUNT)).power_w == 420


async def test_delete_is_retried_because_it_is_idempotent(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    fake.on("DELETE", f"/users/{ACCOUNT}", fail(502), lambda r: None)
    deleted = await client.delete_user(ACCOUNT)
    assert deleted.account_number == ACCOUNT
    assert fake.count("DELETE") == 2


async def test_create_user_is_not_retried_on_5xx(
    client: DigiwattClient, fake: FakeDigiwatt, clock: FakeClock
) -> None:
    fake.on("POST", "/users", fail(503), lambda r: None)
    with pytest.raises(Unavailable):
        await client.create_user("IT001E00123456", ACCOUNT, "DEMO")
    assert fake.count("POST", "/users") == 1
    assert clock.sleeps == []


@pytest.mark.parametrize("exc", [httpx.ReadTimeout, httpx.RemoteProtocolError])
async def test_onboarding_is_not_retried_when_the_answer_is_lost(
    client: DigiwattClient, fake: FakeDigiwatt, exc: type[httpx.HTTPError]
) -> None:
    path = f"/users/{ACCOUNT}/onboarding"
    fake.on("POST", path, raise_(exc), lambda r: None)
    with pytest.raises(Unavailable):
        await client.onboard(ACCOUNT, OnboardingRequest.model_validate(ONBOARDING))
    assert fake.count("POST", path) == 1


async def test_write_hit_by_429_reports_when_to_try_again(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    fake.on("POST", "/users", fail(429, **{"Retry-After": "7"}))
    with pytest.raises(RateLimited) as caught:
        await client.create_user("IT001E00123456", ACCOUNT, "DEMO")
    assert caught.value.retry_after == 7.0
    assert fake.count("POST", "/users") == 1


async def test_a_hanging_server_is_cut_off_at_the_total_timeout(
    make_client: MakeClient, fake: FakeDigiwatt
) -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        raise AssertionError("unreachable")

    # Real clock and sleep here: this is the bound that holds even when httpx's own timeouts do not.
    client = make_client(
        retry=RetryPolicy(total_timeout=0.2), clock=time.monotonic, sleep=asyncio.sleep
    )
    fake.on("GET", "/greenness", hang)
    started = time.monotonic()
    with pytest.raises(Unavailable, match=r"within 0\.2 s"):
        await client.greenness()
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("5", 5.0),
        (" 0.5 ", 0.5),
        ("-3", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_parse_retry_after_seconds(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_parse_retry_after_http_date_in_the_past_is_zero() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
