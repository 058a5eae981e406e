"""PTB persistence on the database: a restart in the middle of a conversation is invisible."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PersistenceInput,
    filters,
)
from telegram.request import BaseRequest, RequestData

from storage.db import transaction
from storage.models import Base
from storage.persistence import DatabasePersistence, conversation_key
from storage.repositories import chats
from storage.repositories.erasure import erase_chat

Sessions = async_sessionmaker[AsyncSession]
ASK_NAME, ASK_AGE = "ASK_NAME", "ASK_AGE"
CHAT = USER = 5_550_001


class RecordingRequest(BaseRequest):
    """A Bot API that answers getMe and records every other call: no network."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        self.calls.append(endpoint)
        result: object = True
        if endpoint == "getMe":
            result = {
                "id": 123,
                "is_bot": True,
                "first_name": "Digiwatt",
                "username": "digiwatt_test_bot",
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()


finished: list[dict[str, Any]] = []


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    context.user_data["started"] = date(2025, 6, 2)  # type: ignore[index]
    context.chat_data["steps"] = (1,)  # type: ignore[index]
    context.bot_data.setdefault("starts", 0)
    context.bot_data["starts"] += 1
    # A button with arbitrary callback data: PTB keeps the data, the persistence must too.
    context.bot.callback_data_cache.process_keyboard(  # type: ignore[attr-defined]
        InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data=("confirm", 42))]])
    )
    return ASK_NAME


async def name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    context.user_data["name"] = update.effective_message.text  # type: ignore[index, union-attr]
    context.user_data["answers"] = {1: "name"}  # type: ignore[index]
    context.chat_data["steps"] += (2,)  # type: ignore[index]
    return ASK_AGE


async def age(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    finished.append(
        {
            "name": context.user_data["name"],  # type: ignore[index]
            "age": update.effective_message.text,  # type: ignore[union-attr]
            "started": context.user_data["started"],  # type: ignore[index]
            "answers": context.user_data["answers"],  # type: ignore[index]
            "steps": context.chat_data["steps"],  # type: ignore[index]
        }
    )
    return ConversationHandler.END


def build(
    sessions: Sessions, update_interval: float = 0.05
) -> Application[Any, Any, Any, Any, Any, Any]:
    persistence = DatabasePersistence(sessions, update_interval=update_interval)
    application = (
        ApplicationBuilder()
        .token("123:abc")
        .request(RecordingRequest())
        .get_updates_request(RecordingRequest())
        .persistence(persistence)
        .arbitrary_callback_data(True)
        .updater(None)
        .build()
    )
    application.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={
                ASK_NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, name)],
                ASK_AGE: [MessageHandler(filters.TEXT & ~filters.COMMAND, age)],
            },
            fallbacks=[],
            name="profile",
            persistent=True,
        )
    )
    return application


_update_ids = iter(range(1, 10_000))


def message(application: Application[Any, Any, Any, Any, Any, Any], text: str) -> Update:
    entities = (
        [{"type": "bot_command", "offset": 0, "length": len(text)}] if text.startswith("/") else []
    )
    return Update.de_json(
        {
            "update_id": next(_update_ids),
            "message": {
                "message_id": next(_update_ids),
                "date": int(datetime(2025, 6, 2, tzinfo=UTC).timestamp()),
                "chat": {"id": CHAT, "type": "private"},
                "from": {"id": USER, "is_bot": False, "first_name": "Ada"},
                "text": text,
                "entities": entities,
            },
        },
        application.bot,
    )


async def test_a_restart_mid_conversation_resumes_at_the_same_step(sessionmaker: Sessions) -> None:
    finished.clear()
    first = build(sessionmaker)
    await first.initialize()
    await first.start()
    await first.process_update(message(first, "/start"))
    await first.process_update(message(first, "Ada"))
    # Written while running, not only at shutdown: another reader sees it within the interval.
    for _ in range(100):
        await asyncio.sleep(0.05)
        peek = DatabasePersistence(sessionmaker)
        if (await peek.get_conversations("profile")).get((CHAT, USER)) == ASK_AGE:
            break
    else:
        raise AssertionError("the conversation state never reached the database")
    assert (await peek.get_user_data())[USER]["name"] == "Ada"
    await first.stop()
    await first.shutdown()

    second = build(sessionmaker)
    await second.initialize()
    try:
        await second.process_update(message(second, "36"))
        cache = second.bot.callback_data_cache  # type: ignore[attr-defined]
        restored_buttons = [
            data for _, _, buttons in cache.persistence_data[0] for data in buttons.values()
        ]
        bot_data = dict(second.bot_data)
    finally:
        await second.shutdown()
    assert finished == [
        {
            "name": "Ada",
            "age": "36",
            "started": date(2025, 6, 2),
            "answers": {1: "name"},
            "steps": (1, 2),
        }
    ]
    assert restored_buttons == [("confirm", 42)]
    assert bot_data == {"starts": 1}

    # The conversation ended: its state is gone from the database too.
    assert await DatabasePersistence(sessionmaker).get_conversations("profile") == {}


