"""Onboarding under stress: /cancel and bad input at every step, old buttons, and a restart."""

from __future__ import annotations

from bot.app import build_application
from playground.client import PlaygroundClient
from simulator.customers import Customer
from tests.fixtures.app import BotHarness, make_settings, serving
from tests.fixtures.botapi import tiny_png
from tests.integration.onboarding_driver import (
    STEPS,
    Dialogue,
    answer,
    asks,
    link_chat,
    reach,
    simulator_onboarding,
    start,
)

# Typed text that is not an answer at each step (where buttons are expected: any text).
NOT_AN_ANSWER = {
    "type": "a castle",
    "size": "quite big",
    "province": "<b>Atlantis</b>",
    "adults": "many",
    "children": "a few",
    "elderly": "nobody knows",
    "appliances": "a fridge",
    "summary": "yes please",
}
# What the bot says to it.
GUIDANCE = {
    "type": "Tap the kind of home",
    "size": "I need the floor area as a number of square metres between 10 and 2000",
    "province": "I don't know the province “<b>Atlantis</b>”",  # shown as typed: escaped HTML
    "adults": "Please tap a number, or type one between 1 and 20",
    "children": "Please tap a number, or type one between 0 and 20",
    "elderly": "Please tap a number, or type one between 0 and 20",
    "appliances": "Tap your appliances in the message above, then Done",
    "summary": "Tap Confirm in the message above",
}


async def test_cancel_at_every_step_keeps_nothing(
    bot: BotHarness, simulator_user: Customer, simulator_url: str
) -> None:
    for step in STEPS:
        user = await bot.user(f"Cancel {step}")
        await link_chat(bot, user, simulator_user, max_chats=len(STEPS))
        d = Dialogue(bot, user)
        live = await reach(d, step)
        assert d.draft() is not None
        said = await d.send("/cancel", "I kept nothing from this conversation")
        assert not said.buttons
        assert d.draft() is None, step
        # The question's buttons are gone, and the dialogue is over: /profile starts afresh.
        history = await bot.playground.history(d.chat_id)
        assert not next(m for m in history if m.message_id == live.message_id).buttons
        await d.send("/profile", "You haven't described your home yet")
    # "Not now" on the first question leaves as cleanly.
    first = await d.press("onb:new", asks("type"))
    said = await d.press("onb:later", "I kept nothing")
    assert said.message_id == first.message_id and not said.buttons
    assert d.draft() is None
    assert simulator_onboarding(simulator_url, simulator_user.account_number) is None


async def _expect_unchanged(d: Dialogue, step: str, before: dict, *, guidance: str) -> None:
    said = await d.playground.next_message(d.chat_id, lambda m: guidance in m.content, edits=False)
    assert not said.buttons, step
    assert d.draft() == before, f"{step}: the draft changed"


async def test_bad_input_at_every_step_gets_guidance_and_changes_nothing(
    bot: BotHarness, simulator_user: Customer, playground: PlaygroundClient
) -> None:
    user = await bot.user()
    await link_chat(bot, user, simulator_user)
    d = Dialogue(bot, user)
    # An old message whose buttons could not be removed (Telegram refused the edit).
    await d.send("/profile", "You haven't described your home yet")
    old = await d.live()
    await playground.fail_next("editMessageReplyMarkup", 400, description="Bad Request: no")
    await d.send("/profile", lambda m: m.message_id != old.message_id and bool(m.buttons))
    assert old.button_texts == (await d.message(old.message_id)).button_texts
    await d.press("onb:new", asks("type"))

    for step in STEPS:
        before = await d.settled(step)

        await playground.send_text(user.id, NOT_AN_ANSWER[step])
        await _expect_unchanged(d, step, before, guidance=GUIDANCE[step])
        await playground.send_sticker(user.id)
        await _expect_unchanged(d, step, before, guidance="I can only use text or the buttons")
        await playground.send_photo(user.id, tiny_png(), caption="85")
        await _expect_unchanged(d, step, before, guidance="I can only use text or the buttons")
        await playground.send_text(user.id, "/frobnicate")
        await _expect_unchanged(d, step, before, guidance="I don't know that command")
        await playground.send_text(user.id, "8" * 5000)  # arrives as two messages
        await _expect_unchanged(d, step, before, guidance="too long to be an answer")
        await d.playground.next_message(d.chat_id, lambda m: not m.buttons, edits=False)
        assert d.draft() == before
        toast = await d.press_for_answer("onb:new", message_id=old.message_id)
        assert toast is not None and "older message" in toast
        assert d.draft() == before

        if step != "summary":
            await answer(d, step)  # the step still takes its answer
    assert (await d.settled("summary"))["answers"]["children"] == 1


