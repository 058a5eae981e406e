"""Onboarding journeys end to end: the real Application, the playground, the simulator, the database."""

from __future__ import annotations

import pytest
from telegram import Update
from telegram.ext import ApplicationHandlerStop, CommandHandler

from bot.context import BotContext
from bot.digiwatt.errors import ValidationError
from bot.digiwatt.models import (
    DEFAULT_APPLIANCES,
    Appliance,
    House,
    HouseType,
    Onboarding,
    OnboardingRequest,
    Residents,
)
from bot.digiwatt.models import ApplianceQuantity as Quantity
from handlers.onboarding import begin_onboarding
from simulator.customers import Customer
from storage.db import transaction
from storage.repositories import profiles
from tests.fixtures.app import BotHarness
from tests.fixtures.simulator import SimulatorControl
from tests.integration.onboarding_driver import (
    Dialogue,
    answer,
    asks,
    link_chat,
    reach,
    simulator_onboarding,
    start,
)


async def _begin_for_test(update: Update, context: BotContext) -> None:
    """What the linking dialogue does after a link: ask the first question, from another handler."""
    await begin_onboarding(update, context)
    raise ApplicationHandlerStop


async def linked(bot: BotHarness, customer: Customer, *, language_code: str = "en") -> Dialogue:
    user = await bot.user("Anna", language_code=language_code)
    await link_chat(bot, user, customer)
    return Dialogue(bot, user)


async def stored(bot: BotHarness, account_number: str) -> list[OnboardingRequest]:
    """The local profile history of the account, oldest first."""
    assert bot.application.bot_data.sessionmaker is not None
    async with transaction(bot.application.bot_data.sessionmaker, read_only=True) as session:
        versions = await profiles.history(session, account_number)
        latest = await profiles.latest(session, account_number)
    if versions:
        assert latest is not None and latest.onboarding == versions[-1].onboarding
    return [OnboardingRequest.model_validate(v.onboarding) for v in versions]


async def test_every_field_by_buttons_and_typing_reaches_digiwatt(
    bot: BotHarness, simulator_user: Customer, simulator_url: str
) -> None:
    bot.application.add_handler(CommandHandler("begin_for_test", _begin_for_test), group=-1)
    d = await linked(bot, simulator_user)

    first = await d.send("/begin_for_test", asks("type"))
    assert first.button_texts[:4] == ["Apartment", "Townhouse", "Detached house", "Second home"]
    assert all(b.callback_data.startswith("onb:") for row in first.buttons for b in row)

    size = await d.press("onb:type:detached", asks("size"))
    assert size.message_id == first.message_id  # a button answer edits the question in place
    await d.send("135,5 m2", asks("province"))
    adults = await d.send("forlì-cesena", asks("adults"))
    children = await d.press("onb:n:adults:2", asks("children"))
    assert children.message_id == adults.message_id
    elderly = await d.send("7", asks("elderly"))  # more than the buttons offer: typed
    assert elderly.message_id != children.message_id  # a typed answer: the next question below it
    appliances = await d.press("onb:n:elderly:1", asks("appliances"))
    assert appliances.message_id == elderly.message_id

    since = await bot.playground.last_seq()
    await d.press("onb:app:t:heatPump", lambda m: "✅ Heat pump" in m.button_texts)
    await d.press("onb:app:t:fridge", lambda m: "✅ Fridge" in m.button_texts)
    await d.press("onb:app:+:heatPump", lambda m: "✅ Heat pump ×2" in m.button_texts)
    await d.press("onb:app:t:solarPanel", lambda m: "✅ Solar panels" in m.button_texts)
    edited = await d.press("onb:app:-:solarPanel", lambda m: "Solar panels" in m.button_texts)
    assert "✅ Solar panels" not in edited.button_texts
    assert edited.message_id == appliances.message_id
    edits = await bot.playground.calls("editMessageReplyMarkup", since=since)
    assert len(edits) == 5 and {c.params["message_id"] for c in edits} == {appliances.message_id}

    summary = await d.press("onb:done", asks("summary"))
    for shown in ("Detached house", "136 m²", "Forlì-Cesena (FC)", "Adults: 2", "Children: 7"):
        assert shown in summary.content
    assert "Aged 65 or over: 1" in summary.content
    assert "Fridge, Heat pump ×2" in summary.content
    thanks = await d.press("onb:ok", "Thank you")
    assert "/menu" in thanks.content and not thanks.buttons

    sent = simulator_onboarding(simulator_url, simulator_user.account_number)
    assert sent is not None
    assert sent["house"] == {"type": "detached", "dimesion": 136, "province": "FC"}
    assert sent["residents"] == {"adults": 2, "children": 7, "elderlies": 1}
    assert {(a["appliance"], a["quantity"]) for a in sent["appliances"]} == {
        ("fridge", 1),
        ("heatPump", 2),
    }
    [saved] = await stored(bot, simulator_user.account_number)
    assert saved.house == House(type=HouseType.DETACHED, dimesion=136, province="FC")
    assert saved.residents == Residents(adults=2, children=7, elderlies=1)
    assert d.draft() is None  # nothing half-done left behind