async def test_unchanged_data_is_not_written_again(
    sessionmaker: Sessions, engine: AsyncEngine
) -> None:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    persistence = DatabasePersistence(sessionmaker)
    await persistence.update_bot_data({"a": 1})
    await persistence.update_bot_data({"a": 1})
    await persistence.update_user_data(1, {"x": [1, 2]})
    await persistence.update_user_data(1, {"x": [1, 2]})
    assert len(statements) == 2
    await persistence.update_user_data(1, {"x": [1, 2, 3]})
    assert len(statements) == 3
    event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_concurrent_updates_are_written_in_one_transaction(
    sessionmaker: Sessions, engine: AsyncEngine
) -> None:
    begins: list[str] = []
    event.listen(engine.sync_engine, "begin", lambda conn: begins.append("begin"))
    persistence = DatabasePersistence(sessionmaker)
    await asyncio.gather(
        persistence.update_user_data(1, {"a": 1}),
        persistence.update_user_data(2, {"b": 2}),
        persistence.update_chat_data(1, {"c": 3}),
        persistence.update_conversation("flow", (1, 1), "STEP"),
        persistence.update_bot_data({"d": 4}),
    )
    assert begins == ["begin"]
    fresh = DatabasePersistence(sessionmaker)
    assert await fresh.get_user_data() == {1: {"a": 1}, 2: {"b": 2}}
    assert await fresh.get_chat_data() == {1: {"c": 3}}
    assert await fresh.get_conversations("flow") == {(1, 1): "STEP"}
    assert await fresh.get_bot_data() == {"d": 4}


async def test_one_updates_changes_are_written_together_and_only_when_changed(
    sessionmaker: Sessions, engine: AsyncEngine
) -> None:
    """update_for_chat, the write-back of replicas after each update."""
    begins: list[str] = []
    event.listen(engine.sync_engine, "begin", lambda conn: begins.append("begin"))
    persistence = DatabasePersistence(sessionmaker)
    await persistence.update_for_chat(
        chat=(1, {"draft": {"step": "size"}}),
        user=(7, {"seen": 1}),
        conversations=[("onboarding", (1, 7), "SIZE"), ("linking", (1, 7), None)],
    )
    assert begins == ["begin"]
    fresh = DatabasePersistence(sessionmaker)
    assert await fresh.get_chat_data() == {1: {"draft": {"step": "size"}}}
    assert await fresh.get_user_data() == {7: {"seen": 1}}
    assert await fresh.get_conversations("onboarding") == {(1, 7): "SIZE"}

    # The same again: nothing to write, no transaction at all.
    begins.clear()
    await persistence.update_for_chat(
        chat=(1, {"draft": {"step": "size"}}),
        user=(7, {"seen": 1}),
        conversations=[("onboarding", (1, 7), "SIZE")],
    )
    assert begins == []

    # The conversation ends and the chat data empties: both rows go, in one transaction.
    await persistence.update_for_chat(chat=(1, {}), conversations=[("onboarding", (1, 7), None)])
    assert begins == ["begin"]
    fresh = DatabasePersistence(sessionmaker)
    assert await fresh.get_chat_data() == {}
    assert await fresh.get_conversations("onboarding") == {}
    assert await fresh.get_user_data() == {7: {"seen": 1}}


def test_conversation_keys_are_the_json_of_the_key() -> None:
    for key in [(1, 2), (-1001234567890, 2**40), (5,), (), (True, 1), ("a", 1), (1, None)]:
        assert conversation_key(key) == json.dumps(list(key), separators=(",", ":"))


async def test_drop_and_store_data_switches(sessionmaker: Sessions) -> None:
    persistence = DatabasePersistence(sessionmaker)
    await persistence.update_user_data(1, {"a": 1})
    await persistence.update_chat_data(2, {"b": 2})
    await persistence.drop_user_data(1)
    await persistence.drop_chat_data(2)
    await persistence.flush()
    fresh = DatabasePersistence(sessionmaker, store_data=PersistenceInput(bot_data=False))
    assert await fresh.get_user_data() == {}
    assert await fresh.get_chat_data() == {}
    assert await fresh.get_callback_data() is None
    assert fresh.update_interval == 1.0


async def test_a_failed_write_is_kept_and_written_later(sessionmaker: Sessions) -> None:
    persistence = DatabasePersistence(sessionmaker)
    real_write = persistence._write
    failures = [ConnectionError("database restarting")]

    async def flaky(session: AsyncSession, pending: dict[Any, Any]) -> None:
        if failures:
            raise failures.pop()
        await real_write(session, pending)

    persistence._write = flaky  # type: ignore[method-assign]
    try:
        await persistence.update_user_data(1, {"draft": "kept"})
    except ConnectionError:
        pass
    else:
        raise AssertionError("the first write should have failed")
    await persistence.flush()  # as PTB does at shutdown
    assert await DatabasePersistence(sessionmaker).get_user_data() == {1: {"draft": "kept"}}


async def test_deleteme_mid_conversation_leaves_nothing_after_shutdown(
    sessionmaker: Sessions,
) -> None:
    """The pattern for /deleteme: erase the rows, drop PTB's in-memory data, end the dialogue."""

    async def deleteme(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None and user is not None
        async with transaction(sessionmaker) as session:
            await erase_chat(session, chat.id)
        # Otherwise the next persistence run writes them back.
        context.application.drop_chat_data(chat.id)
        context.application.drop_user_data(user.id)
        return ConversationHandler.END

    application = build(sessionmaker)
    conversation = application.handlers[0][0]
    assert isinstance(conversation, ConversationHandler)
    conversation.fallbacks.append(CommandHandler("deleteme", deleteme))
    async with transaction(sessionmaker) as session:
        await chats.upsert(session, CHAT, USER)
    await application.initialize()
    try:
        await application.process_update(message(application, "/start"))
        await application.update_persistence()
        assert (await DatabasePersistence(sessionmaker).get_user_data()).get(USER)
        await application.process_update(message(application, "Ada"))
        await application.process_update(message(application, "/deleteme"))
    finally:
        await application.shutdown()  # writes what PTB still holds, as at any stop

    async with transaction(sessionmaker, read_only=True) as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                assert str(USER) not in " ".join(map(str, row)), (table.name, row)
