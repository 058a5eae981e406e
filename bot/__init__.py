"""digiwatt-bot: a Telegram assistant for the customers of energy companies on the Digiwatt API."""

__version__ = "0.1.0"
