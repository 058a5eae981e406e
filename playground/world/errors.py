"""Refusals of the simulated world: what a Telegram app would not let a user do."""

from __future__ import annotations


class WorldError(ValueError):
    """A control-API request that cannot happen in Telegram (unknown user, no such button...)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
