"""The bot as a person meets it in the web chat of `digiwatt-bot demo`: headless Chromium, real stack."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from bot.commands import localized_commands
from tests.e2e.webchat import BOT_TIMEOUT_MS, DEMO_ACCOUNT, DEMO_POD, ChatPane, WebChat

pytestmark = pytest.mark.slow  # a whole stack and a browser page per test


def _linked(web: WebChat, name: str = "Anna", language: str = "en") -> ChatPane:
    """A user whose chat is linked to the demo account, onboarding put off."""
    pane = web.create_user(name, language)
    pane.link_by_pod()
    pane.press("Not now")
    return pane


def test_link_by_pod(web: WebChat) -> None:
    pane = web.create_user("Anna", "en")
    confirmation = pane.link_by_pod(pod="it001e 00123456")  # as people type it
    assert DEMO_ACCOUNT in confirmation.inner_text()
    assert pane.my_messages.filter(has_text="it001e 00123456").count() == 1


def test_signed_deep_link_from_the_demo_tools_links_the_chat(web: WebChat) -> None:
    pane = web.create_user("Bruno", "en")
    web.open_signed_link(DEMO_ACCOUNT)
    pane.bot_said(re.compile(f"linked.*{DEMO_ACCOUNT}", re.S))
    # Telegram shows the deep link as "/start <token>" sent by the user.
    expect(pane.my_messages.first).to_contain_text(re.compile(r"/start [A-Za-z0-9_-]{20,64}"))


def test_a_t_me_link_pasted_in_the_deep_link_field_opens_the_bot(web: WebChat) -> None:
    signed = httpx.post(
        f"{web.url}/_demo/link", json={"account_number": DEMO_ACCOUNT, "pod": DEMO_POD}, timeout=10
    ).json()
    pane = web.create_user("Elena", "en")
    pane.open_with_payload(signed["url"])  # https://t.me/<bot>?start=<token>
    pane.bot_said(re.compile(f"linked.*{DEMO_ACCOUNT}", re.S))
    expect(pane.my_messages.first).to_have_text(re.compile(re.escape(signed["payload"])))


def test_onboarding_to_the_end(web: WebChat) -> None:
    pane = web.create_user("Carla", "en")
    pane.link_by_pod()
    pane.bot_said("Question 1 of 7")
    pane.press("Apartment")
    pane.bot_said("Question 2 of 7")
    pane.send("85")
    pane.bot_said("Question 3 of 7")
    pane.send("MI")
    pane.bot_said("Question 4 of 7")
    pane.press("2")
    pane.bot_said("Question 5 of 7")
    pane.press("1")
    pane.bot_said("Question 6 of 7")
    pane.press("0")
    pane.bot_said("Question 7 of 7")
    pane.press("Dishwasher")
    pane.bot_said(re.compile("✅ Dishwasher"))
    pane.press("Done ✔")
    summary = pane.bot_said("Here is your home")
    expect(summary).to_contain_text("85 m²")
    expect(summary).to_contain_text("(MI)")
    pane.press("✅ Confirm")
    pane.bot_said("Thank you")
    pane.send("/profile")
    card = pane.bot_said("Dishwasher")
    expect(card).to_contain_text("85 m²")
    expect(card).to_contain_text("Children: 1")


def test_consumption_chart_appears_in_the_chat(web: WebChat) -> None:
    pane = _linked(web)
    pane.send("/consumption")
    photo = pane.root.locator(".msg.in.kind-photo img.photo").last
    expect(photo).to_be_visible(timeout=BOT_TIMEOUT_MS)
    # The chart itself arrived and decoded, not just a caption with a broken image.
    loaded = photo.evaluate(
        "img => img.complete && img.naturalWidth > 100 && img.naturalHeight > 100"
    )
    assert loaded
    expect(pane.root.locator(".msg.in.kind-photo").last.locator(".caption")).to_contain_text("kWh")


def test_a_setting_changes_in_place(web: WebChat) -> None:
    pane = _linked(web)
    pane.send("/settings")
    settings = pane.bot_said("Settings")
    message_id = settings.get_attribute("data-mid")
    english_text = settings.locator(".text").inner_text()
    bubbles = pane.bot_messages.count()

    pane.press("Italiano")

    same = pane.root.locator(f'.msg[data-mid="{message_id}"]')
    expect(same.locator(".ikb-button").filter(has_text="✓ Italiano")).to_be_visible(
        timeout=BOT_TIMEOUT_MS
    )
    expect(same.locator(".edited")).to_be_visible()
    assert same.locator(".text").inner_text() != english_text  # now in Italian
    assert pane.bot_messages.count() == bubbles  # edited, not sent again


def test_an_alert_arrives_after_running_the_alert_job(web: WebChat) -> None:
    pane = _linked(web)
    pane.send("/settings")
    pane.bot_said("Settings")
    pane.press("Turn alerts on")
    time_button = pane.root.locator(".ikb-button").filter(has_text=re.compile(r"\d\d:\d\d")).last
    expect(pane.root.locator(".ikb-button").filter(has_text="Turn alerts off")).to_be_visible(
        timeout=BOT_TIMEOUT_MS
    )
    alert_time = re.search(r"\d\d:\d\d", time_button.inner_text())
    assert alert_time is not None
    before = pane.bot_messages.count()

    web.run_alerts_at(alert_time[0])

    web.toast(re.compile(r"1 sent"))
    expect(pane.bot_messages).to_have_count(before + 1, timeout=BOT_TIMEOUT_MS)
    alert = pane.bot_messages.last
    expect(alert.locator("img.photo")).to_be_visible()  # the day's greenness timeline
    expect(alert.locator(".ikb-button").first).to_be_visible()  # snooze / change time / stop


def test_two_users_side_by_side_see_only_their_own_chat(web: WebChat) -> None:
    anna = web.create_user("Anna", "it")
    ben = web.create_user("Ben", "en")
    a, b = anna.root.bounding_box(), ben.root.bounding_box()
    assert a is not None and b is not None
    assert a["x"] + a["width"] <= b["x"] + 1 and abs(a["y"] - b["y"]) < 1  # side by side

    anna.start()
    ben.start()
    anna.bot_said("Anna")
    ben.bot_said("Ben")
    anna.send("/help")
    anna.bot_said("/consumption")
    answered = ben.bot_messages.count()
    ben.send("hello there")
    expect(ben.bot_messages.nth(answered)).to_be_visible(timeout=BOT_TIMEOUT_MS)

    anna_texts, ben_texts = " ".join(anna.texts()), " ".join(ben.texts())
    assert "Ben" not in anna_texts and "hello there" not in anna_texts
    assert "Anna" not in ben_texts and "/help" not in ben_texts


def test_commands_menu_follows_the_users_language(web: WebChat) -> None:
    pane = web.create_user("Dario", "it")
    pane.start()
    pane.bot_said("Dario")
    italian = {c.command: c.description for c in localized_commands("it")}
    english = {c.command: c.description for c in localized_commands("en")}
    assert italian != english
    assert pane.commands_menu() == italian

    pane.set_language("en")

    expect(pane.root.locator(".input")).to_have_attribute("placeholder", "Message")
    first = next(iter(english))
    pane.root.locator(".menu-button").click()
    expect(
        pane.root.locator(f'.command[data-command="{first}"] .command-description')
    ).to_have_text(english[first])
    pane.root.locator(".menu-button").click()
    assert pane.commands_menu() == english
