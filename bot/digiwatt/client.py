"""Typed async client of the Digiwatt API: auth, retries, error mapping, coalescing and caching.

Every httpx error and every unexpected answer becomes one of `bot.digiwatt.errors` here, so the
rest of the bot never sees httpx. Reads are coalesced and cached briefly; writes are never retried.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
import pydantic
from pydantic import SecretStr

from bot.digiwatt.auth import BearerToken, TokenCache
from bot.digiwatt.cache import MISSING, CachePolicy, ResponseCache, SingleFlight
from bot.digiwatt.errors import (
    AuthError,
    Conflict,
    DigiwattError,
    NotFound,
    RateLimited,
    Unavailable,
    ValidationError,
)
from bot.digiwatt.models import (
    ACCOUNT_NUMBER_PATTERN,
    Compound,
    Consumption,
    ConsumptionTotals,
    CreateUserRequest,
    DeletedUser,
    Distribution,
    ErrorBody,
    ErrorEnvelope,
    Greenness,
    Habits,
    LatestConsumption,
    Onboarding,
    OnboardingRequest,
    Performance,
    Period,
    Realtime,
    Saving,
    TokenResponse,
    Trend,
    User,
)
from bot.digiwatt.retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after
from bot.digiwatt.stats import TIMEOUT, TRANSPORT_ERROR, ClientStats

log = logging.getLogger(__name__)

M = TypeVar("M", bound=pydantic.BaseModel)

# Per attempt; the client's RetryPolicy.total_timeout bounds a whole call. The pool wait is long
# because a burst of reads queues for a connection rather than failing.
DEFAULT_TIMEOUT = httpx.Timeout(5.0, connect=3.0, pool=10.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=50, max_keepalive_connections=20, keepalive_expiry=30)


def create_http_client(
    base_url: str | object,
    *,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    limits: httpx.Limits = DEFAULT_LIMITS,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An httpx.AsyncClient configured for Digiwatt; the caller owns it and closes it."""
    return httpx.AsyncClient(
        base_url=str(base_url),
        timeout=timeout,
        limits=limits,
        transport=transport,
        headers={"Accept": "application/json", "User-Agent": "digiwatt-bot"},
    )


