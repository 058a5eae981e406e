"""The table of Bot API methods: each is an async function of (context, params) returning `result`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from playground.botapi.limits import Limits
from playground.botapi.params import Params
from playground.world.bots import BotState
from playground.world.state import World


@dataclass(frozen=True)
class Context:
    """What a method needs: the world, the calling bot, the limits and where webhooks go."""

    world: World
    bot: BotState
    limits: Limits
    webhooks: Any  # playground.botapi.webhook.WebhookDelivery (kept loose to avoid a cycle)


Method = Callable[[Context, Params], Awaitable[Any]]
# Lowercased name -> (the name as the Bot API documents it, the method).
METHODS: dict[str, tuple[str, Method]] = {}


def method(name: str) -> Callable[[Method], Method]:
    """Register a method under its Bot API name (matched case-insensitively, as Telegram does)."""

    def register(func: Method) -> Method:
        METHODS[name.lower()] = (name, func)
        return func

    return register
