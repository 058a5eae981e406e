"""Local stand-ins for trying and testing the bot offline: a Telegram Bot API server (and later its web chat).

`create_app(PlaygroundConfig(...))` gives the Starlette app; `playground.server.run_in_thread` serves it;
`playground.client.PlaygroundClient` drives the simulated users through the control API under `/_playground`.
"""

from playground.app import create_app
from playground.config import BotIdentity, PlaygroundConfig

__all__ = ["BotIdentity", "PlaygroundConfig", "create_app"]