class DigiwattClient:
    """The 15 Digiwatt operations as typed methods, on an injected httpx.AsyncClient it does not own.

    Reads take `fresh=True` to skip the cache (a refresh button). `clock`, `sleep`, `now` and
    `rng` are injectable so tests run retries and expiries without waiting.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        client_id: str,
        client_secret: SecretStr,
        retry: RetryPolicy | None = None,
        cache: CachePolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
    ) -> None:
        self._http = http
        self._client_id = client_id
        self._client_secret = client_secret
        self._retry = retry or RetryPolicy()
        self._cache_policy = cache or CachePolicy()
        self._clock = clock
        self._sleep = sleep
        self._now = now
        self._rng = rng or random.Random()
        self.stats = ClientStats()
        self._cache = ResponseCache(self._cache_policy.maxsize, timer=clock)
        self._reads: SingleFlight[Any] = SingleFlight()
        self._tokens = TokenCache(self._request_token, clock=clock)

    def __repr__(self) -> str:
        return (
            f"DigiwattClient(base_url={str(self._http.base_url)!r}, client_id={self._client_id!r})"
        )

    # --- users ------------------------------------------------------------------------------------

    async def create_user(self, pod: str, account_number: str, company_code: str) -> User:
        """Register a customer with Digiwatt; Conflict if done already, NotFound if unknown."""
        body = _build(
            CreateUserRequest, pod=pod, account_number=account_number, company_code=company_code
        )
        try:
            data = await self._call("POST", "/users", endpoint="create_user", json=body)
        finally:
            self.invalidate(body.account_number)
        return _parse(User, data, "create_user")

    async def delete_user(self, account_number: str) -> DeletedUser:
        """Remove the user at Digiwatt and forget everything cached for it."""
        segment = _account(account_number)
        try:
            data = await self._call("DELETE", f"/users/{segment}", endpoint="delete_user")
        finally:  # even a timed-out delete may have happened upstream
            self.invalidate(account_number)
        return _parse(DeletedUser, data, "delete_user")

    async def onboard(
        self, account_number: str, request: OnboardingRequest | Mapping[str, Any]
    ) -> Onboarding:
        """Send the household profile (house, residents, appliances); invalidates cached reads."""
        segment = _account(account_number)
        body = (
            request
            if isinstance(request, OnboardingRequest)
            else _build(OnboardingRequest, **request)
        )
        path = f"/users/{segment}/onboarding"
        try:
            data = await self._call("POST", path, endpoint="onboard", json=body)
        finally:  # the profile shapes every figure: nothing cached for the account still holds
            self.invalidate(account_number)
        return _parse(Onboarding, data, "onboard")

    # --- consumption ------------------------------------------------------------------------------

    async def consumption(
        self, account_number: str, period: Period | str, *, fresh: bool = False
    ) -> Consumption:
        """Energy by interval and appliance over `period` (Wh)."""
        path = f"/users/{_account(account_number)}/consumption/{_period(period)}"
        return await self._read("consumption", path, Consumption, account_number, fresh)

    async def totals(
        self, account_number: str, period: Period | str, *, fresh: bool = False
    ) -> ConsumptionTotals:
        """Energy by appliance over `period`, with the previous period for comparison."""
        path = f"/users/{_account(account_number)}/consumption/{_period(period)}/totals"
        return await self._read("totals", path, ConsumptionTotals, account_number, fresh)

    async def realtime(self, account_number: str, *, fresh: bool = False) -> Realtime:
        """The power drawn right now (W); cached for a few seconds."""
        path = f"/users/{_account(account_number)}/consumption/realtime"
        return await self._read("realtime", path, Realtime, account_number, fresh)

    async def latest(self, account_number: str, *, fresh: bool = False) -> LatestConsumption:
        """Power over the last six hours (W)."""
        path = f"/users/{_account(account_number)}/consumption/latest"
        return await self._read("latest", path, LatestConsumption, account_number, fresh)

    async def performance(
        self, account_number: str, period: Period | str, *, fresh: bool = False
    ) -> Performance:
        """The account's energy over `period` against similar homes."""
        path = f"/users/{_account(account_number)}/consumption/{_period(period)}/performance"
        return await self._read("performance", path, Performance, account_number, fresh)

    async def habits(
        self, account_number: str, period: Period | str, *, fresh: bool = False
    ) -> Habits:
        """Mean energy per weekday and hour over `period`."""
        path = f"/users/{_account(account_number)}/consumption/{_period(period)}/habits"
        return await self._read("habits", path, Habits, account_number, fresh)

    # --- analytics, saving, greenness -------------------------------------------------------------

    async def trend(self, account_number: str, *, fresh: bool = False) -> Trend:
        """The last 12 months by tariff band F1/F2/F3."""
        path = f"/users/{_account(account_number)}/analytics/trend"
        return await self._read("trend", path, Trend, account_number, fresh)

    async def distribution(self, account_number: str, *, fresh: bool = False) -> Distribution:
        """The last 12 months by appliance."""
        path = f"/users/{_account(account_number)}/analytics/distribution"
        return await self._read("distribution", path, Distribution, account_number, fresh)

    async def compound(self, account_number: str, *, fresh: bool = False) -> Compound:
        """The last 12 months, month by appliance."""
        path = f"/users/{_account(account_number)}/analytics/compound"
        return await self._read("compound", path, Compound, account_number, fresh)

    async def saving(self, account_number: str, *, fresh: bool = False) -> Saving:
        """The last 30 days: bands, baseload and flexible appliances."""
        path = f"/users/{_account(account_number)}/saving"
        return await self._read("saving", path, Saving, account_number, fresh)

    async def greenness(self, *, fresh: bool = False) -> Greenness:
        """Today's renewable share and best green windows; cached until its day ends."""
        return await self._read("greenness", "/greenness", Greenness, None, fresh)

    # --- cache control and shutdown ---------------------------------------------------------------

    def invalidate(self, account_number: str | None = None) -> None:
        """Forget cached reads of one account, or of everything when no account is given."""
        if account_number is None:
            self._cache.clear()
        else:
            self._cache.invalidate(account_number.strip())

    async def aclose(self) -> None:
        """Cancel requests still in flight; the injected httpx client is the caller's to close."""
        await self._reads.aclose()
        await self._tokens.aclose()

    async def __aenter__(self) -> DigiwattClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # --- reads: cache, then one shared upstream request -------------------------------------------

    async def _read(
        self, endpoint: str, path: str, model: type[M], account: str | None, fresh: bool
    ) -> M:
        scope = account.strip() if account is not None else None
        if not fresh:
            cached = self._cache.get(scope, path)
            if cached is not MISSING:
                self.stats.cache_hits[endpoint] += 1
                return cached
        generation = self._cache.generation(scope)
        key = (scope, path, generation)
        if key in self._reads:
            self.stats.coalesced[endpoint] += 1

        async def fetch() -> M:
            data = await self._call("GET", path, endpoint=endpoint)
            value = _parse(model, data, endpoint)
            ttl = self._ttl(endpoint, value)
            self._cache.put(scope, path, value, ttl=ttl, generation=generation)
            return value

        return await self._reads.run(key, fetch)

    def _ttl(self, endpoint: str, value: pydantic.BaseModel) -> float:
        ttl = self._cache_policy.ttl(endpoint)
        if isinstance(value, Greenness):
            # Greenness describes one day: it must not outlive that day's midnight.
            left = _seconds_until_day_ends(value.date, value.timezone, self._now())
            if left is not None:
                ttl = min(ttl, left) if left > 0 else min(ttl, 60.0)
        return ttl

    # --- one call: token, retries, one renewal on 401, error mapping ------------------------------

    async def _call(
        self, method: str, path: str, *, endpoint: str, json: pydantic.BaseModel | None = None
    ) -> Any:
        """Send an authorised request and return the envelope's `data`, or raise a DigiwattError."""
        idempotent = method in {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}
        content = None if json is None else json.model_dump(mode="json")
        try:
            async with asyncio.timeout(self._retry.total_timeout):
                deadline = self._clock() + self._retry.total_timeout
                token = await self._tokens.get()
                response = await self._send(
                    method, path, endpoint=endpoint, idempotent=idempotent, deadline=deadline,
                    headers={"Authorization": token.authorization}, json=content,
                )  # fmt: skip
                if response.status_code == 401:
                    token = await self._renew(token)
                    response = await self._send(
                        method, path, endpoint=endpoint, idempotent=idempotent, deadline=deadline,
                        headers={"Authorization": token.authorization}, json=content,
                    )  # fmt: skip
        except TimeoutError:
            raise Unavailable(
                f"Digiwatt did not answer within {self._retry.total_timeout:g} s"
            ) from None
        return _data(response, endpoint)

    async def _renew(self, rejected: BearerToken) -> BearerToken:
        log.debug("Digiwatt refused the token: renewing it once")
        token, dropped = await self._tokens.renew(rejected)
        self.stats.token_refreshes += dropped
        return token

    async def _send(
        self,
        method: str,
        path: str,
        *,
        endpoint: str,
        idempotent: bool,
        deadline: float,
        **kwargs: Any,
    ) -> httpx.Response:
        """One request with retries; returns the first answer that is not worth retrying."""
        retry = 0
        while True:
            retry_after: float | None = None
            started = self._clock()
            try:
                response = await self._http.request(method, path, **kwargs)
            except httpx.TimeoutException as exc:
                self.stats.upstream[(endpoint, TIMEOUT)] += 1
                failure: DigiwattError = Unavailable(
                    f"Digiwatt did not answer in time ({type(exc).__name__})"
                )
            except httpx.HTTPError as exc:
                self.stats.upstream[(endpoint, TRANSPORT_ERROR)] += 1
                failure = Unavailable(f"Digiwatt could not be reached ({type(exc).__name__})")
            else:
                status = response.status_code
                self.stats.upstream[(endpoint, status)] += 1
                log.debug(
                    "Digiwatt %s %s -> %d in %.0f ms",
                    method, path, status, (self._clock() - started) * 1000,
                )  # fmt: skip
                if status not in RETRYABLE_STATUSES:
                    return response
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                failure = _error(response)
            retry += 1
            delay = (
                retry_after if retry_after is not None else self._retry.backoff(retry, self._rng)
            )
            if (
                not idempotent
                or retry >= self._retry.max_attempts
                or self._clock() + delay > deadline
            ):
                raise failure
            self.stats.retries[endpoint] += 1
            log.debug("Digiwatt %s %s: %s; retry in %.2f s", method, path, failure.message, delay)
            await self._sleep(delay)

    async def _request_token(self) -> TokenResponse:
        """POST /auth/token; safe to retry, since asking twice only yields two valid tokens."""
        form = {
            "client_id": self._client_id,
            "client_secret": self._client_secret.get_secret_value(),
            "grant_type": "client_credentials",
        }
        try:
            async with asyncio.timeout(self._retry.total_timeout):
                deadline = self._clock() + self._retry.total_timeout
                response = await self._send(
                    "POST", "/auth/token", endpoint="token", idempotent=True, deadline=deadline,
                    data=form,
                )  # fmt: skip
        except TimeoutError:
            raise Unavailable("Digiwatt's token endpoint did not answer in time") from None
        status = response.status_code
        if status in {400, 401, 403}:
            body = _error_body(response)
            raise AuthError(
                "Digiwatt refused the client credentials",
                status=status,
                code=body.code if body else None,
            )
        if not 200 <= status < 300:
            raise Unavailable(f"Digiwatt's token endpoint answered HTTP {status}", status=status)
        payload = _json(response, "token")
        # The docs give the token response without the envelope; accept it wrapped too.
        if isinstance(payload, dict) and "access_token" not in payload:
            payload = payload.get("data", payload)
        return _parse(TokenResponse, payload, "token")


