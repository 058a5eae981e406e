"""/unlink keeps the data at Digiwatt; /deleteme removes the user there and every local row."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from simulator.customers import Customer
from storage.db import transaction
from storage.models import AuditEvent, Chat
from tests.fixtures.app import BotHarness
from tests.integration.conversation_helpers import (
    LINKED,
    italian,
    link_by_token,
    link_of,
    row_counts,
    simulator_status,
    token_for,
)

DELETE_QUESTION = "Delete everything?"
LINKED_MESSAGE = "Done! This chat is now linked to your Digiwatt account <b>{account}</b>."


async def test_unlink_asks_first_and_keeps_the_data_at_digiwatt(
    bot: BotHarness, simulator_customer: Customer, simulator_url: str
) -> None:
    anna = await bot.user()
    await link_by_token(bot, anna, simulator_customer)

    await bot.playground.send_text(anna.id, "/unlink")
    question = await bot.playground.next_message(anna.id, "Unlink this chat")
    assert "Your data stays at Digiwatt" in question.content
    await bot.playground.press(anna.id, text="Keep it linked")
    await bot.playground.next_message(anna.id, "stays linked")
    assert await link_of(bot, anna.id) is not None

    await bot.playground.send_text(anna.id, "/unlink")
    question = await bot.playground.next_message(anna.id, "Unlink this chat")
    await bot.playground.send_text(anna.id, "/unlink")  # asked twice: two confirmations
    await bot.playground.next_message(anna.id, "Unlink this chat")
    await bot.playground.press(anna.id, text="Unlink")
    done = await bot.playground.next_message(anna.id, "no longer linked")
    assert simulator_customer.account_number in done.content
    assert "Your data stays at Digiwatt" in done.content
    assert await link_of(bot, anna.id) is None
    assert simulator_status(simulator_url, simulator_customer.account_number) == 200

    # Not linked any more: /unlink says so, and so does the old confirmation button.
    await bot.playground.send_text(anna.id, "/unlink")
    assert "not linked" in (await bot.playground.next_message(anna.id)).content
    await bot.playground.press(anna.id, message_id=question.message_id, text="Unlink")
    assert "not linked" in (await bot.playground.next_message(anna.id)).content


async def test_deleteme_removes_the_user_at_digiwatt_and_every_local_row(
    bot: BotHarness, simulator_customer: Customer, simulator_url: str
) -> None:
    anna = await bot.user()
    # A refused attempt first (remembered in chat data), then the link by POD.
    await bot.playground.send_text(anna.id, "/link")
    await bot.playground.next_message(anna.id, "First, your POD")
    await bot.playground.send_text(anna.id, simulator_customer.pod)
    await bot.playground.next_message(anna.id, "account number")
    await bot.playground.send_text(anna.id, "9999999999")
    await bot.playground.next_message(anna.id, "First, your POD")
    await bot.playground.send_text(anna.id, simulator_customer.pod)
    await bot.playground.next_message(anna.id, "account number")
    await bot.playground.send_text(anna.id, simulator_customer.account_number)
    await bot.playground.next_message(anna.id, LINKED)
    # Onboarding begun (a conversation state) and settings changed.
    first = await bot.playground.next_message(anna.id, lambda m: bool(m.buttons))
    await bot.playground.press(anna.id, first.message_id, first.buttons[0][0].callback_data)
    await bot.playground.next_message(anna.id)
    await bot.playground.send_text(anna.id, "/settings")
    await bot.playground.next_message(anna.id, "Settings")
    await bot.playground.press(anna.id, text="Turn alerts on")
    await bot.playground.next_message(anna.id, "every day at 08:00")

    before = await row_counts(bot)
    for table in (
        "chats",
        "accounts",
        "account_links",
        "alert_subscriptions",
        "ptb_chat_data",
        "ptb_conversations",
    ):
        assert before[table] == 1, table
    assert before["audit_events"] >= 1

    await bot.playground.send_text(anna.id, "/deleteme")
    question = await bot.playground.next_message(anna.id, DELETE_QUESTION)
    assert simulator_customer.account_number in question.content
    await bot.playground.press(anna.id, text="Yes, delete everything")
    done = await bot.playground.next_message(anna.id, "Done. I deleted:")
    assert done.message_id == question.message_id and not done.buttons
    for line in (
        f"your user at Digiwatt (account {simulator_customer.account_number})",
        "the link between this chat and your account",
        "your alert settings",
        "this chat's language and time zone",
    ):
        assert f"• {line}" in done.content

    assert simulator_status(simulator_url, simulator_customer.account_number) == 404
    after = await row_counts(bot)
    assert {table: n for table, n in after.items() if n and table != "audit_events"} == {}
    sessionmaker = bot.application.bot_data.sessionmaker
    assert sessionmaker is not None
    async with transaction(sessionmaker, read_only=True) as session:
        audit = (await session.scalars(select(AuditEvent))).all()
    # What remains is one anonymous note that an erasure happened.
    assert [(e.event, e.chat_id, e.account_number) for e in audit] == [("erase", None, None)]


async def test_deleteme_asks_first_and_tells_the_other_linked_chats(
    bot: BotHarness, simulator_customer: Customer, simulator_url: str
) -> None:
    anna, marco = await bot.user("Anna"), await bot.user("Marco", language_code="it")
    await link_by_token(bot, anna, simulator_customer)
    await bot.playground.start(marco.id, token_for(simulator_customer))
    await bot.playground.next_message(marco.id, italian(LINKED_MESSAGE).split("<b>")[0])
    await bot.playground.send_text(marco.id, "/settings")
    await bot.playground.next_message(marco.id, lambda m: "✓ Italiano" in m.button_texts)
    await bot.playground.press(marco.id, text="✓ Italiano")  # chosen, not just the client's
    await bot.playground.drain(marco.id)

    await bot.playground.send_text(anna.id, "/deleteme")
    await bot.playground.next_message(anna.id, DELETE_QUESTION)
    await bot.playground.press(anna.id, text="No, keep my data")
    await bot.playground.next_message(anna.id, "nothing was deleted")
    assert simulator_status(simulator_url, simulator_customer.account_number) == 200
    assert await link_of(bot, anna.id) is not None

    await bot.playground.send_text(anna.id, "/deleteme")
    await bot.playground.next_message(anna.id, DELETE_QUESTION)
    await bot.playground.press(anna.id, text="Yes, delete everything")
    await bot.playground.next_message(anna.id, "Done. I deleted:")

    notice = await bot.playground.next_message(marco.id)
    assert notice.content == italian(
        "The Digiwatt account linked to this chat was deleted by its owner from another "
        "chat, so this chat is no longer linked. Send /start to link again."
    )
    assert await link_of(bot, marco.id) is None
    sessionmaker = bot.application.bot_data.sessionmaker
    assert sessionmaker is not None
    async with transaction(sessionmaker, read_only=True) as session:
        assert await session.get(Chat, marco.id) is not None  # Marco still uses the bot
        assert await session.get(Chat, anna.id) is None


async def test_deleteme_in_a_chat_that_is_not_linked_erases_what_is_kept_here(
    bot: BotHarness,
) -> None:
    anna = await bot.user()
    await bot.playground.send_text(anna.id, "/deleteme")
    question = await bot.playground.next_message(anna.id, "Delete it?")
    assert "nothing is deleted at Digiwatt" in question.content
    await bot.playground.press(anna.id, text="Yes, delete everything")
    done = await bot.playground.next_message(anna.id, "Done. I deleted:")
    assert "Digiwatt (account" not in done.content
    assert (await row_counts(bot))["chats"] == 0


async def test_deleteme_while_digiwatt_is_down_deletes_nothing_and_can_be_retried(
    bot: BotHarness,
    simulator_customer: Customer,
    simulator_url: str,
    simulator_faults: Callable[..., dict],
) -> None:
    anna = await bot.user()
    await link_by_token(bot, anna, simulator_customer)
    await bot.playground.send_text(anna.id, "/deleteme")
    await bot.playground.next_message(anna.id, DELETE_QUESTION)
    simulator_faults(error_rate=1.0)
    await bot.playground.press(anna.id, text="Yes, delete everything")
    failed = await bot.playground.next_message(anna.id, "nothing was deleted yet", timeout=20)
    assert await link_of(bot, anna.id) is not None

    simulator_faults(error_rate=0.0)
    await bot.playground.press(anna.id, message_id=failed.message_id, text="Try again")
    await bot.playground.next_message(anna.id, "Done. I deleted:")
    assert simulator_status(simulator_url, simulator_customer.account_number) == 404
    assert await link_of(bot, anna.id) is None
