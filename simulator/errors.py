"""The one error envelope the simulator answers with, and its exception handlers."""

from __future__ import annotations

import logging

from pydantic import ValidationError as PydanticValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

log = logging.getLogger(__name__)

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


class ApiError(Exception):
    """Raised by a route; becomes {"status": N, "error": {"code", "message", "fields"}}."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or []
        self.headers = headers


def error_response(error: ApiError) -> JSONResponse:
    body = {
        "status": error.status,
        "error": {
            "code": error.code,
            "message": error.message,
            "fields": [{"field": f, "message": m} for f, m in error.fields],
        },
    }
    return JSONResponse(body, status_code=error.status, headers=error.headers)


def invalid(fields: list[tuple[str, str]]) -> ApiError:
    """A 422 naming each bad field."""
    names = ", ".join(dict.fromkeys(f for f, _ in fields))
    return ApiError(422, "validation_error", f"Invalid request: check {names}", fields)


# A regular expression is no message for a person: say what the pattern means.
_PATTERN_MESSAGES = {
    "account_number": "4 to 32 letters, digits or dashes",
    "house.province": "two capital letters, e.g. MI or RM",
}


def pydantic_fields(error: PydanticValidationError) -> list[tuple[str, str]]:
    """pydantic's errors as (dotted field, message), e.g. ("house.dimesion", "...")."""
    fields = []
    for item in error.errors(include_url=False):
        name = ".".join(str(part) for part in item["loc"]) or "body"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "string_pattern_mismatch":
            message = _PATTERN_MESSAGES.get(name, message)
        fields.append((name, message))
    return fields


async def handle_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def handle_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = "No such operation" if exc.status_code == 404 else str(exc.detail)
    return error_response(ApiError(exc.status_code, code, message, headers=exc.headers))


async def handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("simulator error on %s %s", request.method, request.url.path)
    return error_response(ApiError(500, "internal_error", "Internal error"))