async def test_italian_typed_answers_a_province_typo_and_the_default_appliances(
    bot: BotHarness, simulator_user: Customer, simulator_url: str
) -> None:
    d = await linked(bot, simulator_user, language_code="it")
    await d.send("/profile", "Non hai ancora descritto la tua casa")
    first = await d.press("onb:new", asks("type"))
    assert "Villetta a schiera" in first.button_texts

    await d.send("villetta a schiera", asks("size"))
    await d.send("120mq", asks("province"))
    hint = await d.send("Bolgna", "Intendevi")
    assert "Bologna (BO)" in hint.content
    assert hint.button("Sì, Bologna (BO)").callback_data == "onb:prov:BO"
    await d.press("onb:prov:BO", asks("adults"))
    await d.send("6", asks("children"))
    await d.send("0", asks("elderly"))
    await d.press("onb:n:elderly:1", asks("appliances"))
    summary = await d.press("onb:done", asks("summary"))
    assert "Villetta a schiera" in summary.content and "120 m²" in summary.content
    assert "nessuno scelto, quindi Digiwatt considera la dotazione tipica" in summary.content
    assert "Frigorifero" in summary.content
    assert summary.button_texts[0] == "✅ Conferma"
    await d.press("onb:ok", "Grazie")

    sent = simulator_onboarding(simulator_url, simulator_user.account_number)
    assert sent is not None and sent["house"]["province"] == "BO"
    assert {a["appliance"] for a in sent["appliances"]} == {a.value for a in DEFAULT_APPLIANCES}
    [saved] = await stored(bot, simulator_user.account_number)
    assert saved.appliances == [] and saved.house.type == HouseType.TOWNHOUSE


async def test_going_back_and_changing_parts_from_the_summary(
    bot: BotHarness, simulator_user: Customer, simulator_url: str
) -> None:
    d = await linked(bot, simulator_user)
    await start(d)
    await d.press("onb:type:apartment", asks("size"))
    await d.send("85", asks("province"))
    size = await d.press("onb:back:province", asks("size"))
    assert "Now: 85 m²" in size.content
    house_type = await d.press("onb:back:size", asks("type"))
    assert "✓ Apartment" in house_type.button_texts
    await d.press("onb:type:townhouse", asks("size"))
    await d.send("90", asks("province"))
    await d.send("MI", asks("adults"))
    await d.press("onb:n:adults:2", asks("children"))
    adults = await d.press("onb:back:children", asks("adults"))
    assert "✓ 2" in adults.button_texts
    await d.press("onb:n:adults:3", asks("children"))
    await d.press("onb:n:children:1", asks("elderly"))
    await d.press("onb:n:elderly:0", asks("appliances"))
    await d.press("onb:app:t:oven", lambda m: "✅ Oven" in m.button_texts)
    summary = await d.press("onb:done", asks("summary"))
    assert "Townhouse" in summary.content and "90 m²" in summary.content
    assert "Milano (MI)" in summary.content and "Adults: 3 · Children: 1" in summary.content

    # Changing one part asks only that part, then comes straight back to the summary.
    await d.press("onb:chg:size", asks("size"))
    summary = await d.send("100", asks("summary"))
    assert "100 m²" in summary.content and "Milano (MI)" in summary.content
    await d.press("onb:chg:people", asks("adults"))
    await d.press("onb:n:adults:2", asks("children"))
    await d.press("onb:n:children:0", asks("elderly"))
    summary = await d.press("onb:n:elderly:2", asks("summary"))
    assert "Adults: 2 · Children: 0 · Aged 65 or over: 2" in summary.content
    # Back from a change leaves the answer as it was.
    await d.press("onb:chg:province", asks("province"))
    summary = await d.press("onb:back:province", asks("summary"))
    assert "Milano (MI)" in summary.content
    # Back from the summary reaches the appliances, as they were chosen.
    appliances = await d.press("onb:back:summary", asks("appliances"))
    assert "✅ Oven" in appliances.button_texts
    await d.press("onb:done", asks("summary"))
    await d.press("onb:ok", "Thank you")

    sent = simulator_onboarding(simulator_url, simulator_user.account_number)
    assert sent is not None
    assert sent["house"] == {"type": "townhouse", "dimesion": 100, "province": "MI"}
    assert sent["residents"] == {"adults": 2, "children": 0, "elderlies": 2}
    assert sent["appliances"] == [{"appliance": "oven", "quantity": 1}]


