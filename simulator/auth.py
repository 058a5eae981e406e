"""Bearer tokens for the simulator: the client-credentials endpoint and the check on every call."""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulator.errors import ApiError, invalid
from simulator.state import SimulatorState

Handler = Callable[[Request], Awaitable[Response]]


def _state(request: Request) -> SimulatorState:
    return request.app.state.sim


def _unauthorized(code: str, message: str) -> ApiError:
    # RFC 6750 §3: no error attribute when the request carried no token at all.
    challenge = 'Bearer realm="digiwatt"'
    if code != "missing_token":
        challenge += f', error="invalid_token", error_description="{message}"'
    return ApiError(401, code, message, headers={"WWW-Authenticate": challenge})


def _authorize(request: Request) -> None:
    header = request.headers.get("authorization")
    if not header:
        raise _unauthorized("missing_token", "Send Authorization: Bearer <access_token>")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("invalid_token", "Send Authorization: Bearer <access_token>")
    status = _state(request).token_status(token.strip())
    if status == "expired":
        raise _unauthorized("token_expired", "The access token has expired; get a new one")
    if status != "valid":
        raise _unauthorized("invalid_token", "Unknown access token")


def authenticated(handler: Handler) -> Handler:
    async def wrapper(request: Request) -> Response:
        _authorize(request)
        return await handler(request)

    wrapper.__name__ = handler.__name__
    wrapper.__doc__ = handler.__doc__
    return wrapper


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return client_id, secret


async def token(request: Request) -> Response:
    """OAuth2 client credentials: form fields (or HTTP Basic) in, a bearer token out."""
    state = _state(request)
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    basic = _basic_credentials(request)
    client_id, client_secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
    fields = []
    if form.get("grant_type", "client_credentials") != "client_credentials":
        fields.append(("grant_type", "only client_credentials is supported"))
    if not client_id:
        fields.append(("client_id", "required"))
    if not client_secret:
        fields.append(("client_secret", "required"))
    if fields:
        raise invalid(fields)
    config = state.config
    good_id = secrets.compare_digest(client_id.encode(), config.client_id.encode())
    expected = config.client_secret.get_secret_value().encode()
    good_secret = secrets.compare_digest(client_secret.encode(), expected)
    if not (good_id and good_secret):
        raise ApiError(401, "invalid_client", "Unknown client id or wrong client secret")
    body = {
        "access_token": state.issue_token(),
        "expires_in": config.token_lifetime,
        "token_type": "Bearer",
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
