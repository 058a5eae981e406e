"""The playground's Bot API at the HTTP level: Telegram's formats, errors and update semantics."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram import Bot, MenuButtonCommands
from telegram.error import NetworkError, RetryAfter

from playground.client import PlaygroundClient
from playground.config import BotIdentity, PlaygroundConfig
from playground.server import run_in_thread
from tests.fixtures.botapi import BOT_TOKEN, BOT_USERNAME, tiny_png


class Api:
    """A bare Bot API caller: returns (HTTP status, JSON body)."""

    def __init__(self, http: httpx.AsyncClient, url: str, token: str = BOT_TOKEN) -> None:
        self.http = http
        self.root = f"{url}/bot{token}"

    async def __call__(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        response = await self.http.post(f"{self.root}/{method}", json=params)
        return response.status_code, response.json()

    async def ok(self, method: str, **params: Any) -> Any:
        status, body = await self(method, **params)
        assert (status, body["ok"]) == (200, True), body
        return body["result"]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


@pytest.fixture
def api(http: httpx.AsyncClient, botapi_url: str) -> Api:
    return Api(http, botapi_url)


@pytest.fixture
async def ptb_bot(botapi_url: str) -> AsyncIterator[Bot]:
    async with Bot(
        BOT_TOKEN, base_url=f"{botapi_url}/bot", base_file_url=f"{botapi_url}/file/bot"
    ) as bot:
        yield bot


async def started_user(playground: PlaygroundClient, api: Api, name: str = "Ugo") -> int:
    """A user who opened the bot; the /start update is confirmed so queues start empty."""
    user = await playground.create_user(name)
    await playground.start(user.id)
    updates = await api.ok("getUpdates")
    await api.ok("getUpdates", offset=updates[-1]["update_id"] + 1)
    return user.id


async def test_tokens_and_methods_are_checked_like_telegram(
    http: httpx.AsyncClient, botapi_url: str
) -> None:
    wrong = await http.get(f"{botapi_url}/bot999:nope/getMe")
    assert (wrong.status_code, wrong.json()) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    unknown = await http.post(f"{botapi_url}/bot{BOT_TOKEN}/sendTelepathy")
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    me = await http.get(f"{botapi_url}/bot{BOT_TOKEN}/GETME")  # method names ignore case
    assert me.json()["result"]["username"] == BOT_USERNAME
    assert me.json()["result"]["id"] == int(BOT_TOKEN.split(":")[0])


async def test_json_form_multipart_and_query_bodies_are_all_understood(
    http: httpx.AsyncClient, botapi_url: str, api: Api, playground: PlaygroundClient
) -> None:
    uid = await started_user(playground, api)
    root = f"{botapi_url}/bot{BOT_TOKEN}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    as_json = await http.post(root, json={"chat_id": uid, "text": "json", "reply_markup": markup})
    as_form = await http.post(
        root, data={"chat_id": str(uid), "text": "form", "reply_markup": json.dumps(markup)}
    )
    as_multipart = await http.post(
        root, data={"chat_id": str(uid), "text": "multipart"}, files={"x": ("x.txt", b"x")}
    )
    as_query = await http.get(root, params={"chat_id": uid, "text": "query"})
    results = [r.json()["result"] for r in (as_json, as_form, as_multipart, as_query)]
    assert [r["text"] for r in results] == ["json", "form", "multipart", "query"]
    assert results[0]["reply_markup"] == results[1]["reply_markup"] == markup
    assert [r["message_id"] for r in results] == [
        2,
        3,
        4,
        5,
    ]  # per-chat ids after the user's /start
    recorded = [c.params for c in await playground.calls("sendMessage")]
    # Decoded from the form's strings, the way Telegram reads them.
    assert (recorded[1]["chat_id"], recorded[1]["reply_markup"]) == (uid, markup)


async def test_offsets_confirm_and_negative_offsets_keep_the_last(
    api: Api, playground: PlaygroundClient
) -> None:
    uid = await started_user(playground, api)
    for text in ("one", "two", "three"):
        await playground.send_text(uid, text)
    everything = await api.ok("getUpdates")
    assert [u["message"]["text"] for u in everything] == ["one", "two", "three"]
    first_id = everything[0]["update_id"]
    assert [u["update_id"] for u in everything] == [first_id, first_id + 1, first_id + 2]
    assert len(await api.ok("getUpdates", limit=2)) == 2
    after_confirm = await api.ok("getUpdates", offset=first_id + 1)
    assert [u["message"]["text"] for u in after_confirm] == ["two", "three"]
    assert [u["message"]["text"] for u in await api.ok("getUpdates")] == [
        "two",
        "three",
    ]  # "one" is gone
    last_only = await api.ok("getUpdates", offset=-1)
    assert [u["message"]["text"] for u in last_only] == ["three"]
    assert await api.ok("getUpdates", offset=first_id + 3) == []


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    api: Api, playground: PlaygroundClient
) -> None:
    uid = await started_user(playground, api)
    poll = asyncio.create_task(api.ok("getUpdates", timeout=30))
    await asyncio.sleep(0.2)
    assert not poll.done()
    await playground.send_text(uid, "wake up")
    updates = await asyncio.wait_for(poll, 5)  # far less than the poll's 30 s
    assert [u["message"]["text"] for u in updates] == ["wake up"]


async def test_a_second_poller_terminates_the_first_with_conflict(
    api: Api, playground: PlaygroundClient
) -> None:
    await started_user(playground, api)
    first = asyncio.create_task(api("getUpdates", timeout=30))
    await asyncio.sleep(0.2)
    second = asyncio.create_task(api("getUpdates", timeout=1))
    status, body = await asyncio.wait_for(first, 5)
    assert status == 409
    assert body["description"] == (
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    )
    assert (await second)[0] == 200


async def test_allowed_updates_filters_what_is_queued(
    api: Api, playground: PlaygroundClient
) -> None:
    uid = await started_user(playground, api)
    sent = await api.ok(
        "sendMessage",
        chat_id=uid,
        text="Pick",
        reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
    )
    await api.ok("getUpdates", allowed_updates=["callback_query"])
    await playground.send_text(uid, "ignored")
    await playground.press(uid, sent["message_id"], "a")
    updates = await api.ok("getUpdates")
    assert [list(u)[1] for u in updates] == ["callback_query"]
    assert updates[0]["callback_query"]["message"]["message_id"] == sent["message_id"]
    assert updates[0]["callback_query"]["data"] == "a"


async def test_getupdates_conflicts_while_a_webhook_is_set(
    api: Api, playground: PlaygroundClient
) -> None:
    assert await api.ok("setWebhook", url="http://127.0.0.1:9/hook", secret_token="s3cret")
    status, body = await api("getUpdates")
    assert status == 409
    assert body["description"].startswith(
        "Conflict: can't use getUpdates method while webhook is active"
    )
    info = await api.ok("getWebhookInfo")
    assert info["url"] == "http://127.0.0.1:9/hook"
    assert await api.ok("deleteWebhook", drop_pending_updates=True)
    assert (await api("getUpdates"))[0] == 200


async def test_callback_queries_can_be_answered_once(
    api: Api, playground: PlaygroundClient
) -> None:
    uid = await started_user(playground, api)
    sent = await api.ok(
        "sendMessage",
        chat_id=uid,
        text="Pick",
        reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
    )
    press = await playground.press(uid, sent["message_id"], "a")
    assert await api.ok(
        "answerCallbackQuery",
        callback_query_id=press.callback_query_id,
        text="Done",
        show_alert=True,
    )
    status, body = await api("answerCallbackQuery", callback_query_id=press.callback_query_id)
    assert (status, body["description"]) == (
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )
    answer = await playground.callback_answer(press.callback_query_id)
    assert (answer.text, answer.show_alert) == ("Done", True)


async def test_a_late_answer_is_too_old() -> None:
    token = "777:late"
    config = PlaygroundConfig(bots=[BotIdentity(token, "late_bot")], callback_answer_timeout=0.2)
    server = run_in_thread(config)
    try:
        async with httpx.AsyncClient() as http, PlaygroundClient(server.url, http=http) as pg:
            api = Api(http, server.url, token)
            user = await pg.create_user("Vera")
            await pg.start(user.id)
            sent = await api.ok(
                "sendMessage",
                chat_id=user.id,
                text="Pick",
                reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
            )
            press = await pg.press(user.id, sent["message_id"], "a")
            await asyncio.sleep(0.3)
            status, body = await api(
                "answerCallbackQuery", callback_query_id=press.callback_query_id
            )
            assert status == 400
            assert "query is too old" in body["description"]
            assert not (await pg.callback_answer(press.callback_query_id, timeout=0)).answered
    finally:
        server.stop()


@pytest.fixture
def timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns when it builds a RetryAfter unless PTB_TIMEDELTA opts in (warnings are errors)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.mark.usefixtures("timedelta_retry_after")
async def test_flood_limits_answer_429_with_retry_after(
    ptb_bot: Bot, api: Api, playground: PlaygroundClient
) -> None:
    uid = await started_user(playground, api)
    await playground.flood(limit=2, window=60)
    await ptb_bot.send_message(uid, "one")
    await ptb_bot.send_message(uid, "two")
    with pytest.raises(RetryAfter) as caught:
        await ptb_bot.send_message(uid, "three")
    assert 55 <= caught.value.retry_after.total_seconds() <= 60
    status, body = await api("sendMessage", chat_id=uid, text="still too soon")
    assert status == 429
    assert body["parameters"]["retry_after"] >= 55
    assert body["description"].startswith("Too Many Requests: retry after ")
    assert await api.ok("sendChatAction", chat_id=uid, action="typing")  # actions are not counted
    await playground.clear_flood()
    await playground.reset()  # penalties end with the limits
    other = await started_user(playground, api, "Walter")
    await ptb_bot.send_message(other, "free again")


@pytest.mark.usefixtures("timedelta_retry_after")
async def test_injected_faults_fail_the_next_calls_only(
    ptb_bot: Bot, api: Api, playground: PlaygroundClient
) -> None:
    uid = await started_user(playground, api)
    await playground.fail_next("sendMessage", 502)
    await playground.fail_next("sendPhoto", 429, retry_after=3)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await ptb_bot.send_message(uid, "lost")
    with pytest.raises(RetryAfter):
        await ptb_bot.send_photo(uid, tiny_png())
    assert (await ptb_bot.send_message(uid, "kept")).text == "kept"
    assert [m.content for m in await playground.history(uid)] == ["/start", "kept"]


async def test_groups_follow_privacy_mode(api: Api, playground: PlaygroundClient) -> None:
    alice = await playground.create_user("Alice")
    bob = await playground.create_user("Bob")
    group = await playground.create_group("Family", [alice.id, bob.id])
    joined = await api.ok("getUpdates")
    assert [list(u)[1] for u in joined] == ["my_chat_member", "message"]
    assert joined[1]["message"]["new_chat_members"][0]["username"] == BOT_USERNAME
    await api.ok("getUpdates", offset=joined[-1]["update_id"] + 1)
    await playground.send_text(alice.id, "dinner at 8?", chat_id=group)
    await playground.send_text(bob.id, f"/help@{BOT_USERNAME}", chat_id=group)
    await playground.send_text(bob.id, f"hey @{BOT_USERNAME}", chat_id=group)
    await playground.send_text(alice.id, "/help@other_bot", chat_id=group)
    seen = [u["message"]["text"] for u in await api.ok("getUpdates")]
    assert seen == [f"/help@{BOT_USERNAME}", f"hey @{BOT_USERNAME}"]
    sent = await api.ok(
        "sendMessage", chat_id=group, text="Not here, please write to me privately."
    )
    assert sent["chat"] == {
        "id": group,
        "type": "group",
        "title": "Family",
        "all_members_are_administrators": True,
    }
    assert [m.content for m in await playground.history(group, user_id=bob.id)][-1].startswith(
        "Not here"
    )


async def test_user_photos_and_edits_reach_the_bot(
    http: httpx.AsyncClient, botapi_url: str, api: Api, playground: PlaygroundClient
) -> None:
    uid = await started_user(playground, api)
    picture = tiny_png(300, 200)
    await playground.send_photo(uid, picture, caption="my bill")
    message = await playground.send_text(uid, "typo")
    await playground.edit_text(uid, message.message_id, "fixed")
    photo_update, text_update, edit_update = await api.ok("getUpdates")
    sizes = photo_update["message"]["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [(90, 60), (300, 200)]
    assert photo_update["message"]["caption"] == "my bill"
    file = await api.ok("getFile", file_id=sizes[-1]["file_id"])
    download = await http.get(f"{botapi_url}/file/bot{BOT_TOKEN}/{file['file_path']}")
    assert download.content == picture
    assert file["file_size"] == len(picture)
    assert text_update["message"]["text"] == "typo"
    assert edit_update["edited_message"]["text"] == "fixed"
    assert edit_update["edited_message"]["message_id"] == message.message_id
    assert "edit_date" in edit_update["edited_message"]


async def test_photos_are_checked_and_can_be_resent_by_file_id(
    api: Api, playground: PlaygroundClient, http: httpx.AsyncClient, botapi_url: str
) -> None:
    uid = await started_user(playground, api)
    url = f"{botapi_url}/bot{BOT_TOKEN}/sendPhoto"
    broken = await http.post(
        url, data={"chat_id": str(uid)}, files={"photo": ("x.png", b"not an image", "image/png")}
    )
    assert broken.json()["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    long_caption = await http.post(
        url,
        data={"chat_id": str(uid), "caption": "c" * 1025},
        files={"photo": ("x.png", tiny_png(), "image/png")},
    )
    assert long_caption.json()["description"] == "Bad Request: message caption is too long"
    first = (
        await http.post(
            url, data={"chat_id": str(uid)}, files={"photo": ("x.png", tiny_png(), "image/png")}
        )
    ).json()["result"]
    again = await api.ok("sendPhoto", chat_id=uid, photo=first["photo"][-1]["file_id"])
    assert again["photo"] == first["photo"]
    status, body = await api("sendPhoto", chat_id=uid, photo="https://example.org/a.png")
    assert (status, body["description"]) == (400, "Bad Request: failed to get HTTP URL content")
    status, body = await api("sendPhoto", chat_id=uid, photo="AgACnonsense")
    assert body["description"] == "Bad Request: wrong file identifier/HTTP URL specified"


async def test_deleted_messages_leave_the_history(api: Api, playground: PlaygroundClient) -> None:
    uid = await started_user(playground, api)
    sent = await api.ok("sendMessage", chat_id=uid, text="temporary")
    assert await api.ok("deleteMessage", chat_id=uid, message_id=sent["message_id"])
    status, body = await api("deleteMessage", chat_id=uid, message_id=sent["message_id"])
    assert (status, body["description"]) == (400, "Bad Request: message to delete not found")
    assert [m.content for m in await playground.history(uid)] == ["/start"]
    status, body = await api("editMessageText", chat_id=uid, message_id=1, text="not mine")
    assert body["description"] == "Bad Request: message can't be edited"


async def test_documents_keep_their_name_and_bytes(
    ptb_bot: Bot, api: Api, playground: PlaygroundClient
) -> None:
    uid = await started_user(playground, api)
    export = b"date;kWh\n2025-01-01;7.5\n"
    sent = await ptb_bot.send_document(uid, export, filename="consumption.csv", caption="Your data")
    assert (sent.document.file_name, sent.document.file_size) == ("consumption.csv", len(export))
    seen = (await playground.history(uid))[-1]
    assert (seen.kind, seen.caption) == ("document", "Your data")
    assert await playground.file_bytes(seen.document_url) == export
    edited = await ptb_bot.edit_message_caption(
        uid, sent.message_id, caption="Your data (all of it)"
    )
    assert edited.caption == "Your data (all of it)"


async def test_menu_button_descriptions_and_deleted_commands(
    ptb_bot: Bot, api: Api, playground: PlaygroundClient
) -> None:
    uid = await started_user(playground, api)
    await ptb_bot.set_my_commands([("help", "Help")], language_code="en")
    await ptb_bot.set_my_description("Energy tips from your supplier", language_code="en")
    await ptb_bot.set_my_description("Consigli sull'energia")
    await ptb_bot.set_chat_menu_button(uid, MenuButtonCommands())
    assert (await ptb_bot.get_chat_menu_button(uid)).type == "commands"
    state = await playground.chat(uid)
    assert state.commands == [{"command": "help", "description": "Help"}]
    assert state.raw["bot"]["description"] == "Energy tips from your supplier"
    assert (
        await ptb_bot.get_my_description(language_code="de")
    ).description == "Consigli sull'energia"
    assert await ptb_bot.delete_my_commands(language_code="en")
    assert await ptb_bot.get_my_commands(language_code="en") == ()
    assert (await playground.chat(uid)).commands == []
