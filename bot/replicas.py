"""Several bot processes on one PostgreSQL: each update sees what the others wrote.

python-telegram-bot keeps conversation states in memory, loaded once at start-up, and writes
user_data, chat_data and states back every `update_interval`. With replicas behind a load
balancer the next step of a conversation may reach another process, so around every update
that has a chat, `SharedState.process`:
1. takes a PostgreSQL advisory lock for the chat (transaction-scoped: it goes away with the
   transaction even if the process dies), so one chat's updates run one at a time across all
   processes, as PerChatUpdateProcessor does within one;
2. re-reads, on the lock's connection, the chat's conversation states from
   `ptb_conversations` into every persistent ConversationHandler (the small hack: PTB has no
   public way to do it; see `_set_state`), and the user's and chat's data, which PTB then
   takes through DatabasePersistence.refresh_*;
3. reads the chat row and its link on the same connection into the process' chat cache
   (bot/known_chats.py), for this update only: it is forgotten when the update ends;
4. runs the handlers, then writes this update's chat data, user data and states before the
   lock is released (`write_back`), so the next process to get the chat reads them.
Callback data need nothing: buttons carry plain strings, validated by the handlers.
Alerts need nothing either: claims in storage make each one go out once.

Known limit: a ConversationHandler's `conversation_timeout` is a job of the process that
received the step; a step answered by another process does not cancel it, so such a
conversation may end up to one timeout earlier than in a single process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import asynccontextmanager
from copy import deepcopy
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from telegram import Update
from telegram.ext import Application, BaseHandler, ConversationHandler
from telegram.ext._handlers.conversationhandler import PendingState
from telegram.ext._utils.types import ConversationKey

from bot.known_chats import KnownChats, known_chat, known_chats
from bot.settings import SettingsError
from bot.update_processor import _chat_key
from storage.db import create_engine, is_postgresql
from storage.models import AccountLink, Chat
from storage.persistence import DatabasePersistence

log = logging.getLogger(__name__)

# pg_advisory_xact_lock(int4, int4) key space of chat locks ("dgwc"); storage.migrate uses the
# one-key (int8) space, which does not overlap.
_LOCK_CLASS = 0x64677763


def lock_key(chat_id: int) -> int:
    """The chat id folded into a signed 32-bit int (a collision only serialises two chats)."""
    folded = (chat_id ^ (chat_id >> 32)) & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= 1 << 31 else folded


def persistent_conversations(application: Application) -> list[ConversationHandler]:
    """Every persistent, named ConversationHandler, nested ones included."""
    found: list[ConversationHandler] = []

    def walk(handler: BaseHandler) -> None:
        if isinstance(handler, ConversationHandler):
            if handler.persistent and handler.name:
                found.append(handler)
            for child in handler._child_conversations:  # PTB's record of nested conversations
                walk(child)

    for group in application.handlers.values():
        for handler in group:
            walk(handler)
    return found


def _keys(handlers: list[ConversationHandler], update: Update) -> Iterator[tuple[Any, Any]]:
    for handler in handlers:
        try:
            yield handler, handler._get_key(update)  # the key PTB itself would use
        except (RuntimeError, AttributeError):  # no chat, no user or no message to key on
            continue


def _set_state(handler: ConversationHandler, key: ConversationKey, state: object | None) -> None:
    """Put a state read from the database into the handler, untracked: it needs no writing back.

    `_conversations` is the TrackingDict PTB reads in check_update and writes back from in
    update_persistence; `update_no_track` is what PTB uses itself when it loads persistence.
    """
    conversations = handler._conversations
    if state is None or state == ConversationHandler.END:
        conversations.data.pop(key, None)  # ended (or never begun) in another process
    else:
        conversations.update_no_track({key: state})


class SharedState:
    """Per-update refresh and write-back for one Application among several on one database."""

    def __init__(self, application: Application, *, pool_size: int) -> None:
        persistence = application.persistence
        if not isinstance(persistence, DatabasePersistence):
            raise TypeError("replicas need the DatabasePersistence")
        settings = application.bot_data.settings
        if not is_postgresql(settings.database_url):
            raise SettingsError(
                "Configuration error: MULTI_REPLICA=true needs a PostgreSQL DATABASE_URL "
                "(postgresql+asyncpg://...): SQLite cannot be shared by several machines."
            )
        self.application = application
        self.persistence = persistence
        persistence.shared = True
        # Lock holders keep a connection for the whole update: their own pool, one per update
        # slot, so they never starve the handlers' short transactions.
        self._lock_engine: AsyncEngine = create_engine(
            settings.database_url, pool_size=pool_size, max_overflow=0
        )
        self._conversations: list[ConversationHandler] | None = None
        _chain_shutdown(application, self.aclose)

    @property
    def conversations(self) -> list[ConversationHandler]:
        if self._conversations is None:  # handlers are all registered by the first update
            self._conversations = persistent_conversations(self.application)
        return self._conversations

    async def aclose(self) -> None:
        await self._lock_engine.dispose()

    async def process(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers between a refresh from and a write to the database."""
        chat_id = _chat_key(update)
        if chat_id is None or not isinstance(update, Update):
            await coroutine
            return
        user = update.effective_user
        user_id = user.id if user is not None else None
        try:
            async with self.chat_lock(chat_id) as connection:
                keyed = list(_keys(self.conversations, update))
                # On the lock's connection, in its transaction: one round trip per table, no
                # transactions of their own (each cost three round trips more).
                states = await self.persistence.read_for_update(
                    connection,
                    ((handler.name, key) for handler, key in keyed),
                    user_id=user_id,
                    chat_id=chat_id,
                )
                for handler, key in keyed:
                    _set_state(handler, key, states.get((handler.name, key)))
                cache = known_chats(self.application.bot_data)
                await self._load_chat(connection, chat_id, cache)
                try:
                    await coroutine
                finally:
                    cache.forget(chat_id)  # what another replica changes next must be read again
                    self.persistence.discard_prefetched(user_id=user_id, chat_id=chat_id)
                    await self.write_back(update, keyed)
        finally:
            # Not awaited when the lock or the refresh failed: close it, or Python warns.
            close = getattr(coroutine, "close", None)
            if close is not None:
                close()

    @asynccontextmanager
    async def chat_lock(self, chat_id: int) -> AsyncIterator[AsyncConnection]:
        """Hold the chat's advisory lock until the block ends (the transaction releases it)."""
        async with self._lock_engine.connect() as connection, connection.begin():
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:cls, :key)"),
                {"cls": _LOCK_CLASS, "key": lock_key(chat_id)},
            )
            yield connection

    @staticmethod
    async def _load_chat(connection: AsyncConnection, chat_id: int, cache: KnownChats) -> None:
        """The chat row and its link, read with the lock held, in the process' cache for this
        update only: the pre-handler and every account feature then read nothing more."""
        row = (
            await connection.execute(
                select(
                    Chat.user_id,
                    Chat.client_language,
                    Chat.language,
                    Chat.blocked,
                    AccountLink.account_number,
                    AccountLink.pod,
                    AccountLink.linked_at,
                )
                .select_from(Chat)
                .outerjoin(AccountLink, AccountLink.chat_id == Chat.id)
                .where(Chat.id == chat_id)
            )
        ).first()
        cache.forget(chat_id)
        if row is None:
            cache.remember_link(chat_id, None)  # no chat row, no link
            return
        known = known_chat(row)
        if known is not None:  # a blocked one is written again by the pre-handler
            cache.remember(chat_id, known)
        link = None
        if row.account_number is not None:
            link = AccountLink(
                chat_id=chat_id,
                account_number=row.account_number,
                pod=row.pod,
                linked_at=row.linked_at,
            )
        cache.remember_link(chat_id, link)

    async def write_back(self, update: Update, keyed: list[tuple[Any, Any]]) -> None:
        """Store this update's chat data, user data and conversation states now.

        Only this update's slots, not `Application.update_persistence()`: that one writes every
        chat's changes under one application-wide lock, which would make each update wait for
        all the others. PTB's own periodic write still runs; finding these slots unchanged, the
        persistence skips them."""
        persistence, app = self.persistence, self.application
        writes = []
        chat, user = update.effective_chat, update.effective_user
        if chat is not None and persistence.store_data.chat_data and chat.id in app.chat_data:
            writes.append(persistence.update_chat_data(chat.id, deepcopy(app.chat_data[chat.id])))
        if user is not None and persistence.store_data.user_data and user.id in app.user_data:
            writes.append(persistence.update_user_data(user.id, deepcopy(app.user_data[user.id])))
        for handler, key in keyed:
            state = handler._conversations.get(key)
            if isinstance(state, PendingState):  # a non-blocking handler: PTB writes it later
                continue
            writes.append(persistence.update_conversation(handler.name, key, state))
        await asyncio.gather(*writes)


def _chain_shutdown(application: Application, closer: Any) -> None:
    """Run `closer` after the Application's own post_shutdown."""
    previous = application.post_shutdown

    async def post_shutdown(app: Application) -> None:
        try:
            if previous is not None:
                await previous(app)
        finally:
            await closer()

    application.post_shutdown = post_shutdown
