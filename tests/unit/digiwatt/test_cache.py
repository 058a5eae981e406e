"""Coalescing and caching: fewer upstream reads, never stale after a write, bypassable."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from bot.digiwatt.cache import CachePolicy
from bot.digiwatt.client import DigiwattClient
from bot.digiwatt.errors import NotFound, Unavailable
from tests.unit.digiwatt.conftest import MakeClient
from tests.unit.digiwatt.fake import ACCOUNT, FakeClock, FakeDigiwatt, error, sample_data

OTHER = "ACC-OTHER"
REALTIME = f"/users/{ACCOUNT}/consumption/realtime"
PROFILE = {
    "house": {"type": "apartment", "dimesion": 80, "province": "MI"},
    "residents": {"adults": 2, "children": 0, "elderlies": 0},
}


async def test_realtime_is_cached_for_a_few_seconds(
    client: DigiwattClient, fake: FakeDigiwatt, clock: FakeClock
) -> None:
    await client.realtime(ACCOUNT)
    clock.advance(4)
    await client.realtime(ACCOUNT)
    assert fake.reads()[REALTIME] == 1
    assert client.stats.cache_hits["realtime"] == 1
    clock.advance(2)  # 6 s: past the 5 s default
    await client.realtime(ACCOUNT)
    assert fake.reads()[REALTIME] == 2


async def test_period_data_is_cached_for_minutes(
    client: DigiwattClient, fake: FakeDigiwatt, clock: FakeClock
) -> None:
    path = f"/users/{ACCOUNT}/consumption/yesterday/totals"
    await client.totals(ACCOUNT, "yesterday")
    clock.advance(240)
    await client.totals(ACCOUNT, "yesterday")
    await client.totals(ACCOUNT, "last-month")  # another period is another entry
    assert fake.reads()[path] == 1
    clock.advance(61)
    await client.totals(ACCOUNT, "yesterday")
    assert fake.reads()[path] == 2


async def test_fresh_bypasses_the_cache_and_refreshes_it(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    await client.realtime(ACCOUNT)
    await client.realtime(ACCOUNT, fresh=True)
    await client.realtime(ACCOUNT)
    assert fake.reads()[REALTIME] == 2
    assert client.stats.cache_hits["realtime"] == 1


async def test_ttls_are_configurable_and_zero_turns_caching_off(
    make_client: MakeClient, fake: FakeDigiwatt
) -> None:
    client = make_client(cache=CachePolicy(realtime=0))
    for _ in range(3):
        await client.realtime(ACCOUNT)
    assert fake.reads()[REALTIME] == 3


async def test_onboarding_invalidates_that_account_only(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    await client.trend(ACCOUNT)
    await client.trend(OTHER)
    await client.greenness()
    await client.onboard(ACCOUNT, PROFILE)
    await client.trend(ACCOUNT)
    await client.trend(OTHER)
    await client.greenness()
    reads = fake.reads()
    assert reads[f"/users/{ACCOUNT}/analytics/trend"] == 2
    assert reads[f"/users/{OTHER}/analytics/trend"] == 1
    assert reads["/greenness"] == 1


async def test_delete_invalidates_even_when_it_fails(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    await client.saving(ACCOUNT)
    fake.on("DELETE", f"/users/{ACCOUNT}", lambda r: httpx.Response(504))
    with pytest.raises(Unavailable, match="504"):
        await client.delete_user(ACCOUNT)
    await client.saving(ACCOUNT)
    assert fake.reads()[f"/users/{ACCOUNT}/saving"] == 2


async def test_a_read_in_flight_during_a_write_does_not_cache_stale_data(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    arrived, released = asyncio.Event(), asyncio.Event()

    async def slow(request: httpx.Request) -> None:
        arrived.set()
        await released.wait()

    fake.on("GET", f"/users/{ACCOUNT}/analytics/compound", slow, lambda r: None)
    before = asyncio.create_task(client.compound(ACCOUNT))
    await arrived.wait()
    await client.onboard(ACCOUNT, PROFILE)
    after = asyncio.create_task(client.compound(ACCOUNT))  # must not join the stale read
    released.set()
    await asyncio.gather(before, after)
    await client.compound(ACCOUNT)  # cached from the read that started after the write
    assert fake.reads()[f"/users/{ACCOUNT}/analytics/compound"] == 2
    assert client.stats.coalesced["compound"] == 0


async def test_errors_are_shared_by_coalesced_reads_but_not_cached(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    fake.delay = 0.01
    fake.on("GET", REALTIME, lambda r: error(404, "account_not_found", "No such account"))
    outcomes = await asyncio.gather(
        *(client.realtime(ACCOUNT) for _ in range(10)), return_exceptions=True
    )
    assert all(isinstance(o, NotFound) for o in outcomes)
    assert fake.reads()[REALTIME] == 1
    fake.script.clear()
    assert (await client.realtime(ACCOUNT)).power_w == 420
    assert fake.reads()[REALTIME] == 2


async def test_a_cancelled_caller_does_not_cancel_the_shared_read(
    client: DigiwattClient, fake: FakeDigiwatt
) -> None:
    fake.delay = 0.02
    impatient = asyncio.create_task(client.latest(ACCOUNT))
    patient = asyncio.create_task(client.latest(ACCOUNT))
    await asyncio.sleep(0.005)
    impatient.cancel()
    result = await patient
    assert result.account_number == ACCOUNT
    assert impatient.cancelled()
    assert fake.reads()[f"/users/{ACCOUNT}/consumption/latest"] == 1


async def test_greenness_is_not_kept_past_the_midnight_of_its_day(
    make_client: MakeClient, fake: FakeDigiwatt, clock: FakeClock
) -> None:
    day = sample_data("/greenness")["date"]  # 2025-03-10, Europe/Rome (UTC+1)
    assert day == "2025-03-10"
    wall = datetime(2025, 3, 10, 22, 59, 30, tzinfo=UTC)  # 23:59:30 in Rome
    client = make_client(now=lambda: wall)
    await client.greenness()
    clock.advance(20)
    await client.greenness()
    assert fake.reads()["/greenness"] == 1
    clock.advance(15)  # 35 s later: the next day in Rome
    await client.greenness()
    assert fake.reads()["/greenness"] == 2


async def test_greenness_during_its_day_uses_the_configured_ttl(
    make_client: MakeClient, fake: FakeDigiwatt, clock: FakeClock
) -> None:
    wall = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
    client = make_client(now=lambda: wall, cache=CachePolicy(greenness=600))
    await client.greenness()
    clock.advance(590)
    await client.greenness()
    assert fake.reads()["/greenness"] == 1
    clock.advance(20)
    await client.greenness()
    assert fake.reads()["/greenness"] == 2


async def test_invalidate_everything(client: DigiwattClient, fake: FakeDigiwatt) -> None:
    await client.greenness()
    await client.trend(ACCOUNT)
    client.invalidate()
    await client.greenness()
    await client.trend(ACCOUNT)
    assert set(fake.reads().values()) == {2}


async def test_stats_snapshot_is_json_ready(client: DigiwattClient, fake: FakeDigiwatt) -> None:
    await client.realtime(ACCOUNT)
    await client.realtime(ACCOUNT)
    snapshot = client.stats.snapshot()
    assert snapshot["upstream"] == {"realtime": {"200": 1}, "token": {"200": 1}}
    assert snapshot["cache_hits"] == {"realtime": 1}
    assert snapshot["token_requests"] == 1
    assert client.stats.upstream_requests() == 2
    assert client.stats.upstream_requests("realtime") == 1
