"""The real Application starts against the stand-ins and publishes its menu per language."""

from tests.fixtures.app import BotHarness


async def test_commands_menu_is_published_in_each_language(bot: BotHarness) -> None:
    calls = await bot.playground.calls("setMyCommands")
    by_language = {call.params.get("language_code"): call.params["commands"] for call in calls}
    assert set(by_language) == {None, "it", "en"}
    italian = {c["command"]: c["description"] for c in by_language["it"]}
    english = {c["command"]: c["description"] for c in by_language["en"]}
    assert italian.keys() == english.keys() >= {"consumption", "settings", "help", "cancel"}
    assert italian["consumption"] != english["consumption"]
