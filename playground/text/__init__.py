"""Telegram's text handling: HTML parse mode, automatic entities, UTF-16 offsets, limits."""
