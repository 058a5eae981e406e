"""The typed context every handler receives: shared resources and the user's language.

Handlers read `context.resources.digiwatt` rather than string keys in `bot_data`, and
`context.lang` / `context._` rather than working the language out each time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.i18n import DEFAULT_LANGUAGE, negotiate, translator

if TYPE_CHECKING:
    import httpx
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from bot.charts import ChartRenderer
    from bot.digiwatt.client import DigiwattClient
    from bot.settings import Settings


@dataclass
class Resources:
    """What the Application shares between updates; created in post_init, closed in post_shutdown.

    It stands where PTB keeps `bot_data`, which is therefore not persisted: nothing in it is
    user state.
    """

    settings: Settings | None = None
    engine: AsyncEngine | None = None
    sessionmaker: async_sessionmaker[AsyncSession] | None = None
    http: httpx.AsyncClient | None = None
    digiwatt: DigiwattClient | None = None
    renderer: ChartRenderer | None = None
    owns_renderer: bool = True  # False when the caller passed a started, shared renderer
    bot_username: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class BotContext(CallbackContext[ExtBot[None], dict, dict, Resources]):
    """CallbackContext with typed access to resources and the language of the update's user."""

    def __init__(
        self, application: Application, chat_id: int | None = None, user_id: int | None = None
    ):
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._lang: str | None = None

    @property
    def chat_id(self) -> int | None:
        """The chat of the update this context serves (None for a job or a chat-less update)."""
        return self._chat_id

    @property
    def resources(self) -> Resources:
        return self.bot_data

    @property
    def settings(self) -> Settings:
        assert self.bot_data.settings is not None
        return self.bot_data.settings

    @property
    def lang(self) -> str:
        """The chat's chosen language, else the Telegram client's, else English."""
        return self._lang or DEFAULT_LANGUAGE

    @lang.setter
    def lang(self, value: str | None) -> None:
        self._lang = negotiate(value) if value else None

    def _(self, message: str) -> str:
        """`message` translated into the user's language."""
        return translator(self.lang)(message)


CONTEXT_TYPES = ContextTypes(context=BotContext, bot_data=Resources)
