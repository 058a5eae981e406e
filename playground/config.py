"""What a playground serves: which bots exist and how Telegram-like its limits are."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BotIdentity:
    """One bot the server accepts: its token (`<bot id>:<secret>`, as from @BotFather) and profile."""

    token: str
    username: str
    first_name: str = "Digiwatt"
    # Telegram's default: in groups the bot sees only commands, replies to it and mentions of it.
    privacy_mode: bool = True

    @property
    def id(self) -> int:
        """The bot's user id, which Telegram puts before the colon of the token."""
        return int(self.token.split(":", 1)[0])

    def __post_init__(self) -> None:
        bot_id, _, secret = self.token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("a bot token looks like '123456:secret'")
        if not self.username.lower().endswith("bot"):
            raise ValueError("Telegram bot usernames end with 'bot'")


@dataclass(frozen=True)
class PlaygroundConfig:
    """Server-wide settings; the defaults are Telegram's own numbers where Telegram has them."""

    bots: list[BotIdentity] = field(
        # A made-up token: the playground is offline and accepts only the tokens it is given.
        default_factory=lambda: [
            BotIdentity(token="123456:playground", username="digiwatt_demo_bot")  # noqa: S106
        ]
    )
    # Seconds within which a callback query can be answered; Telegram's clients give up after ~15.
    callback_answer_timeout: float = 15.0
    # How long a chat action ("typing") shows, as in Telegram's clients.
    chat_action_seconds: float = 5.0
    # Upper bound of getUpdates' timeout; Telegram accepts up to 50.
    max_poll_timeout: float = 50.0
    # Webhook delivery: time allowed to the receiver and the pause before retrying a failed update.
    webhook_timeout: float = 10.0
    webhook_retry_delay: float = 0.5
    # Telegram wants HTTPS on ports 443/80/88/8443; locally there is no certificate to offer.
    allow_http_webhooks: bool = True
    # Calls kept for the control API (the oldest are dropped first).
    max_recorded_calls: int = 20_000

    def __post_init__(self) -> None:
        if not self.bots:
            raise ValueError("a playground needs at least one bot")
        names = [b.username.lower() for b in self.bots]
        if len(set(names)) != len(names) or len({b.id for b in self.bots}) != len(self.bots):
            raise ValueError("bot ids and usernames must be unique")
