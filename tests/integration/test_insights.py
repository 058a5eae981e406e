"""Insights end to end: the real bot, the playground's Bot API, the Digiwatt simulator.

The simulator's clock is frozen so the test can read the same figures the bot reads (straight
from the simulator, with its own token) and look for them in the captions.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import httpx
import pytest
from PIL import Image
from pydantic import BaseModel

from bot.charts import ChartError, ChartKind, appliance_name, image_size
from bot.charts.labels import clock
from bot.digiwatt.models import (
    Appliance,
    ApplianceQuantity,
    Compound,
    ConsumptionTotals,
    Distribution,
    Greenness,
    Habits,
    House,
    HouseType,
    LatestConsumption,
    OnboardingRequest,
    Performance,
    Period,
    Realtime,
    Residents,
    Saving,
    Trend,
)
from bot.known_chats import known_chats
from bot.units import format_energy, format_power, format_share
from handlers.insights.captions import format_euro
from playground.client import ChatMessage, PlaygroundClient
from playground.client_models import User
from simulator.customers import Customer
from storage.db import transaction
from storage.repositories import links, profiles
from tests.fixtures.app import BotHarness
from tests.fixtures.simulator import SimulatorControl, simulator_token

M = TypeVar("M", bound=BaseModel)

# A Wednesday morning: F1 hours, yesterday a full weekday, this week and month under way.
FROZEN_NOW = "2026-03-04T10:40:00+01:00"
WAIT = 20.0  # seconds: the first chart may wait for the render pool
PROFILE = OnboardingRequest(
    house=House(type=HouseType.APARTMENT, dimesion=85, province="RM"),
    residents=Residents(adults=2, children=1, elderlies=0),
    appliances=[
        ApplianceQuantity(appliance=Appliance.DISHWASHER, quantity=1),
        ApplianceQuantity(appliance=Appliance.WASHING_MACHINE, quantity=1),
        ApplianceQuantity(appliance=Appliance.FRIDGE, quantity=1),
    ],
)


class Oracle:
    """Reads the simulator directly: the figures a caption must show."""

    def __init__(self, http: httpx.AsyncClient, account: str) -> None:
        self.http = http
        self.account = account

    async def get(self, path: str, model: type[M]) -> M:
        response = await self.http.get(path.format(a=self.account))
        response.raise_for_status()
        return model.model_validate(response.json()["data"])


@pytest.fixture
def frozen(simulator_control: SimulatorControl) -> SimulatorControl:
    simulator_control.freeze_clock(FROZEN_NOW)
    return simulator_control


@pytest.fixture
async def oracle(simulator_url: str, simulator_user: Customer) -> AsyncIterator[Oracle]:
    token = simulator_token(simulator_url)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=simulator_url, headers=headers, timeout=10) as http:
        yield Oracle(http, simulator_user.account_number)


async def linked_user(
    bot: BotHarness, customer: Customer, *, language: str = "en", profile: bool = True
) -> User:
    """A playground user whose private chat is linked to `customer` (and onboarded locally)."""
    user = await bot.user("Anna", language_code=language)
    sessionmaker = bot.application.bot_data.sessionmaker
    assert sessionmaker is not None
    async with transaction(sessionmaker) as session:
        await links.link(session, user.id, customer.account_number, customer.pod)
        if profile:
            await profiles.save(session, customer.account_number, PROFILE)
    # Linked behind the bot's back: drop what it cached, as its own linking does.
    known_chats(bot.application.bot_data).forget(user.id)
    return user


def is_photo(message: ChatMessage) -> bool:
    return message.kind == "photo"


async def send_for_photo(playground: PlaygroundClient, user: User, text: str) -> ChatMessage:
    await playground.send_text(user.id, text)
    return await playground.next_message(user.id, is_photo, timeout=WAIT)


async def assert_chart(playground: PlaygroundClient, message: ChatMessage, kind: ChartKind) -> None:
    """The message carries a decodable JPEG or PNG of the size this chart kind renders at."""
    assert message.photo_url, message
    data = await playground.file_bytes(message.photo_url)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format in {"JPEG", "PNG"}
        assert image.size == image_size(kind)


def assert_says(message: ChatMessage, *expected: str) -> None:
    caption = message.caption or message.text or ""
    for text in expected:
        assert text in caption, f"{text!r} not in caption:\n{caption}"
    lines = caption.splitlines()
    assert 2 <= len(lines) <= 4, caption


async def figure_of(oracle: Oracle, command: str, period: Period, lang: str) -> str:
    """The figure the /compare or /habits caption must show for `period`."""
    if command == "compare":
        performance = await oracle.get(
            f"/users/{{a}}/consumption/{period}/performance", Performance
        )
        return format_energy(performance.user_wh, lang)
    habits = await oracle.get(f"/users/{{a}}/consumption/{period}/habits", Habits)
    return format_energy(max(c.energy_wh for c in habits.cells), lang)


def top(items: list[Any]) -> Any:
    return max(items, key=lambda item: item.energy_wh)


async def test_every_command_answers_with_a_chart_and_the_simulators_numbers(
    bot: BotHarness, simulator_user: Customer, frozen: SimulatorControl, oracle: Oracle
) -> None:
    pg, en = bot.playground, "en"
    user = await linked_user(bot, simulator_user)
    since = await pg.last_seq()

    totals = await oracle.get("/users/{a}/consumption/yesterday/totals", ConsumptionTotals)
    message = await send_for_photo(pg, user, "/consumption")
    await assert_chart(pg, message, ChartKind.CONSUMPTION)
    expected = [format_energy(totals.total_wh, en), "Yesterday"]
    if totals.change_pct is not None and round(abs(totals.change_pct)):
        expected.append(format_share(abs(totals.change_pct), en))
    assert_says(message, *expected, appliance_name(top(totals.appliances).appliance, en))

    realtime = await oracle.get("/users/{a}/consumption/realtime", Realtime)
    latest = await oracle.get("/users/{a}/consumption/latest", LatestConsumption)
    powers = [p.power_w for p in latest.points]
    message = await send_for_photo(pg, user, "/now")
    await assert_chart(pg, message, ChartKind.LATEST)
    assert_says(
        message,
        format_power(realtime.power_w, en),
        clock(realtime.timestamp),
        format_power(sum(powers) / len(powers), en),
        format_power(max(powers), en),
    )

    message = await send_for_photo(pg, user, "/last6h")
    await assert_chart(pg, message, ChartKind.LATEST)
    assert_says(
        message,
        format_energy(sum(powers) * latest.interval_minutes / 60, en),
        format_power(max(powers), en),
        format_power(realtime.power_w, en),
    )

    performance = await oracle.get("/users/{a}/consumption/last-month/performance", Performance)
    message = await send_for_photo(pg, user, "/compare")
    await assert_chart(pg, message, ChartKind.PERFORMANCE)
    assert_says(
        message,
        *(format_energy(v, en) for v in (performance.user_wh, performance.average_wh)),
        *(format_energy(v, en) for v in (performance.min_wh, performance.max_wh)),
        str(performance.similar_homes),
    )

    habits = await oracle.get("/users/{a}/consumption/last-month/habits", Habits)
    peak = max(habits.cells, key=lambda c: c.energy_wh)
    message = await send_for_photo(pg, user, "/habits")
    await assert_chart(pg, message, ChartKind.HABITS)
    assert_says(message, format_energy(peak.energy_wh, en), f"{peak.hour:02d}:00")

    trend = await oracle.get("/users/{a}/analytics/trend", Trend)
    bands = [sum(getattr(m, f"f{n}_wh") for m in trend.months) for n in (1, 2, 3)]
    message = await send_for_photo(pg, user, "/trend")
    await assert_chart(pg, message, ChartKind.TREND)
    assert_says(
        message,
        format_energy(sum(m.total_wh for m in trend.months), en),
        f"{format_share(100 * bands[0] / sum(bands), en)} in F1",
        f"{format_share(100 * bands[2] / sum(bands), en)} in F3",
    )

    distribution = await oracle.get("/users/{a}/analytics/distribution", Distribution)
    largest = top(distribution.appliances)
    message = await send_for_photo(pg, user, "/appliances")
    await assert_chart(pg, message, ChartKind.DISTRIBUTION)
    assert_says(
        message,
        format_energy(distribution.total_wh, en),
        f"{appliance_name(largest.appliance, en)} {format_share(largest.share_pct, en)}",
    )

    saving = await oracle.get("/users/{a}/saving", Saving)
    s = bot.settings
    moved = sum(
        use.bands.f1_wh * (s.price_f1_eur_kwh - s.price_f3_eur_kwh)
        + use.bands.f2_wh * (s.price_f2_eur_kwh - s.price_f3_eur_kwh)
        for use in saving.flexible
    )
    band_wh = saving.bands.f1_wh + saving.bands.f2_wh + saving.bands.f3_wh
    message = await send_for_photo(pg, user, "/savings")
    await assert_chart(pg, message, ChartKind.SAVING)
    expected = [
        f"{format_share(100 * saving.bands.f1_wh / band_wh, en)} of your energy in F1",
        format_power(saving.baseload_w, en),
        format_energy(saving.baseload_w * 8760, en),
    ]
    if saving.flexible and moved >= 10:  # Wh x EUR/kWh: at least a cent
        expected.append(format_euro(moved / 1000, en))
    assert_says(message, *expected)

    greenness = await oracle.get("/greenness", Greenness)
    message = await send_for_photo(pg, user, "/green")
    await assert_chart(pg, message, ChartKind.GREENNESS)
    expected = [format_share(greenness.renewable_pct, en)]
    if greenness.windows:
        best = max(greenness.windows, key=lambda w: w.renewable_pct)
        expected.append(f"{clock(best.start)}–{clock(best.stop)}")
    assert_says(message, *expected)

    # "sending a photo…" showed while each chart was prepared.
    actions = await pg.calls("sendChatAction", since=since)
    assert sum(c.params.get("action") == "upload_photo" for c in actions) >= 9
    assert len(await pg.calls("sendPhoto", since=since)) == 9


async def test_switching_period_or_view_edits_the_same_message_in_italian(
    bot: BotHarness, simulator_user: Customer, frozen: SimulatorControl, oracle: Oracle
) -> None:
    pg, it = bot.playground, "it"
    user = await linked_user(bot, simulator_user, language="it")
    first = await send_for_photo(pg, user, "/consumption")
    since = await pg.last_seq()

    # Every period over time, then by appliance for two of them: always the same message.
    steps = [(period, "time") for period in reversed(Period)]
    steps += [(Period.YESTERDAY, "split"), (Period.LAST_WEEK, "split")]
    for period, view in steps:
        await pg.press(user.id, first.message_id, data=f"ins:e:consumption:{period}:{view}:-")
        totals = await oracle.get(f"/users/{{a}}/consumption/{period}/totals", ConsumptionTotals)
        expected = format_energy(totals.total_wh, it)
        edited = await pg.next_message(user.id, lambda m, e=expected: e in m.content, timeout=WAIT)
        assert edited.message_id == first.message_id
        assert edited.edited
        kind = ChartKind.TOTALS if view == "split" else ChartKind.CONSUMPTION
        await assert_chart(pg, edited, kind)
        assert_says(edited, expected)
        chosen = [b for row in edited.buttons for b in row if b.text.startswith("✓")]
        assert [b.callback_data for b in chosen] == [
            f"ins:e:consumption:{period}:{view}:-",
            f"ins:e:consumption:{period}:{view}:-",
        ]

    edits = await pg.calls("editMessageMedia", since=since)
    assert len(edits) == len(steps)
    assert {c.params["message_id"] for c in edits} == {first.message_id}
    assert await pg.calls("sendPhoto", since=since) == []

    # /compare and /habits: every period, in place, with that period's figures.
    for command, kind in (("compare", ChartKind.PERFORMANCE), ("habits", ChartKind.HABITS)):
        message = await send_for_photo(pg, user, f"/{command}")
        opened = message.message_id
        for period in Period:
            data = f"ins:e:{command}:{period}:-:-"
            chosen = {b.callback_data for row in message.buttons for b in row if "✓" in b.text}
            if data not in chosen:  # not the period it shows already
                await pg.press(user.id, opened, data=data)
                message = await pg.next_message(user.id, lambda m: m.edited, timeout=WAIT)
            assert message.message_id == opened
            assert_says(message, await figure_of(oracle, command, period, it))
            await assert_chart(pg, message, kind)

    # /appliances: the whole year, then month by month, in place; Italian decimal comma.
    compound = await oracle.get("/users/{a}/analytics/compound", Compound)
    year = await send_for_photo(pg, user, "/appliances")
    await pg.press(user.id, year.message_id, text="Mese per mese")
    high = max(compound.months, key=lambda m: m.total_wh)
    months = await pg.next_message(
        user.id, lambda m: m.edited and "Mese per mese" in m.content, timeout=WAIT
    )
    assert months.message_id == year.message_id
    await assert_chart(pg, months, ChartKind.COMPOUND)
    assert_says(months, format_energy(high.total_wh, it))


async def test_refresh_reads_digiwatt_again_and_edits_in_place(
    bot: BotHarness, simulator_user: Customer, frozen: SimulatorControl, oracle: Oracle
) -> None:
    pg = bot.playground
    user = await linked_user(bot, simulator_user)
    message = await send_for_photo(pg, user, "/now")
    before = await oracle.get("/users/{a}/consumption/realtime", Realtime)
    assert clock(before.timestamp) in message.content

    frozen.freeze_clock("2026-03-04T11:25:00+01:00")  # the client would still serve its cache
    after = await oracle.get("/users/{a}/consumption/realtime", Realtime)
    await pg.press(user.id, message.message_id, text="🔄 Refresh")
    refreshed = await pg.next_message(
        user.id, lambda m: clock(after.timestamp) in m.content, timeout=WAIT
    )
    assert refreshed.message_id == message.message_id
    assert_says(refreshed, format_power(after.power_w, "en"))
    await assert_chart(pg, refreshed, ChartKind.LATEST)


async def test_failures_never_leave_the_user_in_silence(
    bot: BotHarness,
    simulator_user: Customer,
    simulator_control: SimulatorControl,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pg = bot.playground
    user = await linked_user(bot, simulator_user)
    simulator_control.set_faults(error_rate=1.0)
    await pg.send_text(user.id, "/trend")
    failure = await pg.next_message(user.id, "not answering", timeout=WAIT)
    assert failure.kind == "text"
    retry = failure.button("🔄 Try again")
    assert retry.callback_data and retry.callback_data.startswith("ins:r:trend")

    simulator_control.reset_faults()
    await pg.press(user.id, failure.message_id, data=retry.callback_data)
    chart = await pg.next_message(user.id, is_photo, timeout=WAIT)
    await assert_chart(pg, chart, ChartKind.TREND)
    history = await pg.history(user.id)
    assert failure.message_id not in {m.message_id for m in history}  # tidied up

    # A chart that cannot be drawn: the caption still answers, with its buttons.
    async def broken(*_args: object) -> bytes:
        raise ChartError("no chart today")

    renderer = bot.application.bot_data.renderer
    monkeypatch.setattr(renderer, "render", broken)
    await pg.send_text(user.id, "/savings")
    text = await pg.next_message(user.id, "F1", timeout=WAIT)
    assert text.kind == "text"
    assert_says(text, "Always on")
    assert "☰ Menu" in text.button_texts


async def test_plain_questions_reach_the_same_answers(
    bot: BotHarness, simulator_user: Customer, frozen: SimulatorControl, oracle: Oracle
) -> None:
    pg = bot.playground
    user = await linked_user(bot, simulator_user, language="it", profile=False)

    totals = await oracle.get("/users/{a}/consumption/yesterday/totals", ConsumptionTotals)
    answer = await send_for_photo(pg, user, "quanto ho consumato ieri?")
    assert_says(answer, "Ieri", format_energy(totals.total_wh, "it"))
    # Linked but no household profile yet: answered, with one nudge towards /profile.
    nudge = await pg.next_message(user.id, "/profile", timeout=WAIT)
    assert nudge.kind == "text"

    last_month = await oracle.get("/users/{a}/consumption/last-month/totals", ConsumptionTotals)
    dishwasher = next(
        (a for a in last_month.appliances if a.appliance is Appliance.DISHWASHER), None
    )
    answer = await send_for_photo(pg, user, "how much did the dishwasher use last month?")
    name = appliance_name(Appliance.DISHWASHER, "it")
    if dishwasher is None:
        assert_says(answer, f"{name}: non è tra i tuoi elettrodomestici")
    else:
        assert_says(answer, f"{name}: {format_energy(dishwasher.energy_wh, 'it')}")

    performance = await oracle.get("/users/{a}/consumption/this-week/performance", Performance)
    answer = await send_for_photo(pg, user, "sto consumando più dei miei vicini questa settimana?")
    await assert_chart(pg, answer, ChartKind.PERFORMANCE)
    assert_says(answer, format_energy(performance.user_wh, "it"))

    answer = await send_for_photo(pg, user, "when is it green today?")
    await assert_chart(pg, answer, ChartKind.GREENNESS)

    await pg.send_text(user.id, "raccontami una barzelletta sui pinguini")
    menu = await pg.next_message(user.id, "non ho capito", timeout=WAIT)
    assert len(menu.button_texts) == 9
    # The nudge came once, not with every answer.
    texts = [m.content for m in await pg.history(user.id) if m.from_bot]
    assert sum("/profile" in t and "Suggerimento" in t for t in texts) == 1

    # A menu button opens a new chart message.
    await pg.press(user.id, menu.message_id, text="📈 12 mesi F1/F2/F3")
    chart = await pg.next_message(user.id, is_photo, timeout=WAIT)
    assert chart.message_id != menu.message_id
    await assert_chart(pg, chart, ChartKind.TREND)


async def test_unlinked_chats_learn_how_to_link_and_groups_get_no_data(
    bot: BotHarness, simulator_user: Customer
) -> None:
    pg = bot.playground
    stranger = await bot.user("Bruno")
    since = await pg.last_seq()
    for text in ("/consumption", "how much did I use yesterday?", "/menu"):
        await pg.send_text(stranger.id, text)
        await pg.next_message(stranger.id, "not linked", timeout=WAIT)

    owner = await linked_user(bot, simulator_user)
    group = await pg.create_group("Casa", [owner.id, stranger.id])
    await pg.send_text(owner.id, "/consumption", chat_id=group)
    await pg.next_message(group, "private chat", timeout=WAIT)
    await pg.send_text(owner.id, "how much did I use yesterday?", chat_id=group)
    assert await pg.drain(group, quiet=0.5) == []  # group chatter is not a question to the bot
    assert await pg.calls("sendPhoto", since=since) == []
