"""The client secret and the bearer tokens never reach a log line, an exception or a repr."""

from __future__ import annotations

import logging

import httpx
import pytest

from bot.digiwatt.auth import BearerToken
from bot.digiwatt.client import DigiwattClient
from bot.digiwatt.errors import DigiwattError
from tests.unit.digiwatt.fake import ACCOUNT, CLIENT_SECRET, FakeDigiwatt, error

SECRETS = [CLIENT_SECRET, "tok-1-opaque", "tok-2-opaque", "Bearer "]


async def test_secret_and_tokens_stay_out_of_debug_logs_and_errors(
    client: DigiwattClient, fake: FakeDigiwatt, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx included
    fake.on(
        "GET",
        f"/users/{ACCOUNT}/consumption/realtime",
        lambda r: httpx.Response(503),
        lambda r: None,
    )
    await client.realtime(ACCOUNT)  # a token request and a retry
    fake.revoke_all()
    await client.trend(ACCOUNT)  # a 401, a renewal, a second token
    assert fake.issued == 2

    raised: list[str] = []
    fake.on("GET", "/greenness", lambda r: httpx.Response(200, text="garbage"))
    fake.on("GET", "/users/ACC-9/saving", lambda r: error(404, "nope", "No such account"))
    fake.on("POST", "/auth/token", lambda r: httpx.Response(401))
    for call in (client.greenness, lambda: client.saving("ACC-9"), _refused_renewal(client, fake)):
        with pytest.raises(DigiwattError) as caught:
            await call()
        raised.append(f"{caught.value!r} {caught.value}")

    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert "Digiwatt GET" in logged  # the debug lines were really captured
    for text in (logged, *raised, repr(client)):
        for secret in SECRETS:
            assert secret not in text


def _refused_renewal(client: DigiwattClient, fake: FakeDigiwatt):
    async def call() -> None:
        fake.revoke_all()
        await client.saving(ACCOUNT)  # 401, then the token endpoint refuses: AuthError

    return call


def test_token_repr_hides_the_header() -> None:
    token = BearerToken("Bearer tok-1-opaque", expires_at=5.0)
    assert "tok-1-opaque" not in repr(token)
    assert "5.0" in repr(token)
