"""Telegram measures entity offsets and lengths in UTF-16 code units, not Python characters."""

from __future__ import annotations


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def utf16_offset(text: str, index: int) -> int:
    """UTF-16 offset of the Python index `index` in `text`."""
    return utf16_len(text[:index])


def utf16_slice(text: str, offset: int, length: int) -> str:
    """The part of `text` an entity with this UTF-16 offset and length covers."""
    raw = text.encode("utf-16-le")
    return raw[offset * 2 : (offset + length) * 2].decode("utf-16-le", errors="replace")
