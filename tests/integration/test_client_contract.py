"""Contract: every DigiwattClient method against the simulator over real HTTP (uvicorn, free port)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from bot.digiwatt import models as m
from bot.digiwatt.client import DigiwattClient, open_client
from bot.digiwatt.errors import AuthError, Conflict, NotFound, RateLimited, ValidationError
from bot.digiwatt.models import DEFAULT_APPLIANCES, Appliance, OnboardingRequest, Period
from tests.fixtures.simulator import (
    SIMULATOR_CLIENT_ID,
    SIMULATOR_CLIENT_SECRET,
    SimulatorControl,
    fresh_customer,
)

PROFILE = OnboardingRequest.model_validate(
    {
        "house": {"type": "detached", "dimesion": 160, "province": "TO"},
        "residents": {"adults": 2, "children": 3, "elderlies": 1},
        "appliances": [
            {"appliance": "fridge", "quantity": 1},
            {"appliance": "electricHeater", "quantity": 2},
            {"appliance": "electricVehicle", "quantity": 1},
        ],
    }
)


@pytest.fixture
async def digiwatt(simulator_url: str) -> AsyncIterator[DigiwattClient]:
    async with open_client(
        simulator_url,
        client_id=SIMULATOR_CLIENT_ID,
        client_secret=SecretStr(SIMULATOR_CLIENT_SECRET),
    ) as client:
        yield client


@pytest.fixture
async def account(digiwatt: DigiwattClient) -> AsyncIterator[str]:
    """A user created for this test, onboarded with PROFILE, deleted afterwards."""
    number, pod = fresh_customer()
    await digiwatt.create_user(pod, number, "DEMO")
    await digiwatt.onboard(number, PROFILE)
    yield number
    with contextlib.suppress(NotFound):  # unless the test deleted it itself
        await digiwatt.delete_user(number)


async def test_create_user_returns_the_user_with_a_normalised_pod(
    digiwatt: DigiwattClient,
) -> None:
    number, pod = fresh_customer()
    user = await digiwatt.create_user(pod.lower()[:6] + " " + pod[6:], number, "DEMO")
    assert isinstance(user, m.User)
    assert (user.account_number, user.pod, user.company_code) == (number, pod, "DEMO")
    assert user.onboarded is False
    with pytest.raises(Conflict):
        await digiwatt.create_user(pod, number, "DEMO")
    await digiwatt.delete_user(number)


async def test_create_user_for_an_unknown_customer_is_not_found(
    digiwatt: DigiwattClient,
) -> None:
    number, _ = fresh_customer()
    with pytest.raises(NotFound):
        await digiwatt.create_user("IT001E00999999", number, "DEMO")  # someone else's POD


async def test_onboarding_echoes_the_profile(digiwatt: DigiwattClient, account: str) -> None:
    onboarding = await digiwatt.onboard(account, PROFILE)
    assert isinstance(onboarding, m.Onboarding)
    assert onboarding.account_number == account
    assert onboarding.house == PROFILE.house
    assert onboarding.residents == PROFILE.residents
    assert {a.appliance for a in onboarding.appliances} == {
        Appliance.FRIDGE,
        Appliance.ELECTRIC_HEATER,
        Appliance.ELECTRIC_VEHICLE,
    }


async def test_onboarding_without_appliances_gets_the_default_set(
    digiwatt: DigiwattClient, account: str
) -> None:
    request = PROFILE.model_copy(update={"appliances": []})
    onboarding = await digiwatt.onboard(account, request)
    assert {a.appliance for a in onboarding.appliances} == set(DEFAULT_APPLIANCES)


async def test_onboarding_with_an_unknown_province_is_a_validation_error_with_fields(
    digiwatt: DigiwattClient, account: str
) -> None:
    request = PROFILE.model_copy(
        update={"house": PROFILE.house.model_copy(update={"province": "ZZ"})}
    )
    with pytest.raises(ValidationError) as caught:
        await digiwatt.onboard(account, request)
    assert caught.value.status == 422
    assert any("province" in field for field in caught.value.fields)


@pytest.mark.parametrize("period", list(Period))
async def test_period_reads_return_their_models(
    digiwatt: DigiwattClient, account: str, period: Period
) -> None:
    consumption, totals, performance, habits = await asyncio.gather(
        digiwatt.consumption(account, period),
        digiwatt.totals(account, period),
        digiwatt.performance(account, period),
        digiwatt.habits(account, period),
    )
    assert isinstance(consumption, m.Consumption)
    assert isinstance(totals, m.ConsumptionTotals)
    assert isinstance(performance, m.Performance)
    assert isinstance(habits, m.Habits)
    for result in (consumption, totals, performance, habits):
        assert result.account_number == account
        assert result.period is period
    assert totals.total_wh == sum(a.energy_wh for a in totals.appliances)


async def test_account_reads_return_their_models(digiwatt: DigiwattClient, account: str) -> None:
    realtime = await digiwatt.realtime(account)
    latest = await digiwatt.latest(account)
    trend = await digiwatt.trend(account)
    distribution = await digiwatt.distribution(account)
    compound = await digiwatt.compound(account)
    saving = await digiwatt.saving(account)
    assert isinstance(realtime, m.Realtime)
    assert isinstance(latest, m.LatestConsumption)
    assert isinstance(trend, m.Trend)
    assert isinstance(distribution, m.Distribution)
    assert isinstance(compound, m.Compound)
    assert isinstance(saving, m.Saving)
    for result in (realtime, latest, trend, distribution, compound, saving):
        assert result.account_number == account
    assert len(trend.months) == 12
    assert [t.month for t in trend.months] == [c.month for c in compound.months]


async def test_greenness_returns_its_model(digiwatt: DigiwattClient) -> None:
    greenness = await digiwatt.greenness()
    assert isinstance(greenness, m.Greenness)
    assert len(greenness.hourly) in (23, 24, 25)


async def test_reads_of_an_unknown_account_are_not_found(digiwatt: DigiwattClient) -> None:
    number, _ = fresh_customer()  # a customer, but never created as a user
    with pytest.raises(NotFound):
        await digiwatt.realtime(number)
    with pytest.raises(NotFound):
        await digiwatt.totals(number, Period.YESTERDAY)


async def test_delete_user_then_reads_and_a_second_delete_are_not_found(
    digiwatt: DigiwattClient, account: str
) -> None:
    await digiwatt.trend(account)  # cached now; the delete must drop it
    deleted = await digiwatt.delete_user(account)
    assert isinstance(deleted, m.DeletedUser)
    assert deleted.account_number == account
    with pytest.raises(NotFound):
        await digiwatt.trend(account)
    with pytest.raises(NotFound):
        await digiwatt.delete_user(account)


async def test_wrong_credentials_are_an_auth_error(simulator_url: str) -> None:
    async with open_client(
        simulator_url, client_id=SIMULATOR_CLIENT_ID, client_secret=SecretStr("wrong")
    ) as client:
        with pytest.raises(AuthError):
            await client.greenness()
        assert client.stats.token_requests == 1


async def test_concurrent_identical_reads_share_one_request_and_one_token(
    digiwatt: DigiwattClient, account: str
) -> None:
    before = digiwatt.stats.token_requests
    digiwatt.invalidate()
    results = await asyncio.gather(*(digiwatt.saving(account) for _ in range(50)))
    assert all(r == results[0] for r in results)
    assert digiwatt.stats.upstream_requests("saving") == 1
    assert digiwatt.stats.token_requests == before


async def test_first_calls_of_a_fresh_client_make_one_token_request(
    simulator_url: str, account: str
) -> None:
    async with open_client(
        simulator_url,
        client_id=SIMULATOR_CLIENT_ID,
        client_secret=SecretStr(SIMULATOR_CLIENT_SECRET),
    ) as client:
        await asyncio.gather(
            *(client.totals(account, p) for p in Period), *(client.greenness() for _ in range(20))
        )
        assert client.stats.token_requests == 1
        assert client.stats.upstream_requests("totals") == len(Period)
        assert client.stats.upstream_requests("greenness") == 1


async def test_onboarding_refreshes_cached_figures(digiwatt: DigiwattClient, account: str) -> None:
    small = PROFILE.model_copy(
        update={
            "residents": m.Residents(adults=1, children=0, elderlies=0),
            "appliances": [m.ApplianceQuantity(appliance=Appliance.FRIDGE, quantity=1)],
        }
    )
    big_totals = await digiwatt.totals(account, Period.LAST_MONTH)
    await digiwatt.onboard(account, small)
    small_totals = await digiwatt.totals(account, Period.LAST_MONTH)
    assert digiwatt.stats.upstream_requests("totals") == 2
    assert {a.appliance for a in small_totals.appliances} == {Appliance.FRIDGE}
    assert small_totals.total_wh < big_totals.total_wh


async def test_no_secret_or_token_in_debug_logs_over_real_http(
    simulator_url: str, account: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore included
    async with open_client(
        simulator_url,
        client_id=SIMULATOR_CLIENT_ID,
        client_secret=SecretStr(SIMULATOR_CLIENT_SECRET),
    ) as client:
        await client.realtime(account)
        token = client._tokens._token  # the only way to know the value that must not appear
        assert token is not None
        value = token.authorization.split(" ", 1)[1]
    assert "Digiwatt GET" in caplog.text
    assert SIMULATOR_CLIENT_SECRET not in caplog.text
    assert value not in caplog.text


async def test_tokens_expired_server_side_are_renewed_once(
    digiwatt: DigiwattClient, account: str, simulator_control: SimulatorControl
) -> None:
    await digiwatt.realtime(account)
    tokens_before = digiwatt.stats.token_requests
    simulator_control.expire_tokens()
    results = await asyncio.gather(
        digiwatt.realtime(account, fresh=True), digiwatt.latest(account), digiwatt.greenness()
    )
    assert results[0].account_number == account
    assert digiwatt.stats.token_requests == tokens_before + 1
    assert digiwatt.stats.token_refreshes == 1


async def test_a_429_burst_is_retried_for_reads(
    digiwatt: DigiwattClient, account: str, simulator_control: SimulatorControl
) -> None:
    await digiwatt.greenness()  # the token first: the burst must hit the read
    simulator_control.set_faults(burst_429=2, retry_after=0)
    reading = await digiwatt.realtime(account)
    assert reading.account_number == account
    assert digiwatt.stats.upstream[("realtime", 429)] == 2
    assert digiwatt.stats.retries["realtime"] == 2


async def test_a_429_on_onboarding_is_not_retried(
    digiwatt: DigiwattClient, account: str, simulator_control: SimulatorControl
) -> None:
    simulator_control.set_faults(burst_429=1, retry_after=3)
    with pytest.raises(RateLimited) as caught:
        await digiwatt.onboard(account, PROFILE)
    assert caught.value.retry_after == 3.0
    assert digiwatt.stats.upstream_requests("onboard") == 2  # the fixture's, and this one
