"""HTML parse mode and automatic entities, checked through sendMessage as Telegram answers them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from playground.client import PlaygroundClient
from tests.fixtures.botapi import BOT_TOKEN


@pytest.fixture
async def send(botapi_url: str, playground: PlaygroundClient) -> AsyncIterator[Any]:
    """sendMessage with parse_mode HTML to a user who started the bot; returns the JSON body."""
    user = await playground.create_user("Tess")
    await playground.start(user.id)
    async with httpx.AsyncClient() as http:

        async def call(text: str, **extra: Any) -> dict[str, Any]:
            params = {"chat_id": user.id, "text": text, "parse_mode": "HTML", **extra}
            response = await http.post(f"{botapi_url}/bot{BOT_TOKEN}/sendMessage", json=params)
            return response.json()

        yield call


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        ("<b>bold</b> <strong>too</strong>", "bold too", [("bold", 0, 4), ("bold", 5, 3)]),
        (
            "<i>a <u>b</u></i> <s>c</s> <del>d</del>",
            "a b c d",
            [
                ("italic", 0, 3),
                ("underline", 2, 1),
                ("strikethrough", 4, 1),
                ("strikethrough", 6, 1),
            ],
        ),
        ("😀 <b>x</b>", "😀 x", [("bold", 3, 1)]),  # offsets count UTF-16 code units
        (
            '<tg-spoiler>s</tg-spoiler><span class="tg-spoiler">t</span>',
            "st",
            [("spoiler", 0, 1), ("spoiler", 1, 1)],
        ),
        (
            "<blockquote>q</blockquote><blockquote expandable>e</blockquote>",
            "qe",
            [("blockquote", 0, 1), ("expandable_blockquote", 1, 1)],
        ),
        ("a &lt;b&gt; &amp; &quot;c&quot; &#65;&#x42; &nbsp;", 'a <b> & "c" AB &nbsp;', []),
        ("  \n<b>trimmed</b>\n  ", "trimmed", [("bold", 0, 7)]),
        ("<code>x</code>", "x", [("code", 0, 1)]),
        ("<b></b>empty", "empty", []),
    ],
)
async def test_html_becomes_text_and_entities(
    send: Any, html: str, text: str, entities: list[tuple[str, int, int]]
) -> None:
    body = await send(html)
    assert body["ok"], body
    result = body["result"]
    assert result["text"] == text
    assert [(e["type"], e["offset"], e["length"]) for e in result.get("entities", [])] == entities


async def test_links_code_languages_and_mentions(send: Any, playground: PlaygroundClient) -> None:
    friend = await playground.create_user("Ugo")
    body = await send(
        f'<a href="https://digiwatt.example/x?a=1&amp;b=2">site</a> <a href="tg://user?id={friend.id}">Ugo</a> '
        '<pre><code class="language-python">x = 1</code></pre> <a href="nowhere">no link</a>'
    )
    entities = body["result"]["entities"]
    assert entities[0] == {
        "type": "text_link",
        "offset": 0,
        "length": 4,
        "url": "https://digiwatt.example/x?a=1&b=2",
    }
    assert (entities[1]["type"], entities[1]["user"]["first_name"]) == ("text_mention", "Ugo")
    assert entities[2] == {"type": "pre", "offset": 9, "length": 5, "language": "python"}
    assert len(entities) == 3  # a link without a usable URL is dropped, not an error


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("é <x>", 'Unsupported start tag "x" at byte offset 3'),  # byte offsets in UTF-8
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<span class="bold">x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        (
            "<a href>x</a>",
            'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0',
        ),
    ],
)
async def test_bad_html_is_refused_with_telegrams_reason(send: Any, html: str, reason: str) -> None:
    body = await send(html)
    assert (body["ok"], body["error_code"]) == (False, 400)
    assert body["description"] == f"Bad Request: can't parse entities: {reason}"


async def test_limits_count_the_parsed_text(send: Any) -> None:
    assert (await send("<b>" + "é" * 4096 + "</b>"))["ok"]
    too_long = await send("a" * 4097)
    assert too_long["description"] == "Bad Request: message is too long"
    empty = await send("  <b> </b>  ")
    assert empty["description"] == "Bad Request: message text is empty"
    other_mode = await send("*x*", parse_mode="Markdown2")
    assert other_mode["description"] == "Bad Request: unsupported parse_mode"


async def test_explicit_entities_are_kept(send: Any) -> None:
    body = await send(
        "plain bold", parse_mode=None, entities=[{"type": "bold", "offset": 6, "length": 4}]
    )
    assert body["result"]["entities"] == [{"type": "bold", "offset": 6, "length": 4}]


async def test_users_text_gets_automatic_entities(playground: PlaygroundClient) -> None:
    user = await playground.create_user("Viola")
    message = await playground.send_text(
        user.id, "see /help@digiwatt_test_bot, mail a@b.it, visit digiwatt.example #tips @friend"
    )
    found = {
        (
            e["type"],
            message.text.encode("utf-16-le")[
                e["offset"] * 2 : (e["offset"] + e["length"]) * 2
            ].decode("utf-16-le"),
        )
        for e in message.entities
    }
    assert found == {
        ("bot_command", "/help@digiwatt_test_bot"),
        ("email", "a@b.it"),
        ("url", "digiwatt.example"),
        ("hashtag", "#tips"),
        ("mention", "@friend"),
    }
    not_commands = await playground.send_text(user.id, "a/b and /x/y")
    assert not_commands.entities == []


async def test_inline_keyboards_are_validated(send: Any) -> None:
    long_data = await send(
        "x", reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "d" * 65}]]}
    )
    assert long_data["description"] == "Bad Request: BUTTON_DATA_INVALID"
    no_action = await send("x", reply_markup={"inline_keyboard": [[{"text": "A"}]]})
    assert (
        no_action["description"] == "Bad Request: text buttons are unallowed in the inline keyboard"
    )
    fine = await send(
        "x", reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "d" * 64}]]}
    )
    assert fine["ok"]