@asynccontextmanager
async def open_client(
    base_url: str | object, *, client_id: str, client_secret: SecretStr, **options: Any
) -> AsyncIterator[DigiwattClient]:
    """A DigiwattClient with its own httpx client, both closed on exit."""
    async with (
        create_http_client(base_url) as http,
        DigiwattClient(http, client_id=client_id, client_secret=client_secret, **options) as client,
    ):
        yield client


# --- boundary helpers -----------------------------------------------------------------------------


def _account(account_number: str) -> str:
    """The account as a URL path segment; refused locally when it cannot be an account number."""
    value = account_number.strip() if isinstance(account_number, str) else ""
    if not ACCOUNT_NUMBER_PATTERN.fullmatch(value):
        raise ValidationError(
            "invalid account number",
            fields={"account_number": "4 to 32 letters, digits or dashes"},
        )
    return quote(value, safe="")


def _period(period: Period | str) -> str:
    try:
        return Period(period).value
    except ValueError:
        allowed = ", ".join(p.value for p in Period)
        raise ValidationError(
            f"unknown period {period!r}", fields={"period": f"one of {allowed}"}
        ) from None


def _build(model: type[M], **values: Any) -> M:
    """Validate a request body locally, turning pydantic's error into ours."""
    try:
        return model.model_validate(values)
    except pydantic.ValidationError as exc:
        fields = {
            ".".join(str(part) for part in error["loc"]) or "body": error["msg"].removeprefix(
                "Value error, "
            )
            for error in exc.errors()
        }
        raise ValidationError("invalid request", fields=fields) from None


