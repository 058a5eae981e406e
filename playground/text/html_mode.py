"""Telegram's HTML parse mode: the same tags, entities, and error texts as the Bot API.

The rules follow Telegram's own parser: only the documented tags, only the entities `&lt; &gt;
&amp; &quot;` and numeric ones (anything else stays literal), offsets in UTF-16 code units, and
errors that name the byte offset in the UTF-8 text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playground.text.utf16 import utf16_len

_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#x([0-9a-fA-F]+)|#([0-9]+)|([a-zA-Z]+));?")
_SPACE = " \t\r\n\f\v"
_USER_LINK = re.compile(r"tg://user\?id=(\d+)$")


class HtmlParseError(ValueError):
    """Telegram's 'can't parse entities' reason, e.g. 'Unsupported start tag "x" at byte offset 0'."""


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int  # UTF-16 offset in the result where the tag's content starts
    result_index: int  # characters of plain text before the tag's content


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """The character an HTML entity at `pos` stands for and where it ends, or None to keep '&'."""
    m = _ENTITY.match(text, pos)
    if not m:
        return None
    hex_digits, dec_digits, name = m.groups()
    if name is not None:
        char = _NAMED.get(name)
        if char is None:
            return None
    else:
        digits = hex_digits or dec_digits
        if len(m.group(0).rstrip(";")) >= 10:
            return None
        code = int(digits, 16 if hex_digits else 10)
        if code == 0 or code >= 0x10FFFF:
            return None
        char = chr(code)
    return char, m.end()


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def parse_html(text: str) -> tuple[str, list[dict]]:
    """Plain text and entities (Bot API dicts) of an HTML-formatted message, or HtmlParseError."""
    out: list[str] = []
    utf16_pos = 0
    entities: list[dict] = []
    stack: list[_Open] = []
    out_chars = 0
    i, n = 0, len(text)

    def emit(chunk: str) -> None:
        nonlocal utf16_pos, out_chars
        out.append(chunk)
        utf16_pos += utf16_len(chunk)
        out_chars += len(chunk)

    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_entity(text, i)
            if decoded:
                emit(decoded[0])
                i = decoded[1]
                continue
        if c != "<":
            j = i + 1
            while j < n and text[j] not in "<&":
                j += 1
            emit(text[i:j])
            i = j
            continue

        begin = i
        i += 1
        if i < n and text[i] == "/":
            i = _close_tag(text, begin, stack, entities, utf16_pos, out)
            continue
        while i < n and text[i] not in _SPACE and text[i] != ">":
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        tag = text[begin + 1 : i].lower()
        if tag not in _TAGS:
            raise HtmlParseError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        argument, i = _attributes(text, begin, i, tag)
        if tag == "span" and argument != "spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, begin)}'
            )
        stack.append(_Open(tag, argument, utf16_pos, out_chars))
        i += 1  # past '>'

    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)  # only `pre` carries a language in the Bot API
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _attributes(text: str, begin: int, i: int, tag: str) -> tuple[str, int]:
    """Read the attributes of a start tag; returns the one that matters and the index of '>'."""
    n = len(text)
    argument = ""
    while i < n and text[i] != ">":
        while i < n and text[i] in _SPACE:
            i += 1
        if i < n and text[i] == ">":
            break
        name_start = i
        while i < n and text[i] not in _SPACE and text[i] not in "=>":
            i += 1
        name = text[name_start:i].lower()
        if not name:
            raise HtmlParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        while i < n and text[i] in _SPACE:
            i += 1
        if i < n and text[i] != "=":
            if tag == "blockquote" and name == "expandable":
                argument = "expandable"
                continue
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        if i >= n:
            break
        i += 1
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n:
            break
        if text[i] in "'\"":
            quote = text[i]
            i += 1
            value_chars: list[str] = []
            while i < n and text[i] != quote:
                if text[i] == "&":
                    decoded = _decode_entity(text, i)
                    if decoded:
                        value_chars.append(decoded[0])
                        i = decoded[1]
                        continue
                value_chars.append(text[i])
                i += 1
            i += 1 if i < n else 0
            value = "".join(value_chars)
        else:
            start = i
            while i < n and (text[i].isalnum() or text[i] in ".-"):
                i += 1
            value = text[start:i].lower()
            if i < n and text[i] not in _SPACE and text[i] != ">":
                raise HtmlParseError(
                    f"Unexpected end of name token at byte offset {_byte_offset(text, start)}"
                )
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
    if i >= n:
        raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
    return argument, i


def _close_tag(
    text: str, begin: int, stack: list[_Open], entities: list[dict], utf16_pos: int, out: list[str]
) -> int:
    """Handle an end tag at `begin`; appends the finished entity and returns the index after '>'."""
    n = len(text)
    if not stack:
        raise HtmlParseError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
    i = begin + 2
    while i < n and text[i] not in _SPACE and text[i] != ">":
        i += 1
    end_tag = text[begin + 2 : i].lower()
    while i < n and text[i] in _SPACE:
        i += 1
    if i >= n or text[i] != ">":
        raise HtmlParseError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
    opened = stack.pop()
    if end_tag and end_tag != opened.tag:
        raise HtmlParseError(
            f'Unmatched end tag at byte offset {_byte_offset(text, begin)}, expected "</{opened.tag}>", found "</{end_tag}>"'
        )
    length = utf16_pos - opened.offset
    if length > 0:
        content = "".join(out)[opened.result_index :] if opened.tag == "a" else ""
        entity = _entity_for(opened, length, content)
        if entity is not None:
            _merge_pre_code(entities, entity)
    return i + 1


def _entity_for(opened: _Open, length: int, content: str) -> dict | None:
    kind = _TAGS[opened.tag]
    entity: dict = {"type": kind, "offset": opened.offset, "length": length}
    if kind == "text_link":
        url = opened.argument or content
        user = _USER_LINK.match(url)
        if user:
            return {**entity, "type": "text_mention", "user": {"id": int(user.group(1))}}
        checked = checked_url(url)
        if checked is None:
            return None  # Telegram drops a link it cannot use instead of failing the message
        entity["url"] = checked
    elif kind == "blockquote" and opened.argument == "expandable":
        entity["type"] = "expandable_blockquote"
    elif kind == "custom_emoji":
        if not opened.argument.isdigit() or int(opened.argument) == 0:
            raise HtmlParseError("Invalid custom emoji identifier specified")
        entity["custom_emoji_id"] = opened.argument
    elif kind == "code" and opened.argument:
        entity["language"] = opened.argument
    return entity


def _merge_pre_code(entities: list[dict], entity: dict) -> None:
    """`<pre><code class="language-x">` is one `pre` entity with a language, as in Telegram."""
    last = entities[-1] if entities else None
    if (
        entity["type"] == "pre"
        and last is not None
        and last["type"] == "code"
        and (last["offset"], last["length"]) == (entity["offset"], entity["length"])
    ):
        language = last.pop("language", None)
        last["type"] = "pre"
        if language:
            last["language"] = language
        return
    entities.append(entity)


_SCHEMES = ("http://", "https://", "tg://", "ton://", "ftp://")


def checked_url(url: str) -> str | None:
    """A link as Telegram keeps it: a known scheme, or a host with a dot that gets 'http://'."""
    url = url.strip()
    if not url or any(ch in url for ch in ' \n<>"'):
        return None
    lowered = url.lower()
    if lowered.startswith(_SCHEMES):
        return url
    if "://" in url or "." not in url.split("/", 1)[0]:
        return None
    return "http://" + url
