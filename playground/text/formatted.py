"""A message text with its entities: parse mode, Telegram's trimming and its length limits."""

from __future__ import annotations

from dataclasses import dataclass

from playground.text.html_mode import HtmlParseError, parse_html
from playground.text.utf16 import utf16_len

_WHITESPACE = " \t\r\n\f\v\u00a0\u2028\u2029"


@dataclass(frozen=True)
class FormattedText:
    """Plain text plus Bot API entity dicts (offsets in UTF-16 code units)."""

    text: str
    entities: tuple[dict, ...] = ()

    def entity_list(self) -> list[dict]:
        """The entities as a fresh list of dicts, ready for JSON."""
        return [dict(e) for e in self.entities]


class ParseModeError(ValueError):
    """The text could not be parsed; the message is Telegram's reason."""


def parse(text: str, parse_mode: str | None, entities: list[dict] | None) -> FormattedText:
    """Apply `parse_mode` (HTML) or explicit `entities`, then trim like Telegram does."""
    if parse_mode:
        mode = parse_mode.strip().lower()
        if mode == "html":
            try:
                plain, parsed = parse_html(text)
            except HtmlParseError as exc:
                raise ParseModeError(str(exc)) from exc
        elif mode in ("markdown", "markdownv2"):
            # Not implemented here on purpose: the bot formats with HTML (Defaults(parse_mode=HTML)).
            raise ParseModeError("the playground implements only the HTML parse mode")
        else:
            raise ParseModeError("unsupported parse_mode")
        return trim(plain, parsed)
    return trim(text, [dict(e) for e in entities or []])


def trim(text: str, entities: list[dict]) -> FormattedText:
    """Strip leading/trailing whitespace and clip entities to what remains, as Telegram does."""
    stripped_left = text.lstrip(_WHITESPACE)
    shift = utf16_len(text) - utf16_len(stripped_left)
    stripped = stripped_left.rstrip(_WHITESPACE)
    limit = utf16_len(stripped)
    kept: list[dict] = []
    for entity in entities:
        start = max(int(entity["offset"]) - shift, 0)
        end = min(int(entity["offset"]) + int(entity["length"]) - shift, limit)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    kept.sort(key=lambda e: (e["offset"], -e["length"]))
    return FormattedText(stripped, tuple(kept))
