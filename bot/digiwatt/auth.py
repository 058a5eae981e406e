"""The OAuth2 bearer token: fetched once, shared by every request, renewed shortly before it expires."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.digiwatt.cache import SingleFlight
from bot.digiwatt.models import TokenResponse

# Renew this long before the announced expiry (capped at a tenth of the lifetime), so a request
# never leaves with a token that dies on the way.
EXPIRY_MARGIN_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class BearerToken:
    """An Authorization header value; kept out of repr so it cannot end up in a log."""

    authorization: str = field(repr=False)
    expires_at: float


class TokenCache:
    """Hands out a valid token; concurrent callers that find none share one token request."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[TokenResponse]],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._token: BearerToken | None = None
        self._flight: SingleFlight[BearerToken] = SingleFlight()

    async def get(self) -> BearerToken:
        token = self._token
        if token is not None and self._clock() < token.expires_at:
            return token
        return await self._flight.run("token", self._obtain)

    async def renew(self, rejected: BearerToken) -> tuple[BearerToken, bool]:
        """After a 401: drop the rejected token unless a newer one already replaced it.

        Returns the token to use and whether this call dropped the rejected one.
        """
        dropped = self._token is rejected
        if dropped:
            self._token = None
        return await self.get(), dropped

    async def _obtain(self) -> BearerToken:
        asked_at = self._clock()  # the lifetime counts from the request, not from the answer
        response = await self._fetch()
        lifetime = float(response.expires_in)
        margin = min(EXPIRY_MARGIN_SECONDS, lifetime / 10)
        # RFC 6749 token types are case-insensitive; servers answer "bearer" as often as "Bearer".
        scheme = "Bearer" if response.token_type.lower() == "bearer" else response.token_type
        self._token = BearerToken(f"{scheme} {response.access_token}", asked_at + lifetime - margin)
        return self._token

    async def aclose(self) -> None:
        await self._flight.aclose()
