"""Several bot processes on one PostgreSQL: each update sees what the others wrote.

python-telegram-bot keeps conversation states in memory, loaded once at start-up, and writes
user_data, chat_data and states back every `update_interval`. With replicas behind a load
balancer the next step of a conversation may reach another process, so around every update
that has a chat, `SharedState.process`:
1. takes a PostgreSQL advisory lock for the chat (transaction-scoped: it goes away with the
   transaction even if the process dies), so one chat's updates run one at a time across all
   processes, as PerChatUpdateProcessor does within one (storage/chat_lock.py);
2. reads, on the lock's connection and in one statement, the chat's conversation states,
   put into every persistent ConversationHandler (the small hack: PTB has no public way to do
   it; see `_set_state`), the user's and chat's data, which PTB then takes through
   DatabasePersistence.refresh_*, and the chat row with its link and alert subscription, put
   in the process' chat cache (bot/known_chats.py) for this update only: it is forgotten when
   the update ends;
3. runs the handlers, then writes this update's chat data, user data and states before the
   lock is released (`write_back`), so the next process to get the chat reads them.
Callback data need nothing: buttons carry plain strings, validated by the handlers.
Alerts need nothing either: claims in storage make each one go out once.

Known limit: a ConversationHandler's `conversation_timeout` is a job of the process that
received the step; a step answered by another process does not cancel it, so such a
conversation may end up to one timeout earlier than in a single process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterator
from copy import deepcopy
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler, ConversationHandler
from telegram.ext._handlers.conversationhandler import PendingState
from telegram.ext._utils.types import ConversationKey

from bot.known_chats import KnownChats, known_chat, known_chats, use_per_update_chats
from bot.settings import SettingsError
from bot.update_processor import _chat_key
from storage.chat_lock import ChatLocks, ChatState
from storage.db import is_postgresql
from storage.persistence import DatabasePersistence, conversation_key


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
        use_per_update_chats(application.bot_data)  # process() fills and empties it
        # One lock connection per update slot (storage/chat_lock.py), opened by initialize().
        self.locks = ChatLocks(settings.database_url, pool_size=pool_size)
        self._conversations: list[ConversationHandler] | None = None

    async def initialize(self) -> None:
        await self.locks.open()

    async def shutdown(self) -> None:
        await self.locks.aclose()

    @property
    def conversations(self) -> list[ConversationHandler]:
        if self._conversations is None:  # handlers are all registered by the first update
            self._conversations = persistent_conversations(self.application)
        return self._conversations

    async def process(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers between a refresh from and a write to the database."""
        chat_id = _chat_key(update)
        if chat_id is None or not isinstance(update, Update):
            await coroutine
            return
        user = update.effective_user
        user_id = user.id if user is not None else None
        try:
            keyed = list(_keys(self.conversations, update))
            async with self.locks.hold(chat_id) as locked:
                stored = await locked.read(
                    user_id=user_id,
                    conversations=[(handler.name, conversation_key(key)) for handler, key in keyed],
                )
                persistence = self.persistence
                persistence.prefetch(
                    user=None if user_id is None else (user_id, stored.user_data),
                    chat=(chat_id, stored.chat_data),
                )
                states = persistence.adopt_conversations(
                    ((handler.name, key) for handler, key in keyed), stored.conversations
                )
                for handler, key in keyed:
                    _set_state(handler, key, states.get((handler.name, key)))
                cache = known_chats(self.application.bot_data)
                _remember_chat(cache, chat_id, stored)
                try:
                    await coroutine
                finally:
                    cache.forget(chat_id)  # what another replica changes next must be read again
                    persistence.discard_prefetched(user_id=user_id, chat_id=chat_id)
                    await self.write_back(update, keyed)
        finally:
            # Not awaited when the lock or the refresh failed: close it, or Python warns.
            close = getattr(coroutine, "close", None)
            if close is not None:
                close()

    async def write_back(self, update: Update, keyed: list[tuple[Any, Any]]) -> None:
        """Store this update's chat data, user data and conversation states now.

        Only this update's slots, not `Application.update_persistence()`: that one writes every
        chat's changes under one application-wide lock, which would make each update wait for
        all the others. PTB's own periodic write still runs; finding these slots unchanged, the
        persistence skips them."""
        persistence, app = self.persistence, self.application
        chat, user = update.effective_chat, update.effective_user
        chat_data = user_data = None
        if chat is not None and persistence.store_data.chat_data and chat.id in app.chat_data:
            chat_data = (chat.id, deepcopy(app.chat_data[chat.id]))
        if user is not None and persistence.store_data.user_data and user.id in app.user_data:
            user_data = (user.id, deepcopy(app.user_data[user.id]))
        states = []
        for handler, key in keyed:
            state = handler._conversations.get(key)
            if not isinstance(state, PendingState):  # a non-blocking handler: PTB writes it later
                states.append((handler.name, key, state))
        await persistence.update_for_chat(chat=chat_data, user=user_data, conversations=states)


def _remember_chat(cache: KnownChats, chat_id: int, stored: ChatState) -> None:
    """The chat row, its link and its subscription read under the lock, in the process' cache
    for this update only: the pre-handler, every account feature and the settings panel then
    read nothing more."""
    cache.forget(chat_id)
    known = known_chat(stored.chat)
    if known is not None:  # a missing or blocked row is written again by the pre-handler
        cache.remember(chat_id, known)
    cache.remember_link(chat_id, stored.link)
    time_zone = stored.chat.time_zone if stored.chat is not None else None
    cache.remember_subscription(chat_id, (time_zone, stored.subscription))
