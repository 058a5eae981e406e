"""Driving the onboarding dialogue in tests: a linked playground user, and one step at a time."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from bot.known_chats import known_chats
from playground.client import ChatMessage, Predicate, User
from simulator.customers import Customer
from storage.db import transaction
from storage.repositories import links
from tests.fixtures.app import BotHarness

# What the bot asks at each step, in English and Italian: a step is recognised by its question.
ASKS = {
    "type": ("What kind of home is it?", "Che tipo di casa è?"),
    "size": ("How big is it?", "Quanto è grande?"),
    "province": ("Which province is it in?", "In che provincia si trova?"),
    "adults": ("How many adults live there?", "Quanti adulti ci vivono?"),
    "children": ("How many children (under 18)?", "Quanti bambini e ragazzi (sotto i 18 anni)?"),
    "elderly": ("How many people aged 65 or over?", "Quante persone di 65 anni o più?"),
    "appliances": ("Which appliances do you have?", "Quali elettrodomestici hai?"),
    "summary": ("Here is your home", "Ecco la tua casa"),
}
STEPS = tuple(ASKS)


def asks(step: str) -> Predicate:
    """A predicate: the bot's message asks the question of `step` (in either language)."""
    return lambda m: any(q in m.content for q in ASKS[step]) and bool(m.buttons)


async def link_chat(
    bot: BotHarness, user: User, customer: Customer, *, max_chats: int | None = None
) -> None:
    """Link the user's private chat as the linking dialogue would (that flow is tested elsewhere)."""
    sessionmaker = bot.application.bot_data.sessionmaker
    assert sessionmaker is not None
    limit = max_chats or bot.settings.max_chats_per_account
    async with transaction(sessionmaker) as session:
        await links.link(
            session, user.id, customer.account_number, customer.pod, max_chats_per_account=limit
        )
    # Linked behind the bot's back: drop what it cached, as its own linking does.
    known_chats(bot.application.bot_data).forget(user.id)


def simulator_onboarding(simulator_url: str, account_number: str) -> dict | None:
    """What the simulator holds for the account's onboarding (its control API)."""
    response = httpx.get(f"{simulator_url}/_simulator/users", timeout=10)
    response.raise_for_status()
    for user in response.json()["users"]:
        if user["account_number"] == account_number:
            return user["onboarding"]
    raise AssertionError(f"{account_number} is not a user of the simulator")


class Dialogue:
    """One user's side of the dialogue, through the playground."""

    def __init__(self, bot: BotHarness, user: User) -> None:
        self.bot = bot
        self.playground = bot.playground
        self.user = user
        self.chat_id = user.id

    async def send(self, text: str, expect: Predicate = None, *, wait: float = 5) -> ChatMessage:
        await self.playground.send_text(self.user.id, text)
        return await self.playground.next_message(self.chat_id, expect, timeout=wait)

    async def press(
        self,
        data: str,
        expect: Predicate = None,
        *,
        message_id: int | None = None,
        wait: float = 5,
    ) -> ChatMessage:
        await self.playground.press(self.user.id, message_id, data=data)
        return await self.playground.next_message(self.chat_id, expect, timeout=wait)

    async def press_for_answer(self, data: str, *, message_id: int | None = None) -> str | None:
        """Press and return the callback answer's text (a toast), waiting for the bot to answer."""
        press = await self.playground.press(self.user.id, message_id, data=data)
        assert press.callback_query_id is not None
        answer = await self.playground.callback_answer(press.callback_query_id)
        assert answer.answered, "the bot never answered the button"
        return answer.text

    async def quiet(self) -> list[ChatMessage]:
        """Whatever the bot still says (nothing, usually)."""
        return await self.playground.drain(self.chat_id, quiet=0.3)

    def draft(self) -> dict[str, Any] | None:
        """The dialogue's draft as the bot keeps it (chat_data, persisted)."""
        data = self.bot.application.chat_data.get(self.chat_id) or {}
        return data.get("onboarding")

    async def settled(self, step: str) -> dict[str, Any]:
        """The draft once the bot has stored it at `step` (it stores right after its message goes
        out, so a test can see the message a moment before the draft)."""
        live = await self.live()
        draft = None
        for _ in range(250):
            draft = self.draft()
            if draft and draft["step"] == step and draft["message_id"] == live.message_id:
                return draft
            await asyncio.sleep(0.02)
        raise AssertionError(f"the draft did not settle at {step}: {draft}")

    async def message(self, message_id: int) -> ChatMessage:
        """A bot message as the user sees it now."""
        history = await self.playground.history(self.chat_id)
        return next(m for m in history if m.message_id == message_id)

    async def live(self) -> ChatMessage:
        """The newest bot message that has buttons: the one the dialogue works on."""
        history = await self.playground.history(self.chat_id)
        return next(m for m in reversed(history) if m.from_bot and m.buttons)


# A plain answer to each step, and the step it leads to in a new onboarding.
CANNED: dict[str, tuple[str, str]] = {
    "type": ("press", "onb:type:apartment"),
    "size": ("send", "85"),
    "province": ("send", "BO"),
    "adults": ("press", "onb:n:adults:2"),
    "children": ("press", "onb:n:children:1"),
    "elderly": ("press", "onb:n:elderly:0"),
    "appliances": ("press", "onb:done"),
}


def following(step: str) -> str:
    return STEPS[STEPS.index(step) + 1]


async def answer(dialogue: Dialogue, step: str) -> ChatMessage:
    """Give `step` its canned answer; returns the next question."""
    how, what = CANNED[step]
    expect = asks(following(step))
    if how == "press":
        return await dialogue.press(what, expect)
    return await dialogue.send(what, expect)


async def start(dialogue: Dialogue) -> ChatMessage:
    """/profile, then "Describe my home": the first question."""
    await dialogue.send("/profile", "You haven't described your home yet")
    return await dialogue.press("onb:new", asks("type"))


async def reach(dialogue: Dialogue, step: str) -> ChatMessage:
    """Start a new onboarding and answer every question before `step`."""
    message = await start(dialogue)
    for earlier in STEPS[: STEPS.index(step)]:
        message = await answer(dialogue, earlier)
    return message
