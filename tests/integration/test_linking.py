"""Linking a chat: by deep link (valid, expired, forged, reused) and by POD and account number."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.app import build_application
from bot.digiwatt.models import House, HouseType, OnboardingRequest, Residents
from bot.settings import Settings
from playground.client import PlaygroundClient
from simulator.customers import Customer
from storage.db import transaction
from storage.repositories import profiles
from tests.fixtures.app import BotHarness, make_settings, serving
from tests.fixtures.botapi import tiny_png
from tests.fixtures.simulator import fresh_customer
from tests.integration.conversation_helpers import (
    LINKED,
    link_by_token,
    link_of,
    send_old_button,
    simulator_status,
    token_for,
)

HOUSEHOLD = OnboardingRequest(
    house=House(type=HouseType.APARTMENT, dimesion=80, province="MI"),
    residents=Residents(adults=2, children=1, elderlies=0),
)
POD_QUESTION = "First, your POD"
ACCOUNT_QUESTION = "Now your account number"
NOT_FOUND = "I could not find a customer"


# --- deep links ---------------------------------------------------------------------------------


async def test_a_valid_deep_link_registers_the_user_and_links_the_chat(
    bot: BotHarness, simulator_customer: Customer, simulator_url: str
) -> None:
    assert simulator_status(simulator_url, simulator_customer.account_number) == 404
    anna = await bot.user()
    done = await link_by_token(bot, anna, simulator_customer)
    assert simulator_customer.account_number in done.content
    # Onboarding starts right after: the first question, with its buttons.
    first = await bot.playground.next_message(anna.id, lambda m: bool(m.buttons))
    assert all(b.callback_data.startswith("onb:") for row in first.buttons for b in row)
    link = await link_of(bot, anna.id)
    assert link is not None
    assert (link.account_number, link.pod) == tuple(simulator_customer)
    # The user now exists at Digiwatt: its data can be read.
    assert simulator_status(simulator_url, simulator_customer.account_number) == 200


async def test_a_deep_link_without_pod_links_a_user_registered_by_the_company(
    bot: BotHarness, simulator_user: Customer
) -> None:
    # The household is known already (e.g. from another chat): no onboarding again.
    sessionmaker = bot.application.bot_data.sessionmaker
    assert sessionmaker is not None
    async with transaction(sessionmaker) as session:
        await profiles.save(session, simulator_user.account_number, HOUSEHOLD)
    anna = await bot.user()
    await bot.playground.start(anna.id, token_for(simulator_user, with_pod=False))
    await bot.playground.next_message(anna.id, LINKED)
    after = await bot.playground.drain(anna.id)
    assert [m.content for m in after if "I already know your household" in m.content]
    assert not [m for m in after if m.buttons]
    link = await link_of(bot, anna.id)
    assert link is not None and link.account_number == simulator_user.account_number


async def test_expired_and_forged_deep_links_are_refused_each_with_its_reason(
    bot: BotHarness, simulator_customer: Customer
) -> None:
    anna = await bot.user()
    expired = token_for(
        simulator_customer, ttl=timedelta(hours=1), now=datetime.now(UTC) - timedelta(hours=2)
    )
    await bot.playground.start(anna.id, expired)
    answer = await bot.playground.next_message(anna.id)
    assert "This link has expired" in answer.content
    assert "/link" in answer.content

    forged = token_for(simulator_customer, secret="another-secret-that-is-long-enough-0123456789")
    genuine = token_for(simulator_customer)
    damaged = genuine[:-3] + ("AAA" if genuine[-3:] != "AAA" else "BBB")
    for token in (forged, damaged, genuine[:20]):
        await bot.playground.start(anna.id, token)
        answer = await bot.playground.next_message(anna.id)
        assert "This link is not valid" in answer.content
    assert await link_of(bot, anna.id) is None


async def test_a_deep_link_works_once(bot: BotHarness, simulator_customer: Customer) -> None:
    anna, marco = await bot.user("Anna"), await bot.user("Marco")
    token = token_for(simulator_customer)
    await bot.playground.start(anna.id, token)
    await bot.playground.next_message(anna.id, LINKED)

    await bot.playground.start(marco.id, token)
    answer = await bot.playground.next_message(marco.id)
    assert "This link has already been used" in answer.content
    assert await link_of(bot, marco.id) is None

    # The same person opening their link twice is told they are linked already.
    await bot.playground.start(anna.id, token)
    again = await bot.playground.next_message(anna.id)
    assert "already linked to account" in again.content

    # /link too: one account per chat, /unlink first.
    await bot.playground.send_text(anna.id, "/link")
    answer = await bot.playground.next_message(anna.id)
    assert f"already linked to account {simulator_customer.account_number}" in answer.content
    assert "/unlink" in answer.content


async def test_the_number_of_chats_per_account_is_limited(
    botapi_url: str, simulator_url: str, db_url: str, playground: PlaygroundClient
) -> None:
    settings = make_settings(botapi_url, simulator_url, db_url, max_chats_per_account=1)
    customer = fresh_customer()
    application = build_application(settings)
    async with serving(application):
        bot = BotHarness(application, playground, settings)
        anna, marco = await bot.user("Anna"), await bot.user("Marco")
        await link_by_token(bot, anna, customer)

        token = token_for(customer)
        await bot.playground.start(marco.id, token)
        refused = await bot.playground.next_message(marco.id)
        assert "already linked from the maximum number of chats (1)" in refused.content
        assert "/unlink" in refused.content
        assert await link_of(bot, marco.id) is None

        # Once Anna unlinks, the same token still works: refusing it did not use it up.
        await bot.playground.send_text(anna.id, "/unlink")
        await bot.playground.next_message(anna.id, "Unlink this chat")
        await bot.playground.press(anna.id, text="Unlink")
        await bot.playground.next_message(anna.id, "no longer linked")
        await bot.playground.start(marco.id, token)
        await bot.playground.next_message(marco.id, LINKED)


# --- by POD and account number ------------------------------------------------------------------


async def test_link_by_pod_forgives_spaces_and_case(
    bot: BotHarness, simulator_customer: Customer, simulator_url: str
) -> None:
    anna = await bot.user()
    await bot.playground.send_text(anna.id, "/link")
    question = await bot.playground.next_message(anna.id, POD_QUESTION)
    assert "supply details section" in question.content and "IT" in question.content

    pod = simulator_customer.pod
    typed = f"  {pod[:5].lower()} {pod[5:9]} {pod[9:].lower()} "
    await bot.playground.send_text(anna.id, typed)
    await bot.playground.next_message(anna.id, ACCOUNT_QUESTION)
    await bot.playground.send_text(anna.id, simulator_customer.account_number)
    await bot.playground.next_message(anna.id, LINKED)
    first = await bot.playground.next_message(anna.id, lambda m: bool(m.buttons))
    assert all(b.callback_data.startswith("onb:") for row in first.buttons for b in row)

    link = await link_of(bot, anna.id)
    assert link is not None
    assert (link.account_number, link.pod) == tuple(simulator_customer)
    assert simulator_status(simulator_url, simulator_customer.account_number) == 200


async def test_a_malformed_pod_gets_a_hint_and_the_question_stays(
    bot: BotHarness, simulator_user: Customer
) -> None:
    # simulator_user exists at Digiwatt already: create-user says so, and that is fine.
    anna = await bot.user()
    await bot.playground.send_text(anna.id, "/link")
    await bot.playground.next_message(anna.id, POD_QUESTION)
    for typed in ("hello <b>", "IT001", "1234567890"):
        await bot.playground.send_text(anna.id, typed)
        hint = await bot.playground.next_message(anna.id)
        assert f"{typed} is not a POD" in hint.content
        assert "supply details section" in hint.content
    # Still at the first question: a good POD moves on.
    await bot.playground.send_text(anna.id, simulator_user.pod)
    await bot.playground.next_message(anna.id, ACCOUNT_QUESTION)
    await bot.playground.send_text(anna.id, "12")
    assert "is not an account number" in (await bot.playground.next_message(anna.id)).content
    await bot.playground.send_text(anna.id, simulator_user.account_number)
    await bot.playground.next_message(anna.id, LINKED)


async def test_an_unknown_account_or_a_wrong_pod_is_explained(
    bot: BotHarness, simulator_customer: Customer
) -> None:
    other = fresh_customer()
    anna = await bot.user()
    await bot.playground.send_text(anna.id, "/link")
    await bot.playground.next_message(anna.id, POD_QUESTION)
    attempts = [
        (simulator_customer.pod, "9999999999"),  # no such account
        (other.pod, simulator_customer.account_number),  # somebody else's POD
    ]
    for left, (pod, account) in zip((4, 3), attempts, strict=True):
        await bot.playground.send_text(anna.id, pod)
        await bot.playground.next_message(anna.id, ACCOUNT_QUESTION)
        await bot.playground.send_text(anna.id, account)
        refused = await bot.playground.next_message(anna.id, NOT_FOUND)
        assert f"POD {pod} and account number {account}" in refused.content
        assert f"Attempts left this hour: {left}" in refused.content
        await bot.playground.next_message(anna.id, POD_QUESTION)  # and we start again
    assert await link_of(bot, anna.id) is None


async def test_five_failed_attempts_pause_linking_even_after_a_restart(
    bot_settings: Settings, simulator_customer: Customer, playground: PlaygroundClient
) -> None:
    async def fail_once(bot: BotHarness, user_id: int) -> str:
        await bot.playground.send_text(user_id, simulator_customer.pod)
        await bot.playground.next_message(user_id, ACCOUNT_QUESTION)
        await bot.playground.send_text(user_id, "9999999999")
        return (await bot.playground.next_message(user_id, NOT_FOUND)).content

    application = build_application(bot_settings)
    async with serving(application):
        bot = BotHarness(application, playground, bot_settings)
        anna = await bot.user()
        await bot.playground.send_text(anna.id, "/link")
        await bot.playground.next_message(anna.id, POD_QUESTION)
        for _ in range(4):
            await fail_once(bot, anna.id)
            await bot.playground.next_message(anna.id, POD_QUESTION)
        await fail_once(bot, anna.id)
        paused = await bot.playground.next_message(anna.id, "linking by POD is paused")
        in_an_hour = datetime.now(bot_settings.timezone) + timedelta(hours=1)
        allowed = {f"{in_an_hour + timedelta(minutes=m):%H:%M}" for m in (0, 1, 2)}
        assert any(f"try again after {hhmm}." in paused.content for hhmm in allowed)

    # A new process on the same database remembers the attempts.
    application = build_application(bot_settings)
    async with serving(application):
        bot = BotHarness(application, playground, bot_settings)
        await bot.playground.send_text(anna.id, "/link")
        assert "linking by POD is paused" in (await bot.playground.next_message(anna.id)).content
        assert await link_of(bot, anna.id) is None


async def test_a_restart_in_the_middle_resumes_at_the_same_question(
    bot_settings: Settings, simulator_customer: Customer, playground: PlaygroundClient
) -> None:
    application = build_application(bot_settings)
    async with serving(application):
        bot = BotHarness(application, playground, bot_settings)
        anna = await bot.user()
        await bot.playground.send_text(anna.id, "/link")
        await bot.playground.next_message(anna.id, POD_QUESTION)
        await bot.playground.send_text(anna.id, simulator_customer.pod)
        await bot.playground.next_message(anna.id, ACCOUNT_QUESTION)

    application = build_application(bot_settings)
    async with serving(application):
        bot = BotHarness(application, playground, bot_settings)
        await bot.playground.send_text(anna.id, simulator_customer.account_number)
        await bot.playground.next_message(anna.id, LINKED)


async def test_bad_input_at_each_question_gets_guidance_and_changes_nothing(
    bot: BotHarness, simulator_customer: Customer
) -> None:
    anna = await bot.user()
    await bot.playground.send_text(anna.id, "/link")
    first = await bot.playground.next_message(anna.id, POD_QUESTION)
    await send_old_button(bot, anna.id, "lnk:back", "« Back")

    for question in (POD_QUESTION, ACCOUNT_QUESTION):
        await bot.playground.send_sticker(anna.id)
        assert "type your answer as text" in (await bot.playground.next_message(anna.id)).content
        await bot.playground.send_photo(anna.id, tiny_png())
        assert "type your answer as text" in (await bot.playground.next_message(anna.id)).content
        await bot.playground.send_text(anna.id, "/nonsense")
        assert "middle of linking" in (await bot.playground.next_message(anna.id)).content
        await bot.playground.send_text(anna.id, "/settings")
        assert "middle of linking" in (await bot.playground.next_message(anna.id)).content
        await bot.playground.send_text(anna.id, "x" * 5000)  # arrives as two messages
        for hint in await bot.playground.wait_for(anna.id, count=2):
            assert "is not" in hint.content and "xxxxx" in hint.content
            assert len(hint.content) < 1000
        if question == POD_QUESTION:
            # A "back" button from an older message does not apply at the first question.
            press = await bot.playground.press(anna.id, data="lnk:back")
            answer = await bot.playground.callback_answer(press.callback_query_id)
            assert answer.text == "This button is no longer active."
            await bot.playground.next_message(anna.id, POD_QUESTION)
            await bot.playground.send_text(anna.id, simulator_customer.pod)
            await bot.playground.next_message(anna.id, ACCOUNT_QUESTION)
    assert first.message_id  # the flow went on from the first question

    # "Back" at the account number asks for the POD again.
    await bot.playground.press(anna.id, text="« Back")
    await bot.playground.next_message(anna.id, POD_QUESTION)
    await bot.playground.send_text(anna.id, simulator_customer.pod)
    await bot.playground.next_message(anna.id, ACCOUNT_QUESTION)
    await bot.playground.send_text(anna.id, simulator_customer.account_number)
    await bot.playground.next_message(anna.id, LINKED)


async def test_cancel_leaves_at_any_question(bot: BotHarness, simulator_customer: Customer) -> None:
    anna = await bot.user()
    await bot.playground.send_text(anna.id, "/link")
    await bot.playground.next_message(anna.id, POD_QUESTION)
    await bot.playground.send_text(anna.id, "/cancel")
    assert "Linking cancelled" in (await bot.playground.next_message(anna.id)).content
    # Out of the conversation: a POD is just text now, and /cancel has nothing to cancel.
    await bot.playground.send_text(anna.id, "/cancel")
    assert "nothing to cancel" in (await bot.playground.next_message(anna.id)).content

    await bot.playground.send_text(anna.id, "/link")
    await bot.playground.next_message(anna.id, POD_QUESTION)
    await bot.playground.send_text(anna.id, simulator_customer.pod)
    await bot.playground.next_message(anna.id, ACCOUNT_QUESTION)
    await bot.playground.press(anna.id, text="Cancel")
    cancelled = await bot.playground.next_message(anna.id, "Linking cancelled")
    assert cancelled.edited and not cancelled.buttons
    await bot.playground.send_text(anna.id, simulator_customer.account_number)
    answer = await bot.playground.next_message(anna.id)
    assert LINKED not in answer.content
    assert await link_of(bot, anna.id) is None


async def test_when_digiwatt_is_down_the_deep_link_is_not_used_up(
    bot: BotHarness, simulator_customer: Customer, simulator_faults: Callable[..., dict]
) -> None:
    anna = await bot.user()
    token = token_for(simulator_customer)
    simulator_faults(error_rate=1.0)
    await bot.playground.start(anna.id, token)
    answer = await bot.playground.next_message(anna.id, timeout=20)
    assert "Digiwatt is not answering right now" in answer.content
    assert "has not been used up" in answer.content
    assert await link_of(bot, anna.id) is None

    simulator_faults(error_rate=0.0)
    await bot.playground.start(anna.id, token)
    await bot.playground.next_message(anna.id, LINKED)