async def test_a_double_tap_answers_one_question_only(
    bot: BotHarness, simulator_user: Customer, playground: PlaygroundClient
) -> None:
    user = await bot.user()
    await link_chat(bot, user, simulator_user)
    d = Dialogue(bot, user)
    adults = await reach(d, "adults")
    # A slow Telegram: both taps land on the adults question before it changes.
    await playground.fail_next("answerCallbackQuery", delay=0.5)
    first = await playground.press(user.id, adults.message_id, data="onb:n:adults:2")
    second = await playground.press(user.id, adults.message_id, data="onb:n:adults:2")
    await d.playground.next_message(d.chat_id, asks("children"))
    assert first.callback_query_id is not None and second.callback_query_id is not None
    late = await playground.callback_answer(second.callback_query_id)
    assert late.text is not None and "older message" in late.text
    draft = await d.settled("children")
    assert draft["answers"]["adults"] == 2 and draft["answers"]["children"] is None


async def test_a_restart_resumes_at_the_same_step_with_the_same_answers(
    botapi_url: str,
    simulator_url: str,
    db_url: str,
    playground: PlaygroundClient,
    simulator_user: Customer,
) -> None:
    settings = make_settings(botapi_url, simulator_url, db_url)
    user = await playground.create_user("Anna")

    first = build_application(settings)
    async with serving(first):
        bot = BotHarness(first, playground, settings)
        await link_chat(bot, user, simulator_user)
        d = Dialogue(bot, user)
        await start(d)
        await d.press("onb:type:detached", asks("size"))
        await d.send("120", asks("province"))
        await d.send("Roma", asks("adults"))

    second = build_application(settings)
    async with serving(second):
        d = Dialogue(BotHarness(second, playground, settings), user)
        resumed = await d.settled("adults")  # as stored before the restart
        assert resumed["answers"]["size"] == 120 and resumed["answers"]["province"] == "RM"
        await d.send("3", asks("children"))  # typed text reaches the adults question
        await d.press("onb:n:children:0", asks("elderly"))
        appliances = await d.press("onb:n:elderly:1", asks("appliances"))
        await d.press("onb:app:t:fridge", lambda m: "✅ Fridge" in m.button_texts)

    third = build_application(settings)
    async with serving(third):
        d = Dialogue(BotHarness(third, playground, settings), user)
        # The buttons of the message shown before the restart still work.
        more = await d.press(
            "onb:app:+:fridge",
            lambda m: "✅ Fridge ×2" in m.button_texts,
            message_id=appliances.message_id,
        )
        assert more.message_id == appliances.message_id
        summary = await d.press("onb:done", asks("summary"))
        for shown in ("Detached house", "120 m²", "Roma (RM)", "Adults: 3", "Fridge ×2"):
            assert shown in summary.content
        await d.press("onb:ok", "Thank you")

    sent = simulator_onboarding(simulator_url, simulator_user.account_number)
    assert sent is not None
    assert sent["house"] == {"type": "detached", "dimesion": 120, "province": "RM"}
    assert sent["residents"] == {"adults": 3, "children": 0, "elderlies": 1}
