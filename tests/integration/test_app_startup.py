"""The real Application starts against the stand-ins and publishes its menu per language."""

from storage.db import transaction
from storage.repositories import chats
from tests.fixtures.app import BotHarness


async def test_commands_menu_is_published_in_each_language(bot: BotHarness) -> None:
    calls = await bot.playground.calls("setMyCommands")
    by_language = {call.params.get("language_code"): call.params["commands"] for call in calls}
    assert set(by_language) == {None, "it", "en"}
    italian = {c["command"]: c["description"] for c in by_language["it"]}
    english = {c["command"]: c["description"] for c in by_language["en"]}
    assert italian.keys() == english.keys() >= {"consumption", "settings", "help", "cancel"}
    assert italian["consumption"] != english["consumption"]


async def test_first_contact_remembers_the_telegram_clients_language(bot: BotHarness) -> None:
    user = await bot.user("Giulia", language_code="it-IT")
    await bot.playground.send_text(user.id, "/start")
    await bot.playground.next_message(user.id)
    sessionmaker = bot.application.bot_data.sessionmaker
    assert sessionmaker is not None
    async with transaction(sessionmaker, read_only=True) as session:
        chat = await chats.get(session, user.id)
    assert chat is not None
    assert (chat.language, chat.client_language, chat.effective_language) == (None, "it", "it")

    await bot.playground.set_language(user.id, "en")
    await bot.playground.send_text(user.id, "/help")
    await bot.playground.next_message(user.id)
    async with transaction(sessionmaker, read_only=True) as session:
        chat = await chats.get(session, user.id)
    assert chat is not None
    assert chat.client_language == "en"
