"""/start and /help: the welcome, the link button, the user's language, and groups kept private."""

from __future__ import annotations

from bot.app import build_application
from playground.client import PlaygroundClient
from simulator.customers import Customer
from tests.fixtures.app import BotHarness, make_settings, serving
from tests.fixtures.botapi import tiny_png
from tests.integration.conversation_helpers import italian, link_by_token

WELCOME = "I am the Digiwatt assistant"


async def test_start_welcomes_with_three_lines_and_a_button_to_link(bot: BotHarness) -> None:
    anna = await bot.user("Anna <b>")
    await bot.playground.start(anna.id)
    welcome = await bot.playground.next_message(anna.id, WELCOME)
    assert "Hi Anna <b>!" in welcome.content  # the name is shown as typed, not as markup
    assert sum(line.startswith("•") for line in welcome.content.splitlines()) == 3
    assert welcome.button("Link my account").callback_data == "lnk:start"

    await bot.playground.press(anna.id, text="Link my account")
    question = await bot.playground.next_message(anna.id, "POD")
    assert "supply details section" in question.content


async def test_start_speaks_the_telegram_clients_language(bot: BotHarness) -> None:
    giulia = await bot.user("Giulia", language_code="it-IT")
    await bot.playground.start(giulia.id)
    welcome = await bot.playground.next_message(giulia.id)
    assert (
        italian(
            "Hi {name}! I am the Digiwatt assistant of your energy company. I show you:"
        ).format(name="Giulia")
        in welcome.content
    )
    assert italian("Link my account") in welcome.button_texts

    await bot.playground.send_text(giulia.id, "/help")
    help_text = await bot.playground.next_message(giulia.id)
    assert (
        italian("<b>What I can do</b>").replace("<b>", "").replace("</b>", "") in help_text.content
    )
    assert "/settings — " + italian("Language and alerts") in help_text.content


async def test_start_once_linked_names_the_account(
    bot: BotHarness, simulator_customer: Customer
) -> None:
    anna = await bot.user()
    await link_by_token(bot, anna, simulator_customer)
    await bot.playground.drain(anna.id)
    await bot.playground.start(anna.id)
    welcome = await bot.playground.next_message(anna.id, WELCOME)
    assert f"linked to account {simulator_customer.account_number}" in welcome.content
    assert "Link my account" not in welcome.button_texts


async def test_help_lists_the_commands(bot: BotHarness) -> None:
    anna = await bot.user()
    await bot.playground.send_text(anna.id, "/help")
    help_text = await bot.playground.next_message(anna.id, "What I can do")
    for line in ("/link — Link your Digiwatt account", "/deleteme — Delete all your data"):
        assert line in help_text.content


async def test_in_a_group_start_and_help_answer_generally_and_account_features_stay_private(
    bot: BotHarness, simulator_customer: Customer
) -> None:
    anna = await bot.user()
    await link_by_token(bot, anna, simulator_customer)  # linked in private...
    marco = await bot.user("Marco")
    group = await bot.playground.create_group("Family", [anna.id, marco.id])

    await bot.playground.send_text(anna.id, "/start", chat_id=group)
    welcome = await bot.playground.next_message(group, WELCOME)
    assert "private chat" in welcome.content
    assert simulator_customer.account_number not in welcome.content  # ...but not shown here
    assert [b.url for row in welcome.buttons for b in row] == ["https://t.me/digiwatt_test_bot"]

    await bot.playground.send_text(marco.id, "/help", chat_id=group)
    assert (
        "only in a private chat"
        in (await bot.playground.next_message(group, "What I can do")).content
    )

    for command in ("/link", "/settings", "/unlink", "/deleteme"):
        await bot.playground.send_text(anna.id, command, chat_id=group)
        answer = await bot.playground.next_message(group)
        assert "For your privacy I only show account data in a private chat" in answer.content
        assert not answer.buttons
        assert simulator_customer.account_number not in answer.content
    assert await bot.playground.drain(group) == []


async def test_without_manual_linking_start_points_to_the_companys_link(
    botapi_url: str, simulator_url: str, db_url: str, playground: PlaygroundClient
) -> None:
    settings = make_settings(botapi_url, simulator_url, db_url, manual_link_enabled=False)
    application = build_application(settings)
    async with serving(application):
        harness = BotHarness(application, playground, settings)
        anna = await harness.user()
        await harness.playground.start(anna.id)
        welcome = await harness.playground.next_message(anna.id, WELCOME)
        assert "the link your energy company gave you" in welcome.content
        assert not welcome.buttons

        await harness.playground.send_text(anna.id, "/link")
        answer = await harness.playground.next_message(anna.id)
        assert "Linking with the POD and account number is turned off" in answer.content


async def test_anything_nobody_understands_gets_guidance_and_groups_stay_quiet(
    bot: BotHarness,
) -> None:
    anna = await bot.user()
    await bot.playground.send_text(anna.id, "/frobnicate")
    assert "I don't know that command" in (await bot.playground.next_message(anna.id)).content
    await bot.playground.send_text(anna.id, "/cancel")
    assert "nothing to cancel" in (await bot.playground.next_message(anna.id)).content
    await bot.playground.send_sticker(anna.id)
    assert (
        "I can only read text and buttons" in (await bot.playground.next_message(anna.id)).content
    )
    await bot.playground.send_photo(anna.id, tiny_png())
    assert (
        "I can only read text and buttons" in (await bot.playground.next_message(anna.id)).content
    )
    await bot.playground.send_location(anna.id, 45.46, 9.19)
    assert (
        "I can only read text and buttons" in (await bot.playground.next_message(anna.id)).content
    )

    marco = await bot.user("Marco")
    group = await bot.playground.create_group("Family", [anna.id, marco.id])
    await bot.playground.send_text(marco.id, "/frobnicate@digiwatt_test_bot", chat_id=group)
    assert "I don't know that command" in (await bot.playground.next_message(group)).content
    # Things people say to each other, or to other bots, are not for us.
    await bot.playground.send_text(marco.id, "/frobnicate@some_other_bot", chat_id=group)
    await bot.playground.send_sticker(marco.id, chat_id=group)
    await bot.playground.send_text(marco.id, "see you tonight", chat_id=group)
    assert await bot.playground.drain(group) == []
