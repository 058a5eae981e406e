"""The Telegram Bot API as Telegram's servers answer it, over the playground's world."""
