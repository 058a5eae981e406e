"""The bearer token: one request for many callers, renewed before expiry and once after a 401."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot.digiwatt.client import DigiwattClient
from bot.digiwatt.errors import AuthError, Unavailable
from tests.unit.digiwatt.conftest import MakeClient
from tests.unit.digiwatt.fake import ACCOUNT, CLIENT_ID, CLIENT_SECRET, FakeClock, FakeDigiwatt

ACCOUNTS = [f"ACC-{n:04d}" for n in range(100)]


async def test_token_request_sends_the_client_credentials_as_a_form(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    await client.realtime(ACCOUNT)
    token_request = fake.requests[0]
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert fake.token_form == {
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
        "grant_type": ["client_credentials"],
    }
    assert fake.requests[1].headers["Authorization"] == "Bearer tok-1-opaque"


async def test_100_concurrent_first_calls_make_one_token_request(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    fake.delay = 0.01  # the token answer takes a while, so every caller arrives before it
    results = await asyncio.gather(*(client.realtime(a) for a in ACCOUNTS))
    assert fake.token_requests == 1
    assert client.stats.token_requests == 1
    assert fake.reads() == {f"/users/{a}/consumption/realtime": 1 for a in ACCOUNTS}
    assert [r.account_number for r in results] == ACCOUNTS


async def test_100_concurrent_identical_first_calls_make_one_token_and_one_read(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    fake.delay = 0.01
    results = await asyncio.gather(*(client.totals(ACCOUNT, "this-month") for _ in range(100)))
    assert fake.token_requests == 1
    assert fake.reads() == {f"/users/{ACCOUNT}/consumption/this-month/totals": 1}
    assert client.stats.coalesced["totals"] == 99
    assert all(r == results[0] for r in results)


async def test_token_is_reused_until_shortly_before_it_expires(
    make_client: MakeClient, fake: FakeDigiwatt, clock: FakeClock
) -> None:
    fake.expires_in = 600  # renewed 60 s early
    client = make_client()
    await client.realtime(ACCOUNT, fresh=True)
    clock.advance(535)
    await client.realtime(ACCOUNT, fresh=True)
    assert fake.token_requests == 1
    clock.advance(10)  # 545 s: inside the safety margin
    await client.realtime(ACCOUNT, fresh=True)
    assert fake.token_requests == 2
    assert fake.requests[-1].headers["Authorization"] == "Bearer tok-2-opaque"


async def test_short_lived_token_is_renewed_a_tenth_of_its_life_early(
    make_client: MakeClient, fake: FakeDigiwatt, clock: FakeClock
) -> None:
    fake.expires_in = 30
    client = make_client()
    await client.realtime(ACCOUNT, fresh=True)
    clock.advance(26)
    await client.realtime(ACCOUNT, fresh=True)
    assert fake.token_requests == 1
    clock.advance(2)  # 28 s > 30 - 3
    await client.realtime(ACCOUNT, fresh=True)
    assert fake.token_requests == 2


async def test_token_expiring_mid_flight_is_renewed_once_for_all_callers(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    await client.greenness()  # token 1 is now cached
    fake.revoke_all()  # the server forgets it earlier than announced
    fake.delay = 0.01
    results = await asyncio.gather(*(client.realtime(a) for a in ACCOUNTS[:20]))
    assert len(results) == 20
    assert fake.token_requests == 2
    assert client.stats.token_refreshes == 1  # every caller saw a 401, one renewed the token
    assert all(fake.reads()[f"/users/{a}/consumption/realtime"] == 2 for a in ACCOUNTS[:20])


async def test_a_second_401_after_renewal_is_an_auth_error(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    path = f"/users/{ACCOUNT}/consumption/realtime"
    fake.on("GET", path, lambda r: httpx.Response(401, json={"status": 401}))
    with pytest.raises(AuthError):
        await client.realtime(ACCOUNT)
    assert fake.token_requests == 2
    assert fake.count("GET", path) == 2


async def test_403_is_an_auth_error_without_renewal(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    path = f"/users/{ACCOUNT}/saving"
    fake.on("GET", path, lambda r: httpx.Response(403, json={"status": 403}))
    with pytest.raises(AuthError) as caught:
        await client.saving(ACCOUNT)
    assert caught.value.status == 403
    assert fake.token_requests == 1


@pytest.mark.parametrize("status", [400, 401])
async def test_refused_credentials_are_an_auth_error_and_not_retried(
    client: DigiwattClient, fake: FakeDigiwatt, status: int
) -> None:
    fake.on("POST", "/auth/token", lambda r: httpx.Response(status, json={"error": "nope"}))
    with pytest.raises(AuthError, match="client credentials"):
        await client.realtime(ACCOUNT)
    assert fake.token_requests == 1
    assert fake.count("GET") == 0


async def test_token_request_is_retried_on_5xx(
    client: DigiwattClient, fake: FakeDigiwatt, clock: FakeClock
) -> None:
    fake.on("POST", "/auth/token", lambda r: httpx.Response(503), lambda r: None)
    reading = await client.realtime(ACCOUNT)
    assert reading.power_w == 420
    assert fake.token_requests == 2
    assert len(clock.sleeps) == 1


async def test_failed_token_request_fails_every_waiting_caller_once(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    fake.on("POST", "/auth/token", lambda r: httpx.Response(200, text="<html>oops</html>"))
    fake.delay = 0.01
    outcomes = await asyncio.gather(
        *(client.realtime(a) for a in ACCOUNTS[:10]), return_exceptions=True
    )
    assert all(isinstance(o, Unavailable) for o in outcomes)
    assert fake.token_requests == 1  # not one per waiting caller


async def test_lower_case_token_type_still_gives_a_bearer_header(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    def lower(request: httpx.Request) -> httpx.Response:
        fake.valid_tokens.add("abc")
        return httpx.Response(
            200, json={"access_token": "abc", "expires_in": 100, "token_type": "bearer"}
        )

    fake.on("POST", "/auth/token", lower)
    await client.latest(ACCOUNT)
    assert fake.requests[-1].headers["Authorization"] == "Bearer abc"


async def test_token_without_expiry_is_unavailable_not_a_crash(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    fake.on("POST", "/auth/token", lambda r: httpx.Response(200, json={"access_token": "x"}))
    with pytest.raises(Unavailable):
        await client.latest(ACCOUNT)
