"""Entities back to safe HTML, for the web chat to show a message as Telegram's clients would."""

from __future__ import annotations

import html
import itertools

_SIMPLE = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ('<span class="tg-spoiler">', "</span>"),
    "code": ("<code>", "</code>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ('<blockquote class="expandable">', "</blockquote>"),
    "bot_command": ('<span class="tg-command">', "</span>"),
    "hashtag": ('<span class="tg-hashtag">', "</span>"),
    "cashtag": ('<span class="tg-hashtag">', "</span>"),
    "mention": ('<span class="tg-mention">', "</span>"),
    "text_mention": ('<span class="tg-mention">', "</span>"),
    "custom_emoji": ("", ""),
}


def _tags(entity: dict, content: str) -> tuple[str, str]:
    kind = entity["type"]
    if kind == "text_link":
        href = html.escape(entity.get("url", ""), quote=True)
        return f'<a href="{href}" target="_blank" rel="noopener noreferrer">', "</a>"
    if kind == "url":
        target = content if "://" in content else "http://" + content
        href = html.escape(target, quote=True)
        return f'<a href="{href}" target="_blank" rel="noopener noreferrer">', "</a>"
    if kind == "email":
        return f'<a href="mailto:{html.escape(content, quote=True)}">', "</a>"
    if kind == "pre":
        lang = entity.get("language")
        cls = f' class="language-{html.escape(lang, quote=True)}"' if lang else ""
        return f"<pre><code{cls}>", "</code></pre>"
    return _SIMPLE.get(kind, ("", ""))


def to_html(text: str | None, entities: list[dict] | None) -> str:
    """HTML for `text` with its entities; overlapping entities are closed and reopened as needed."""
    if not text:
        return ""
    raw = text.encode("utf-16-le")
    units = len(raw) // 2
    ordered = sorted(entities or [], key=lambda e: (e["offset"], -e["length"]))
    cuts = {0, units}
    for e in ordered:
        cuts.update(
            (max(0, min(units, e["offset"])), max(0, min(units, e["offset"] + e["length"])))
        )
    points = sorted(cuts)
    out: list[str] = []
    stack: list[tuple[int, str]] = []  # (index in `ordered`, closing tag)
    for start, end in itertools.pairwise(points):
        chunk = raw[start * 2 : end * 2].decode("utf-16-le", errors="replace")
        active = [
            i
            for i, e in enumerate(ordered)
            if e["offset"] <= start and e["offset"] + e["length"] >= end
        ]
        keep = 0
        while keep < len(stack) and keep < len(active) and stack[keep][0] == active[keep]:
            keep += 1
        while len(stack) > keep:
            out.append(stack.pop()[1])
        for i in active[keep:]:
            e = ordered[i]
            content = _content(raw, e)
            opening, closing = _tags(e, content)
            out.append(opening)
            stack.append((i, closing))
        out.append(html.escape(chunk, quote=False).replace("\n", "<br>"))
    while stack:
        out.append(stack.pop()[1])
    return "".join(out)


def _content(raw: bytes, entity: dict) -> str:
    start, length = entity["offset"], entity["length"]
    return raw[start * 2 : (start + length) * 2].decode("utf-16-le", errors="replace")
