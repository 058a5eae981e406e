"""The command menu Telegram shows, published per language with setMyCommands at start-up."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats

from bot.i18n import LANGUAGES, N_, translator

# Order is the order of the menu: what people use most comes first.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("menu", N_("Everything I can show you")),
    ("consumption", N_("Consumption by appliance")),
    ("now", N_("Power right now")),
    ("last6h", N_("The last six hours")),
    ("compare", N_("Compare with similar homes")),
    ("habits", N_("When you use energy")),
    ("trend", N_("12 months by tariff band")),
    ("appliances", N_("Which appliances use the most")),
    ("savings", N_("How to save")),
    ("green", N_("Today's green hours")),
    ("profile", N_("Your household")),
    ("settings", N_("Language and alerts")),
    ("link", N_("Link your Digiwatt account")),
    ("unlink", N_("Unlink this chat")),
    ("deleteme", N_("Delete all your data")),
    ("cancel", N_("Stop what we are doing")),
    ("help", N_("What I can do")),
)


def localized_commands(language: str) -> list[BotCommand]:
    _ = translator(language)
    return [BotCommand(name, _(description)) for name, description in COMMANDS]


async def publish_commands(bot: Bot) -> None:
    """One menu per language, plus the English one as the default for every other language."""
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(localized_commands("en"), scope=scope)
    for language in LANGUAGES:
        await bot.set_my_commands(localized_commands(language), scope=scope, language_code=language)
