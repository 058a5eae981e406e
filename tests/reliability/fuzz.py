"""The fuzz: personas in every conversation state, random steps drawn by hypothesis, the answer rule.

A `Step` is what one user does (type, send a command, open a deep link, send media, press a
button that is there, press a forged one, edit a message) in their private chat or in one of
their groups. `Fuzzer.run(persona, step)` makes it happen through the playground and waits
until the bot has finished the resulting update(s); `Fuzzer.check_round()` then decides, from
the playground's journal, whether each update was answered as the rule says:

- a button press, anywhere, is always answered (answerCallbackQuery: the spinner stops);
- in a private chat every message and every edited message gets a message or an edit back;
- in a group only commands for this bot must be answered: `/cmd@<this bot>`, or one of the
  bot's own commands without a username; anything else people say in a group (plain text,
  mentions, replies, media, other bots' commands, edited messages) may be ignored on purpose.
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from telegram import Update

from bot.app import BotApplication
from bot.commands import COMMANDS
from playground.client import PlaygroundClient, PlaygroundError, User
from playground.server import RunningServer
from playground.world.errors import WorldError
from simulator.customers import Customer
from tests.fixtures.botapi import BOT_USERNAME, tiny_png
from tests.integration.conversation_helpers import token_for
from tests.reliability.world import (
    bot_messages,
    forge_press,
    user_edits,
    user_presses,
    user_sends,
)

# --- what users type ----------------------------------------------------------------------------

OWN_COMMANDS = frozenset({name for name, _ in COMMANDS} | {"start", "cancel"})
COMMAND_WORDS = (
    *sorted(OWN_COMMANDS),
    "stats",
    "START",
    "Menu",
    "cancel_",
    "foo",
    "x" * 40,
    "_",
    "0",
)
# Tags with a marker: if one of them ever reaches a bot message unescaped, the check finds it.
INJECTED_TAGS = (
    "<b>fz-b</b>",
    "<i>fz-i</i>",
    '<a href="https://evil.example/">fz-a</a>',
    "<tg-spoiler>fz-s</tg-spoiler>",
    "</code><b>fz-close</b>",
    "<code>fz-c</code>",
)
INJECTED_MARKERS = (
    "<b>fz-b",
    "<i>fz-i",
    '<a href="https://evil.example/',
    "<tg-spoiler>fz-s",
    "<b>fz-close",
    "<code>fz-c",
)
SQL = (
    "'; DROP TABLE chats; --",
    "1' OR '1'='1",
    "Robert'); DROP TABLE account_links;--",
    '" OR 1=1 --',
    "IT001E00123456'; DELETE FROM accounts; --",
    "85; DELETE FROM alert_subscriptions",
)
CORPUS = (
    "hello",
    "ciao",
    "?",
    "0",
    "-1",
    "85",
    "85,5 m2",
    "1e9",
    "999999999999999999999999",
    "9" * 40,
    "1" * 900 + ",5 m2",
    "NaN",
    "BO",
    "Milano",
    "forlì-cesena",
    "L'Aquila",
    "XX",
    "07:30",
    "7",
    "25:99",
    "24:00",
    "quanto ho consumato ieri?",
    "how much did I use yesterday?",
    "consumption last week",
    "green hours",
    "what can you do",
    "appartamento",
    "apartment",
    "help",
    "@" + BOT_USERNAME + " how much did I use?",
    "👍🏽",
    "🏳️‍🌈",
    "\u202eRTL override",
    "zero\u200bwidth",
    "𝕳𝖊𝖑𝖑𝖔",
    "e\u0301 İ ß",
    "a < b > c & d",
    "&lt;b&gt;not bold&lt;/b&gt;",
    "<script>alert(1)</script>",
    "<<>>",
    "x" * 1001,
    "y" * 4096,
    "z" * 5000,  # Telegram's apps send it as two messages
    "🔥" * 2100,  # 4200 UTF-16 units: two messages as well
    *INJECTED_TAGS,
    *SQL,
)
# Replaced by the persona's own values when the step runs.
TEMPLATES = (
    "@@pod",
    "@@pod_spaced",
    "@@account",
    "@@shared_pod",
    "@@shared_account",
    "@@unknown_pod",
)
DEEP_LINKS = (
    "@@token",
    "@@token_nopod",
    "@@token_shared",
    "@@token_expired",
    "@@token_forged",
    "@@token_damaged",
    "@@token_reused",
    "@@token_garbage",
)
# Callback data of every prefix: current, stale and forged shapes.
CALLBACK_DATA = (
    "lnk:start", "lnk:back", "lnk:cancel", "lnk:", "lnk:start:1",
    "onb:type:apartment", "onb:type:castle", "onb:chg:size", "onb:chg:people", "onb:chg:x",
    "onb:new", "onb:back:size", "onb:back:summary", "onb:back:profile", "onb:later",
    "onb:prov:BO", "onb:prov:ZZ", "onb:n:adults:0", "onb:n:adults:2", "onb:n:children:99",
    "onb:n:elderly:-1", "onb:n:size:3", "onb:app:t:fridge", "onb:app:+:oven", "onb:app:-:tv",
    "onb:app:*:fridge", "onb:done", "onb:done:1", "onb:ok", "onb:ok:now", "onb:",
    "set:main", "set:close", "set:lang:it", "set:lang:en", "set:lang:xx", "set:alerts:on",
    "set:alerts:off", "set:alerts:maybe", "set:time", "set:time:07:00", "set:time:25:99",
    "set:time:type", "set:rem:0", "set:rem:15", "set:rem:7", "set:time:07:00:00", "set:",
    "acc:unlink:yes", "acc:unlink:no", "acc:delete:no", "acc:delete:maybe", "acc:",
    "alr:snooze:2025-06-02", "alr:snooze:2999-12-31", "alr:snooze:1999-01-01",
    "alr:snooze:garbage", "alr:time", "alr:stop", "alr:recapoff", "alr:recapoff:1", "alr:",
    "adm:stats", "adm:stats:1", "adm:x",
    "ins:menu", "ins:o:consumption:month:time:-", "ins:e:now:-:-:-", "ins:f:last6h:-:-:-",
    "ins:r:green:-:-:-", "ins:x:consumption:-:-:-", "ins:o:nope:-:-:-",
    "ins:o:consumption:decade:-:-", "ins:o:appliances:-:months:fridge", "ins:o:trend",
    "", "x", ":", "::::", "onb:n:adults:2:extra:fields:that:go:on",
)  # fmt: skip
PREFIXES = ("lnk:", "onb:", "set:", "acc:", "ins:", "alr:", "adm:")
MEDIA = ("sticker", "photo", "location", "contact")
PNG = tiny_png()


@dataclass(frozen=True)
class Step:
    """One thing a user does; `pick` chooses among what is there (buttons, messages, groups)."""

    kind: str  # text | start | media | press | forge | edit
    in_group: bool = False
    text: str = ""
    pick: int = 0


def _utf8_at_most(text: str, limit: int) -> str:
    return text.encode()[:limit].decode(errors="ignore")


def _command(word: str, suffix: str, args: str) -> str:
    return f"/{word}{suffix}" + (f" {args}" if args else "")


printable = st.characters(blacklist_categories=("Cs",))
texts = st.one_of(
    st.sampled_from(CORPUS),
    st.sampled_from(TEMPLATES),
    st.text(printable, min_size=1, max_size=40),
    st.integers(-(10**6), 10**9).map(str),
)
commands = st.builds(
    _command,
    st.sampled_from(COMMAND_WORDS),
    st.sampled_from(("", "", "", f"@{BOT_USERNAME}", "@other_bot")),
    st.one_of(
        st.just(""), st.sampled_from((*TEMPLATES, "last week", "yesterday", "fridge")), texts
    ),
)
callback_data = st.one_of(
    st.sampled_from(CALLBACK_DATA),
    st.builds(
        lambda prefix, rest: _utf8_at_most(prefix + rest, 64),
        st.sampled_from(PREFIXES),
        st.text(printable, max_size=60),
    ),
    st.binary(min_size=1, max_size=64).map(lambda raw: _utf8_at_most(raw.decode("latin-1"), 64)),
)
picks = st.integers(0, 1000)
steps = st.one_of(
    st.builds(Step, st.just("text"), st.just(False), texts, picks),
    st.builds(Step, st.just("text"), st.sampled_from((False, False, True)), commands, picks),
    st.builds(Step, st.just("text"), st.just(False), st.just("/cancel"), picks),
    st.builds(Step, st.just("start"), st.just(False), st.sampled_from(DEEP_LINKS), picks),
    st.builds(Step, st.just("media"), st.sampled_from((False, False, True)), st.sampled_from(MEDIA), picks),
    st.builds(Step, st.just("press"), st.sampled_from((False, False, False, True)), st.just(""), picks),
    st.builds(Step, st.just("press"), st.just(False), st.just(""), picks),
    st.builds(Step, st.just("forge"), st.sampled_from((False, False, True)), callback_data, picks),
    st.builds(Step, st.just("edit"), st.sampled_from((False, False, True)), texts, picks),
    st.builds(Step, st.just("text"), st.just(True), texts, picks),
)  # fmt: skip


# --- who acts -----------------------------------------------------------------------------------


@dataclass
class Persona:
    """A playground user with their own customer (and a customer shared with others)."""

    user: User
    customer: Customer
    shared: Customer
    groups: list[int] = field(default_factory=list)
    spent_tokens: list[str] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.user.id


@dataclass
class Delivered:
    """One update the bot got, and what the rule expects of it."""

    update_id: int
    chat_id: int
    seq: int  # the journal's sequence number right after the user's action (its first message)
    kind: str  # message | edited | callback
    must_answer: bool
    what: str
    query_id: str | None = None


class UpdateTracker:
    """Hooks the Application's update processor to know when each update is fully processed."""

    def __init__(self, application: BotApplication) -> None:
        self._finished: set[int] = set()
        self._waiters: dict[int, asyncio.Future[None]] = {}
        processor = application.update_processor
        original = processor.do_process_update

        async def tracked(update: object, coroutine: Any) -> None:
            try:
                await original(update, coroutine)
            finally:
                if isinstance(update, Update):
                    self._finish(update.update_id)

        processor.do_process_update = tracked  # type: ignore[method-assign]

    def _finish(self, update_id: int) -> None:
        self._finished.add(update_id)
        waiter = self._waiters.pop(update_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self, update_id: int, timeout: float = 60) -> bool:  # noqa: ASYNC109
        """True once the bot has processed the update; False after `timeout` seconds."""
        if update_id in self._finished:
            return True
        waiter = self._waiters.setdefault(update_id, asyncio.get_running_loop().create_future())
        try:
            await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            return False
        return True