def _parse(model: type[M], data: Any, endpoint: str) -> M:
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        where = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors()[:5])
        log.warning("Digiwatt %s response has an unexpected shape at %s", endpoint, where)
        raise Unavailable(f"Digiwatt sent an unexpected {endpoint} response") from None


def _json(response: httpx.Response, endpoint: str) -> Any:
    try:
        return response.json()
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        raise Unavailable(
            f"Digiwatt sent a {endpoint} response that is not JSON", status=response.status_code
        ) from None


def _data(response: httpx.Response, endpoint: str) -> Any:
    """The envelope's `data` of a 2xx answer; any other answer raised as its DigiwattError."""
    if not 200 <= response.status_code < 300:
        raise _error(response)
    payload = _json(response, endpoint)
    if not isinstance(payload, dict) or "data" not in payload:
        raise Unavailable(
            f"Digiwatt sent a {endpoint} response without data", status=response.status_code
        )
    return payload["data"]


def _error_body(response: httpx.Response) -> ErrorBody | None:
    try:
        return ErrorEnvelope.model_validate(response.json()).error
    except (ValueError, pydantic.ValidationError):
        return None


def _error(response: httpx.Response) -> DigiwattError:
    """The exception for a non-2xx answer, with the envelope's code, message and field errors."""
    status = response.status_code
    body = _error_body(response)
    message = body.message if body else f"Digiwatt answered HTTP {status}"
    code = body.code if body else None
    if status in {401, 403}:
        return AuthError(message, status=status, code=code)
    if status == 404:
        return NotFound(message, status=status, code=code)
    if status == 409:
        return Conflict(message, status=status, code=code)
    if status in {400, 422}:
        fields = {f.field: f.message for f in body.fields} if body else {}
        return ValidationError(message, fields=fields, status=status, code=code)
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimited(message, retry_after=retry_after, status=status, code=code)
    if status >= 500 or status < 400:  # a redirect means a wrong base URL or a broken proxy
        return Unavailable(message, status=status, code=code)
    return DigiwattError(message, status=status, code=code)  # a 4xx we do not know: our bug


def _seconds_until_day_ends(day: date, zone: str, now: datetime) -> float | None:
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    midnight = datetime.combine(day + timedelta(days=1), clock_time.min, tzinfo=tz)
    return (midnight - now).total_seconds()
