"""The client's exception tree: every httpx error is turned into one of these at the boundary."""

from __future__ import annotations


class DigiwattError(Exception):
    """Base of every error the Digiwatt client raises."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class AuthError(DigiwattError):
    """The client credentials were refused, or a fresh token was refused too."""


class NotFound(DigiwattError):
    """The account (or another resource) does not exist at Digiwatt."""


class Conflict(DigiwattError):
    """The resource already exists, e.g. a user created twice."""


class ValidationError(DigiwattError):
    """The request was refused field by field; `fields` maps each field to its message."""

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.fields = fields or {}


class RateLimited(DigiwattError):
    """Too many requests, still after the retries; `retry_after` is in seconds when known."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class Unavailable(DigiwattError):
    """Digiwatt could not be reached or answered 5xx, timed out or sent nonsense."""
