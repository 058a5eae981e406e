"""Entities Telegram adds by itself to what a user types: commands, mentions, hashtags, links, e-mails."""

from __future__ import annotations

import re

from playground.text.utf16 import utf16_len, utf16_offset

# The same shapes as Telegram's matchers: a command is '/' + 1-64 of [A-Za-z0-9_], optionally
# '@' + a 3-32 character username, not glued to a word or to '/', '<', '>'.
_PATTERNS = [
    (
        "bot_command",
        re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>@])"),
    ),
    ("mention", re.compile(r"(?<!\w)@[A-Za-z0-9_]{2,32}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#(?=\w*[^\W\d_])\w{1,256}(?![\w#])")),
    (
        "email",
        re.compile(r"(?<![\w.@])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?!\w)"),
    ),
    (
        "url",
        re.compile(
            r"(?<![\w@/.])(?:https?://)?(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?::\d{1,5})?(?:/[^\s<>\"]*)?(?<![.,;:!?)\]])",
            re.IGNORECASE,
        ),
    ),
]


def auto_entities(text: str) -> list[dict]:
    """Entities Telegram's servers would attach to `text` sent by a user, sorted like Telegram's."""
    found: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue  # an e-mail's domain is not a link of its own, and so on
            taken.append((start, end))
            found.append((start, end, kind))
    found.sort()
    return [
        {"type": kind, "offset": utf16_offset(text, start), "length": utf16_len(text[start:end])}
        for start, end, kind in found
    ]
