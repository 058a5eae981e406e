"""What each onboarding step shows: questions, keyboards and the summary, in both languages."""

import pytest

from bot.digiwatt.models import DEFAULT_APPLIANCES, Appliance, HouseType
from bot.i18n import translator
from handlers.onboarding import actions, keyboards, texts
from handlers.onboarding.draft import STATES, Answers, Draft, Part, Step


def complete() -> Answers:
    return Answers(HouseType.APARTMENT, 85, "AQ", 2, 0, 1, {Appliance.OVEN: 2})


def all_data(draft: Draft, lang: str) -> list[str]:
    markup = keyboards.for_step(draft, translator(lang), lang)
    return [b.callback_data for row in markup.inline_keyboard for b in row]


@pytest.mark.parametrize("lang", ["en", "it"])
@pytest.mark.parametrize("step", STATES)
def test_every_step_has_a_question_live_buttons_and_a_way_back(step: Step, lang: str) -> None:
    draft = Draft(step=step, answers=complete(), active=True, editing=None)
    if step == Step.HOUSE_TYPE:
        draft.editing = Part.HOUSE_TYPE  # changed from the summary: Back returns there
    data = all_data(draft, lang)
    assert data and all(actions.parse(d) is not None for d in data)
    assert actions.back(step) in data
    assert texts.question(draft, translator(lang), lang).strip()


def test_the_first_question_of_a_new_onboarding_offers_not_now_instead_of_back() -> None:
    data = all_data(Draft(), "en")
    assert actions.LATER in data
    assert not any(d.startswith("onb:back") for d in data)
    assert [actions.house_type(t) for t in HouseType] == data[:4]


def test_adults_start_at_one_and_others_at_zero() -> None:
    adults = all_data(Draft(step=Step.ADULTS), "en")
    children = all_data(Draft(step=Step.CHILDREN), "en")
    assert actions.count(Step.ADULTS, 0) not in adults and actions.count(Step.ADULTS, 1) in adults
    assert actions.count(Step.CHILDREN, 0) in children


def test_the_appliance_keyboard_lists_every_appliance_once() -> None:
    draft = Draft(step=Step.APPLIANCES, answers=complete())
    markup = keyboards.for_step(draft, translator("en"), "en")
    toggles = [
        b.callback_data
        for row in markup.inline_keyboard
        for b in row
        if b.callback_data.startswith("onb:app:t:")
    ]
    assert sorted(toggles) == sorted(actions.appliance(actions.Op.TOGGLE, a) for a in Appliance)
    labels = [b.text for row in markup.inline_keyboard for b in row]
    assert "✅ Oven ×2" in labels and "Fridge" in labels


def test_no_appliance_chosen_says_the_default_set_is_assumed() -> None:
    for lang in ("en", "it"):
        shown = texts.appliances_text({}, translator(lang), lang)
        assert all(texts.appliance_name(a, lang) in shown for a in DEFAULT_APPLIANCES)


def test_what_users_typed_is_escaped_and_shortened() -> None:
    assert texts.echo("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"
    long = texts.echo("a" * 5000)
    assert len(long) <= 40 and long.endswith("…")


def test_the_summary_shows_every_answer() -> None:
    draft = Draft(step=Step.SUMMARY, answers=complete())
    shown = texts.question(draft, translator("en"), "en")
    for part in ("Apartment", "85 m²", "L'Aquila (AQ)", "Adults: 2", "Oven ×2"):
        assert part in shown