@dataclass
class Outcome:
    """What the fuzz found; every list should stay empty."""

    updates: int = 0
    ignored: int = 0
    not_delivered: int = 0  # actions Telegram itself would not pass to the bot
    unanswered: list[str] = field(default_factory=list)
    hung: list[str] = field(default_factory=list)
    apologies: list[str] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=lambda: defaultdict(int))


APOLOGY = "something went wrong on our side"
APOLOGY_IT = "qualcosa è andato storto"


class Fuzzer:
    """Plays `Step`s as the personas, through the playground, and checks the answers."""

    def __init__(
        self,
        application: BotApplication,
        playground: PlaygroundClient,
        server: RunningServer,
        link_secret: str,
    ) -> None:
        self.application = application
        self.playground = playground
        self.server = server
        self.link_secret = link_secret
        self.tracker = UpdateTracker(application)
        self.outcome = Outcome()
        self._round: list[Delivered] = []
        self._round_start = 0
        self._own_messages: dict[int, list[int]] = defaultdict(list)  # chat -> user message ids

    # --- running steps ------------------------------------------------------------------------

    async def begin_round(self) -> None:
        self._round = []
        self._round_start = await self.playground.last_seq()

    async def run(self, persona: Persona, step: Step, *, count: bool = True) -> list[Delivered]:
        """Do `step` as `persona` and wait until the bot has processed what it caused."""
        chat_id = persona.id
        if step.in_group and persona.groups:
            chat_id = persona.groups[step.pick % len(persona.groups)]
        group = chat_id != persona.id
        try:
            delivered = await self._act(persona, step, chat_id, group)
        except (PlaygroundError, WorldError) as error:
            if getattr(error, "status", 400) >= 500:
                raise
            delivered = []  # not something Telegram would let a user do: nothing reached the bot
        if not delivered:
            self.outcome.not_delivered += count
        for item in delivered:
            if not await self.tracker.wait(item.update_id):
                self.outcome.hung.append(item.what)
        if count:
            self.outcome.updates += len(delivered)
            self.outcome.kinds[step.kind + (" (group)" if group else "")] += len(delivered)
            self._round.extend(delivered)
        return delivered

    async def _act(
        self, persona: Persona, step: Step, chat_id: int, group: bool
    ) -> list[Delivered]:
        if step.kind == "text":
            return await self._send(persona, chat_id, {"text": self.resolve(persona, step.text)})
        if step.kind == "start":
            payload = self.resolve(persona, step.text)
            return await self._send(persona, chat_id, {"text": f"/start {payload}"})
        if step.kind == "media":
            content: dict[str, Any] = {
                "sticker": {"sticker": {"emoji": "🦄"}},
                "photo": {"photo": PNG, "caption": "<b>fz-b</b>"},
                "location": {"location": {"latitude": 44.49, "longitude": 11.34}},
                "contact": {"contact": {"phone_number": "+39 051 000000"}},
            }[step.text]
            return await self._send(persona, chat_id, content)
        if step.kind == "edit":
            return await self._edit(persona, chat_id, step)
        if step.kind == "press":
            return await self._press_visible(persona, chat_id, step)
        return await self._forge(persona, chat_id, step.text, step.pick)

    async def _send(
        self, persona: Persona, chat_id: int, content: dict[str, Any]
    ) -> list[Delivered]:
        target = chat_id if chat_id != persona.id else None
        delivered = []
        sent = await user_sends(self.server, persona.id, target, content)
        for message, update_id, _seq in sent:
            seq = sent[0][2]
            if "text" in content:
                self._own_messages[chat_id].append(message["message_id"])
            if update_id is None:
                continue
            part = message.get("text") or ""
            delivered.append(
                Delivered(
                    update_id,
                    chat_id,
                    seq,
                    "message",
                    self._must_answer_message(part, group=chat_id < 0),
                    f"{'group' if chat_id < 0 else 'private'} message {_short(part or str(content))}",
                )
            )
        return delivered

    async def _edit(self, persona: Persona, chat_id: int, step: Step) -> list[Delivered]:
        mine = self._own_messages.get(chat_id)
        if not mine:
            return await self._send(persona, chat_id, {"text": self.resolve(persona, step.text)})
        message_id = mine[step.pick % len(mine)]
        text = _utf8_at_most(self.resolve(persona, step.text), 4000) + f" (edit {step.pick})"
        target = chat_id if chat_id != persona.id else None
        update_id, seq = await user_edits(self.server, persona.id, target, message_id, text)
        if update_id is None:
            return []
        return [
            Delivered(
                update_id,
                chat_id,
                seq,
                "edited",
                chat_id > 0,  # in a private chat it gets guidance; in a group it may be ignored
                f"edited message {_short(text)}",
            )
        ]

    async def _press_visible(self, persona: Persona, chat_id: int, step: Step) -> list[Delivered]:
        """Press one of the buttons under the bot's five newest messages with buttons."""
        recent = [m for m in await bot_messages(self.server, chat_id) if m[1]][:5]
        buttons = [(message_id, data) for message_id, datas in recent for data in datas]
        if not buttons:
            return await self._forge(persona, chat_id, CALLBACK_DATA[step.pick % 20], step.pick)
        message_id, data = buttons[step.pick % len(buttons)]
        target = chat_id if chat_id < 0 else None
        result = await user_presses(self.server, persona.id, target, message_id, data)
        return self._pressed(
            result["update_id"], result["callback_query_id"], chat_id, data, result["seq"]
        )

    async def _forge(self, persona: Persona, chat_id: int, data: str, pick: int) -> list[Delivered]:
        """Press a button with data of our choice under one of the bot's messages."""
        bots = await bot_messages(self.server, chat_id)
        if not bots or not data:
            return []  # Telegram sends no press without a message, nor empty data
        message_id = bots[pick % len(bots)][0]
        result = await forge_press(self.server, persona.id, chat_id, message_id, data)
        return self._pressed(
            result["update_id"], result["callback_query_id"], chat_id, data, result["seq"]
        )

    def _pressed(
        self, update_id: int | None, query_id: str | None, chat_id: int, data: str, seq: int
    ) -> list[Delivered]:
        if update_id is None:
            return []
        where = "group" if chat_id < 0 else "private"
        return [
            Delivered(
                update_id, chat_id, seq, "callback", True, f"{where} press {data!r}", query_id
            )
        ]

    @staticmethod
    def _must_answer_message(text: str, *, group: bool) -> bool:
        if not group:
            return True
        if not text.startswith("/"):
            return False
        head = text.split()[0][1:]
        word, _, username = head.partition("@")
        if username:
            return username.lower() == BOT_USERNAME.lower()
        return word in OWN_COMMANDS

    # --- templates ----------------------------------------------------------------------------

    def resolve(self, persona: Persona, text: str) -> str:
        """Replace a template (@@pod, @@token, ...) with the persona's value."""
        if not text.startswith("@@"):
            return text
        c, shared = persona.customer, persona.shared
        rng = random.Random(len(persona.spent_tokens))
        token = None
        if text == "@@pod":
            return c.pod
        if text == "@@pod_spaced":
            return " ".join(c.pod.lower()[i : i + 4] for i in range(0, len(c.pod), 4))
        if text == "@@account":
            return c.account_number
        if text == "@@shared_pod":
            return shared.pod
        if text == "@@shared_account":
            return shared.account_number
        if text == "@@unknown_pod":
            return f"IT001E8{rng.randrange(10**7):07d}"
        if text == "@@token":
            token = token_for(c, secret=self.link_secret)
        elif text == "@@token_nopod":
            token = token_for(c, with_pod=False, secret=self.link_secret)
        elif text == "@@token_shared":
            token = token_for(shared, secret=self.link_secret)
        elif text == "@@token_expired":
            past = datetime.now(UTC) - timedelta(days=2)
            return token_for(c, ttl=timedelta(days=1), now=past, secret=self.link_secret)
        elif text == "@@token_forged":
            return token_for(c, secret="a-forger-s-own-secret-that-is-long-enough-0123")
        elif text == "@@token_damaged":
            genuine = token_for(c, secret=self.link_secret)
            return genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBB")
        elif text == "@@token_reused":
            return persona.spent_tokens[-1] if persona.spent_tokens else c.pod
        elif text == "@@token_garbage":
            alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
            return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 64)))
        if token is None:
            raise ValueError(f"unknown template {text}")
        persona.spent_tokens.append(token)
        return token

    # --- checking -----------------------------------------------------------------------------

    async def check_round(self) -> None:
        """Judge this round's updates by the rule, from what the journal recorded."""
        events, _ = await self.playground.events(after=self._round_start)
        by_chat: dict[int, list[dict[str, Any]]] = defaultdict(list)
        answered_queries: set[str] = set()
        for event in events:
            kind = event["type"]
            if kind == "callback_answer":
                answered_queries.add(event["callback_query_id"])
            elif kind in ("message", "edit") and event["message"]["from_bot"]:
                by_chat[event["chat_id"]].append(event)
                self._inspect(event)
        # One action can make several updates (a long text goes as several messages, all sent
        # before the bot answers any): their answers are counted together, from the first
        # message to the chat's next action.
        actions: dict[int, dict[int, list[Delivered]]] = defaultdict(lambda: defaultdict(list))
        for item in self._round:
            actions[item.chat_id][item.seq].append(item)
        for chat_id, by_action in actions.items():
            starts = sorted(by_action)
            answers = by_chat.get(chat_id, [])
            for index, start in enumerate(starts):
                until = starts[index + 1] if index + 1 < len(starts) else float("inf")
                said = sum(start < e["seq"] <= until for e in answers)
                items = by_action[start]
                for item in items:
                    if item.kind == "callback" and item.query_id not in answered_queries:
                        self.outcome.unanswered.append(item.what)
                messages = [item for item in items if item.kind != "callback"]
                needed = sum(item.must_answer for item in messages)
                if said < needed:
                    self.outcome.unanswered.append(f"{messages[0].what} ({said}/{needed} answers)")
                self.outcome.ignored += sum(not said and not item.must_answer for item in messages)

    def _inspect(self, event: dict[str, Any]) -> None:
        message = event["message"]
        shown = message.get("html") or ""
        content = (message.get("text") or "") + (message.get("caption") or "")
        if APOLOGY in content or APOLOGY_IT in content:
            self.outcome.apologies.append(_short(content))
        # Escaped, a user's tag shows as text ("&lt;b&gt;fz-b"); unescaped it became formatting.
        if any(marker in shown for marker in INJECTED_MARKERS):
            self.outcome.injected.append(_short(shown))


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def round_of(personas: Sequence[Persona], per_persona: int) -> st.SearchStrategy[list[list[Step]]]:
    """One round: `per_persona` steps for each persona, played concurrently."""
    return st.lists(
        st.lists(steps, min_size=per_persona, max_size=per_persona),
        min_size=len(personas),
        max_size=len(personas),
    )
