"""Attacks, each with its test: every one must be rejected (each is counted in the summary table).

- link tokens: forged, expired, damaged, reused, and deep links opened from a group;
- callbacks crafted to reach another account or chat (no callback data carries an account or
  a chat id: each prefix's data is checked, and ids slipped into it change nothing);
- account features used from a group: nothing personal is shown;
- the webhook without or with a wrong secret (403), a huge body (413);
- oversized inputs (5,000+ characters in every state, huge callback data);
- HTML and SQL in every free-text field: shown escaped, stored safely;
- the bot token and the secrets absent from every log line at DEBUG.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.server import SECRET_HEADER, WebhookSettings, create_web_app
from playground.client import ChatMessage, User
from playground.server import RunningServer
from simulator.customers import Customer
from storage.db import transaction
from storage.models import AccountLink, AlertSubscription, Base, Chat
from storage.repositories import links, subscriptions
from tests.fixtures.app import LINK_SECRET, BotHarness
from tests.fixtures.botapi import BOT_TOKEN, BOT_USERNAME
from tests.fixtures.database import sqlite_url
from tests.fixtures.simulator import SIMULATOR_CLIENT_SECRET, create_user, fresh_customer
from tests.integration.bot_process import (
    WEBHOOK_SECRET,
    BotProcess,
    bot_env,
    free_port,
    webhook_env,
)
from tests.integration.conversation_helpers import LINKED, link_of, token_for
from tests.integration.onboarding_driver import asks, link_chat
from tests.reliability.figures import FIGURES
from tests.reliability.fuzz import CALLBACK_DATA, PREFIXES
from tests.reliability.world import forge_press

pytestmark = pytest.mark.slow

TAG = "<b>fz-tag</b>"
INJECTIONS = (
    TAG + '<a href="https://evil.example/">x</a>\'; DROP TABLE chats; --',
    "</code><i>fz-close</i>' OR '1'='1\"); DELETE FROM account_links; --",
)
UNESCAPED = ("<b>fz-tag", '<a href="https://evil.example/', "<i>fz-close")
FIGURE = re.compile(r"\d[\d.,]*\s?(?:kWh|Wh|kW|W)\b")


def attack(name: str, rejected: bool) -> bool:
    FIGURES.ran.add("security")
    return FIGURES.attack(name, rejected)


async def said(bot: BotHarness, chat_id: int, *, quiet: float = 0.3) -> list[ChatMessage]:
    """Everything the bot says in the chat from now until it is quiet."""
    return await bot.playground.drain(chat_id, quiet=quiet, timeout=15)


async def sends(bot: BotHarness, user: User, text: str, *, chat_id: int | None = None) -> str:
    """The user sends `text` (in a group when `chat_id`); what the bot says back, joined."""
    where = chat_id or user.id
    await bot.playground.send_text(user.id, text, chat_id=chat_id)
    return "\n".join(m.html for m in await said(bot, where))


async def linked_user(
    bot: BotHarness, simulator_url: str, name: str = "Victim"
) -> tuple[User, Customer]:
    user = await bot.user(name)
    customer = fresh_customer()
    create_user(simulator_url, customer)
    await link_chat(bot, user, customer)
    await bot.playground.start(user.id)  # the user has opened the bot: it may write to them
    await said(bot, user.id)
    return user, customer


async def db_state(bot: BotHarness) -> dict[str, object]:
    """Links and subscriptions, to compare before and after an attack."""
    sessions = bot.application.bot_data.sessionmaker
    assert sessions is not None
    async with transaction(sessions, read_only=True) as session:
        linked = (
            await session.execute(select(AccountLink.chat_id, AccountLink.account_number))
        ).all()
        subscribed = (
            await session.execute(
                select(
                    AlertSubscription.chat_id,
                    AlertSubscription.enabled,
                    AlertSubscription.daily_time,
                )
            )
        ).all()
        counts = {
            t.name: (await session.execute(select(func.count()).select_from(t))).scalar_one()
            for t in Base.metadata.sorted_tables
        }
    return {"links": sorted(linked), "subscriptions": sorted(subscribed), "tables": sorted(counts)}


# --- link tokens -------------------------------------------------------------------------------


async def test_forged_expired_damaged_and_reused_link_tokens_link_nothing(
    bot: BotHarness, simulator_customer: Customer
) -> None:
    mallory, anna = await bot.user("Mallory"), await bot.user("Anna")
    genuine = token_for(simulator_customer)
    tokens = {
        "forged link token": token_for(
            simulator_customer, secret="mallory-made-this-secret-0123456789abc"
        ),
        "expired link token": token_for(
            simulator_customer, ttl=timedelta(hours=1), now=datetime.now(UTC) - timedelta(hours=3)
        ),
        "damaged link token": genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"),
        "truncated link token": genuine[:30],
        "link token of another alphabet": "%27%3B--" + genuine[8:20],
    }
    for name, token in tokens.items():
        answer = await sends(bot, mallory, f"/start {token}")
        refused = await link_of(bot, mallory.id) is None and LINKED not in answer
        assert attack(name, refused and ("expired" in answer or "not valid" in answer)), answer

    await bot.playground.start(anna.id, genuine)  # the genuine owner uses it once
    await bot.playground.next_message(anna.id, LINKED)
    answer = await sends(bot, mallory, f"/start {genuine}")
    assert attack("reused link token", await link_of(bot, mallory.id) is None), answer
    assert "already been used" in answer

    group = await bot.playground.create_group("Family", [mallory.id, anna.id])
    other = token_for(fresh_customer())
    await sends(bot, mallory, f"/start@{BOT_USERNAME} {other}", chat_id=group)
    assert attack("deep link opened in a group", await link_of(bot, group) is None)


# --- callbacks aimed at someone else -------------------------------------------------------------


async def test_callback_data_carries_no_ids_and_crafted_ids_reach_no_other_account(
    bot: BotHarness, botapi_server: RunningServer, simulator_url: str
) -> None:
    victim, account = await linked_user(bot, simulator_url)
    mallory, _theirs = await linked_user(bot, simulator_url, "Mallory")
    # The victim uses every feature with buttons, so that their data formats can be inspected.
    for text in ("/menu", "/settings", "/profile", "/unlink", "/consumption"):
        await sends(bot, victim, text)
    await bot.playground.press(victim.id, data="set:alerts:on")
    await said(bot, victim.id)
    seen = {
        b.callback_data
        for m in await bot.playground.history(victim.id)
        for row in m.buttons
        for b in row
        if b.callback_data
    }
    prefixes = {data.split(":", 1)[0] + ":" for data in seen}
    assert {"ins:", "set:", "onb:", "acc:"} <= prefixes, prefixes
    ids = {str(victim.id), account.account_number, account.pod}
    leaking = [data for data in seen if any(i in data for i in ids)]
    assert attack("callback data carrying an account or chat id", not leaking), leaking

    before = await db_state(bot)
    await bot.playground.mark(victim.id)
    crafted = [
        f"{data}:{target}"
        for data in (
            "acc:unlink:yes",
            "acc:delete:yes",
            "set:alerts:off",
            "alr:stop",
            "set:lang:it",
        )
        for target in (victim.id, account.account_number)
    ] + [
        f"ins:o:consumption:month:-:-:{account.account_number}",
        f"ins:o:{account.account_number}:month:-:-",
        f"onb:ok:{victim.id}",
        f"adm:stats:{victim.id}",
        f"lnk:start:{account.account_number}",
    ]
    anchor = await bot.application.bot.send_message(mallory.id, "Buttons follow")
    await said(bot, mallory.id)
    for data in crafted:
        press = await forge_press(botapi_server, mallory.id, mallory.id, anchor.message_id, data)
        answer = await bot.playground.callback_answer(press["callback_query_id"])
        shown = "\n".join(m.html for m in await said(bot, mallory.id, quiet=0.2))
        safe = answer.answered and not any(i in shown + (answer.text or "") for i in ids)
        assert attack(f"crafted callback {data.split(':')[0]}: with another's id", safe), data
    assert await db_state(bot) == before  # neither the victim's link nor their alerts changed
    assert await bot.playground.drain(victim.id, quiet=0.3) == []  # nothing reached their chat


# --- groups --------------------------------------------------------------------------------------


async def test_account_features_in_a_group_show_nothing_personal(
    bot: BotHarness, botapi_server: RunningServer, simulator_url: str
) -> None:
    owner, customer = await linked_user(bot, simulator_url, "Owner")
    friend = await bot.user("Friend")
    personal = (customer.account_number, customer.pod)
    before = await db_state(bot)
    commands = (
        "/consumption", "/now", "/last6h", "/compare", "/habits", "/trend", "/appliances",
        "/savings", "/green", "/menu", "/profile", "/settings", "/unlink", "/deleteme", "/link",
        "/stats",
    )  # fmt: skip
    for index, command in enumerate(commands):
        if index % 4 == 0:  # a new group now and then: Telegram allows 20 messages a minute in one
            group = await bot.playground.create_group(f"Friends {index}", [owner.id, friend.id])
            await said(bot, group)
        for text in (command, f"{command}@{BOT_USERNAME}"):
            shown = await sends(bot, owner, text, chat_id=group)
            photos = await bot.playground.calls("sendPhoto")
            safe = not any(p in shown for p in personal) and not FIGURE.search(shown)
            safe = safe and not [c for c in photos if c.params.get("chat_id") == group]
            assert attack(f"{text} in a group", safe), shown
    group = await bot.playground.create_group("Friends again", [owner.id, friend.id])
    anchor = await bot.application.bot.send_message(group, "Buttons follow")
    await said(bot, group)
    for data in ("ins:o:consumption:month:time:-", "ins:menu", "set:alerts:off", "acc:unlink:yes",
                 "acc:delete:yes", "onb:new", "alr:stop", "adm:stats", "lnk:start"):  # fmt: skip
        press = await forge_press(botapi_server, owner.id, group, anchor.message_id, data)
        answer = await bot.playground.callback_answer(press["callback_query_id"])
        shown = "\n".join(m.html for m in await said(bot, group, quiet=0.2)) + (answer.text or "")
        safe = (
            answer.answered and not any(p in shown for p in personal) and not FIGURE.search(shown)
        )
        assert attack(f"button {data} pressed in a group", safe), shown
    assert await db_state(bot) == before


# --- the webhook ---------------------------------------------------------------------------------


async def test_the_webhook_refuses_requests_without_the_right_secret_or_too_big(
    bot: BotHarness,
) -> None:
    hook = WebhookSettings("https://bot.example/telegram", "/telegram", SecretStr(WEBHOOK_SECRET),
                           "127.0.0.1", 8443, 40)  # fmt: skip
    app = create_web_app(bot.application, webhook=hook)
    mallory = await bot.user("Mallory")
    update = {
        "update_id": 900_001,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": mallory.id, "type": "private", "first_name": "Mallory"},
            "from": {"id": mallory.id, "is_bot": False, "first_name": "Mallory"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    right = {SECRET_HEADER: WEBHOOK_SECRET}
    cases = {
        "webhook request without a secret": ({}, json.dumps(update), 403),
        "webhook request with a wrong secret": ({SECRET_HEADER: "guess"}, json.dumps(update), 403),
        "webhook request with the secret's prefix": (
            {SECRET_HEADER: WEBHOOK_SECRET[:-1]}, json.dumps(update), 403),
        "webhook request with a huge body": (right, '{"update_id": 1, "x": "' + "a" * 400_000 + '"}', 413),
        "webhook request that is not JSON": (right, "[1, 2", 400),
        "webhook request that is not an update": (right, '"update"', 400),
    }  # fmt: skip
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
        for name, (headers, body, status) in cases.items():
            response = await http.post("/telegram", content=body, headers=headers)
            assert attack(name, response.status_code == status), (name, response.status_code)
    assert bot.application.update_queue.empty()
    assert await bot.playground.drain(mallory.id, quiet=0.3) == []


# --- oversized input -----------------------------------------------------------------------------


async def test_oversized_inputs_get_a_friendly_answer_in_every_state(
    bot: BotHarness, botapi_server: RunningServer, simulator_url: str
) -> None:
    huge = "9" * 5000  # digits: the most tempting for a parser
    user, _customer = await linked_user(bot, simulator_url, "Long")
    stranger = await bot.user("Stranger")
    states = {
        "the POD question": (stranger, "/link", huge),
        "the account number question": (stranger, None, huge),
        "a plain question": (user, None, huge),
        "the typed alert time": (user, "tap set:time:type", huge),
        "the house size": (user, "onboard", huge),
    }
    for name, (who, before, text) in states.items():
        if before == "/link":
            await sends(bot, who, "/link")
        elif before == "tap set:time:type":
            await sends(bot, who, "/settings")
            await bot.playground.press(who.id, data="set:time")
            await said(bot, who.id)
            await bot.playground.press(who.id, data="set:time:type")
            await said(bot, who.id)
        elif before == "onboard":
            await sends(bot, who, "/cancel")
            await sends(bot, who, "/profile")
            await bot.playground.press(who.id, data="onb:new")
            await bot.playground.next_message(who.id, asks("type"))
            await bot.playground.press(who.id, data="onb:type:apartment")
            await bot.playground.next_message(who.id, asks("size"))
        if name == "the account number question":
            await sends(bot, who, fresh_customer().pod)
        answer = await sends(bot, who, text)
        friendly = bool(answer) and huge not in answer and "went wrong" not in answer
        assert attack(f"5,000 characters at {name}", friendly), answer[:300]

    anchor = await bot.application.bot.send_message(user.id, "Buttons follow")
    await said(bot, user.id)
    for prefix in PREFIXES:
        press = await forge_press(
            botapi_server, user.id, user.id, anchor.message_id, prefix + "x" * 10_000
        )
        answer = await bot.playground.callback_answer(press["callback_query_id"])
        assert attack(f"10 KB callback data {prefix}", answer.answered), prefix
    await said(bot, user.id)


# --- HTML and SQL --------------------------------------------------------------------------------


async def test_html_and_sql_in_every_free_text_field_are_shown_escaped_and_stored_safely(
    bot: BotHarness, simulator_url: str
) -> None:
    user, _customer = await linked_user(bot, simulator_url, "Inject")
    stranger = await bot.user("<b>fz-tag</b>'; DROP TABLE chats; --")
    shown: list[str] = []

    async def field(name: str, who: User, setup: list[str], payload: str) -> None:
        for step in setup:
            if step.startswith("tap "):
                await bot.playground.press(who.id, data=step.removeprefix("tap "))
                await said(bot, who.id)
            else:
                await sends(bot, who, step)
        answer = await sends(bot, who, payload)
        shown.append(answer)
        escaped = bool(answer) and not any(marker in answer for marker in UNESCAPED)
        assert attack(f"injection in {name}", escaped), answer[:300]

    for payload in INJECTIONS:
        await field("the POD", stranger, ["/cancel", "/link"], payload)
        await field(
            "the account number", stranger, ["/cancel", "/link", fresh_customer().pod], payload
        )
        await field("a plain question", user, ["/cancel"], payload)
        await field(
            "the typed alert time",
            user,
            ["/cancel", "/settings", "tap set:time", "tap set:time:type"],
            payload,
        )
        await field(
            "the house size",
            user,
            ["/cancel", "/profile", "tap onb:new", "tap onb:type:apartment"],
            payload,
        )
        await field("the province", user, ["85"], payload)
    await field("the user's name", stranger, ["/cancel"], "/start")
    assert html.escape("<b>fz-tag</b>", quote=False) in shown[-1]

    # Stored safely: every table is still there and answers; the data is what it was.
    state = await db_state(bot)
    assert state["tables"] == sorted(t.name for t in Base.metadata.sorted_tables)
    sessions = bot.application.bot_data.sessionmaker
    assert sessions is not None
    async with transaction(sessions, read_only=True) as session:
        assert await session.get(Chat, stranger.id) is not None
        assert await links.get_link(session, user.id) is not None
        subscription = await subscriptions.get(session, user.id)
    assert subscription is None or re.fullmatch(r"\d\d:\d\d", subscription.daily_time)
    assert attack("SQL through free text", await link_of(bot, user.id) is not None)


# --- secrets in logs -----------------------------------------------------------------------------


async def test_no_secret_reaches_the_logs_at_debug(
    playground: object, botapi_url: str, simulator_url: str, tmp_path: Path
) -> None:
    from playground.client import PlaygroundClient

    assert isinstance(playground, PlaygroundClient)
    port = free_port()
    env = bot_env(
        botapi_url, simulator_url, sqlite_url(tmp_path / "bot.db"), LOG_LEVEL="DEBUG",
        **webhook_env(port),
    )  # fmt: skip
    process = BotProcess(env, tmp_path / "bot.log", "run", "--webhook").start()
    customer = fresh_customer()
    try:
        await process.wait_healthy(port)
        anna = await playground.create_user("Anna")
        await playground.start(anna.id, token_for(customer))
        await playground.next_message(anna.id, LINKED, timeout=30)
        await playground.send_text(anna.id, "how much did I use yesterday?")
        await playground.next_message(anna.id, lambda m: m.kind == "photo", timeout=30)
        async with httpx.AsyncClient(timeout=10) as http:  # a stranger at the webhook, too
            await http.post(f"http://127.0.0.1:{port}/telegram", json={"update_id": 1},
                            headers={SECRET_HEADER: "guess"})  # fmt: skip
        assert await process.stop() == 0
    finally:
        process.kill()
    logs = process.logs()
    assert len(logs.splitlines()) > 20, "DEBUG should say a lot"
    secrets = {
        "bot token": BOT_TOKEN,
        "bot token's secret part": BOT_TOKEN.split(":")[1],
        "Digiwatt client secret": SIMULATOR_CLIENT_SECRET,
        "link secret": LINK_SECRET,
        "webhook secret": WEBHOOK_SECRET,
    }
    for name, secret in secrets.items():
        assert attack(f"{name} in DEBUG logs", secret not in logs), name
    assert "Traceback" not in logs


def test_every_callback_prefix_of_the_fuzz_is_covered() -> None:
    """The fuzz (and the attacks above) cover every feature's prefix."""
    assert {data.split(":")[0] + ":" for data in CALLBACK_DATA if ":" in data} >= set(PREFIXES)


async def test_account_and_settings_buttons_forged_under_a_chart_are_answered_below_it(
    bot: BotHarness, botapi_server: RunningServer, simulator_url: str
) -> None:
    """Found by the fuzz: these buttons edit their message, and a photo has no text to edit."""
    user, _customer = await linked_user(bot, simulator_url, "Chart")
    failures: list[BaseException] = []

    async def capture(update: object, context: object) -> None:
        failures.append(context.error)  # type: ignore[attr-defined]

    bot.application.add_error_handler(capture)
    await bot.playground.send_text(user.id, "/consumption")
    chart = await bot.playground.next_message(user.id, lambda m: m.kind == "photo", timeout=15)
    await said(bot, user.id)
    for data in ("acc:unlink:no", "acc:delete:no", "set:close", "set:main", "set:forged"):
        press = await forge_press(botapi_server, user.id, user.id, chart.message_id, data)
        answer = await bot.playground.callback_answer(press["callback_query_id"])
        below = await said(bot, user.id)
        handled = answer.answered and bool(below) and not failures
        assert attack(f"{data} forged under a photo", handled), (data, failures, below)