async def test_profile_shows_the_saved_home_and_changes_one_part(
    bot: BotHarness, simulator_user: Customer, simulator_url: str
) -> None:
    d = await linked(bot, simulator_user)
    before = OnboardingRequest(
        house=House(type=HouseType.DETACHED, dimesion=140, province="AQ"),
        residents=Residents(adults=2, children=1, elderlies=0),
        appliances=[Quantity(appliance=Appliance.FRIDGE, quantity=1)],
    )
    assert bot.application.bot_data.sessionmaker is not None
    async with transaction(bot.application.bot_data.sessionmaker) as session:
        await profiles.save(session, simulator_user.account_number, before)

    card = await d.send("/profile", "Your home")
    assert "Detached house" in card.content and "140 m²" in card.content
    assert "L'Aquila (AQ)" in card.content  # escaped in HTML, shown as typed
    assert "✏️ Size" in card.button_texts and "🔄 Start over" in card.button_texts

    size = await d.press("onb:chg:size", asks("size"))
    assert size.message_id == card.message_id and "Now: 140 m²" in size.content
    summary = await d.send("95", asks("summary"))
    assert "95 m²" in summary.content and "L'Aquila (AQ)" in summary.content
    await d.press("onb:ok", "Thank you")

    history = await stored(bot, simulator_user.account_number)
    assert [v.house.dimesion for v in history] == [140, 95]
    after = history[-1]
    assert after.model_dump(exclude={"house"}) == before.model_dump(exclude={"house"})
    assert after.house.province == "AQ" and after.house.type == HouseType.DETACHED
    sent = simulator_onboarding(simulator_url, simulator_user.account_number)
    assert sent is not None and sent["house"]["dimesion"] == 95


async def test_digiwatt_down_or_busy_at_confirm_keeps_everything_for_a_retry(
    bot: BotHarness,
    simulator_user: Customer,
    simulator_url: str,
    simulator_control: SimulatorControl,
) -> None:
    d = await linked(bot, simulator_user)
    await reach(d, "summary")
    assert bot.application.bot_data.digiwatt is not None
    await bot.application.bot_data.digiwatt.greenness()  # a token in hand: faults hit the POST

    simulator_control.set_faults(error_rate=1.0)
    down = await d.press("onb:ok", "not answering right now", wait=20)
    assert "Your answers are kept" in down.content and "Apartment" in down.content
    assert down.button_texts[0] == "🔄 Try again"
    simulator_control.set_faults(error_rate=0.0, burst_429=1, retry_after=7)
    busy = await d.press("onb:ok", "busy right now", wait=20)
    assert "in 7 seconds" in busy.content and busy.button_texts[0] == "🔄 Try again"
    assert await stored(bot, simulator_user.account_number) == []
    assert simulator_onboarding(simulator_url, simulator_user.account_number) is None
    assert (await d.settled("summary"))["answers"]["province"] == "BO"

    simulator_control.reset_faults()
    await d.press("onb:ok", "Thank you")
    [saved] = await stored(bot, simulator_user.account_number)
    assert saved.house.province == "BO"
    assert simulator_onboarding(simulator_url, simulator_user.account_number) is not None


async def test_a_field_digiwatt_refuses_is_asked_again(
    bot: BotHarness,
    simulator_user: Customer,
    simulator_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The simulator accepts whatever the dialogue lets through (same rules, same provinces):
    # only a refusal decided upstream can be staged, here for the first attempt only.
    client = bot.application.bot_data.digiwatt
    assert client is not None
    real_onboard = client.onboard
    attempts: list[OnboardingRequest] = []

    async def refuse_first(account_number: str, request: OnboardingRequest) -> Onboarding:
        attempts.append(request)
        if len(attempts) == 1:
            fields = {"house.province": "not served by this company"}
            raise ValidationError("invalid onboarding", fields=fields, status=422)
        return await real_onboard(account_number, request)

    monkeypatch.setattr(client, "onboard", refuse_first)
    d = await linked(bot, simulator_user)
    await reach(d, "summary")
    province = await d.press("onb:ok", asks("province"))
    assert "Digiwatt did not accept this answer (province)" in province.content
    summary = await d.send("Roma", asks("summary"))  # straight back to the summary
    assert "Roma (RM)" in summary.content
    await d.press("onb:ok", "Thank you")
    assert [a.house.province for a in attempts] == ["BO", "RM"]
    sent = simulator_onboarding(simulator_url, simulator_user.account_number)
    assert sent is not None and sent["house"]["province"] == "RM"


async def test_profile_answers_linked_private_chats_and_resumes_a_dialogue(
    bot: BotHarness, simulator_user: Customer
) -> None:
    stranger = Dialogue(bot, await bot.user("Bruno"))
    await stranger.send("/profile", "not linked to a Digiwatt account")
    assert stranger.draft() is None

    d = await linked(bot, simulator_user)
    group = await bot.playground.create_group("Family", [d.user.id])
    await bot.playground.send_text(d.user.id, "/profile", chat_id=group)
    said = await bot.playground.next_message(group, "private chat")
    assert not said.buttons

    await reach(d, "province")
    again = await d.send("/profile", asks("province"))
    assert "here is where we were" in again.content
    await answer(d, "province")  # the answer goes on from there
    draft = await d.settled("adults")
    assert draft["answers"]["size"] == 85 and draft["answers"]["province"] == "BO"
