"""The onboarding draft: which step follows which, going back, changing one part, persistence."""

import pytest
from pydantic import ValidationError

from bot.digiwatt.models import Appliance, HouseType
from handlers.onboarding import actions
from handlers.onboarding.actions import Kind, Op
from handlers.onboarding.draft import (
    COUNT_STEPS,
    QUESTIONS,
    STATES,
    Answers,
    Draft,
    Part,
    Step,
    step_for_field,
)
from storage.codec import decode, encode


def complete() -> Answers:
    return Answers(
        house_type=HouseType.DETACHED,
        size=140,
        province="BO",
        adults=2,
        children=1,
        elderly=0,
        appliances={Appliance.FRIDGE: 1, Appliance.HEAT_PUMP: 2},
    )


def test_a_new_onboarding_walks_every_question_then_the_summary() -> None:
    draft = Draft()
    seen = [draft.step]
    while draft.step != Step.SUMMARY:
        draft.advance()
        seen.append(draft.step)
    assert seen == [*QUESTIONS, Step.SUMMARY]


def test_back_walks_the_questions_in_reverse_and_stops_at_the_first() -> None:
    draft = Draft(step=Step.SUMMARY, answers=complete())
    seen = []
    while draft.go_back():
        seen.append(draft.step)
    assert seen == list(reversed(QUESTIONS))
    assert draft.previous_step() is None


@pytest.mark.parametrize("part", list(Part))
def test_changing_a_part_returns_to_the_summary_after_its_last_question(part: Part) -> None:
    draft = Draft(step=Step.SUMMARY, answers=complete(), active=True)
    draft.change(part)
    asked = [draft.step]
    while True:
        draft.advance()
        if draft.step == Step.SUMMARY:
            break
        asked.append(draft.step)
    expected = [Step.ADULTS, Step.CHILDREN, Step.ELDERLY] if part == Part.PEOPLE else [Step(part)]
    assert asked == expected
    assert draft.editing is None


def test_back_from_a_changed_part_returns_to_the_summary() -> None:
    draft = Draft(step=Step.SUMMARY, answers=complete())
    draft.change(Part.PEOPLE)
    draft.advance()  # children
    assert draft.go_back() and draft.step == Step.ADULTS
    assert draft.go_back() and draft.step == Step.SUMMARY
    assert draft.editing is None


def test_the_request_carries_every_answer() -> None:
    request = complete().request()
    assert request.house.type == HouseType.DETACHED
    assert request.house.dimesion == 140
    assert request.house.province == "BO"
    assert (request.residents.adults, request.residents.children) == (2, 1)
    assert request.residents.elderlies == 0
    assert {(a.appliance, a.quantity) for a in request.appliances} == {
        (Appliance.FRIDGE, 1),
        (Appliance.HEAT_PUMP, 2),
    }
    assert Answers.from_request(request) == complete()


def test_no_appliance_chosen_sends_an_empty_list() -> None:
    answers = complete()
    answers.appliances = {}
    assert answers.request().appliances == []


def test_an_incomplete_draft_cannot_become_a_request() -> None:
    answers = complete()
    answers.province = None
    with pytest.raises(ValidationError):
        answers.request()


def test_the_draft_survives_the_persistence_codec() -> None:
    draft = Draft(
        step=Step.PROVINCE,
        answers=complete(),
        editing=Part.PROVINCE,
        active=True,
        message_id=42,
        suggestion="BO",
    )
    assert Draft.from_json(decode(encode(draft.to_json()))) == draft


@pytest.mark.parametrize(
    "stored",
    [None, 3, {}, {"step": "nowhere"}, {"step": 1}],
)
def test_an_unreadable_draft_is_none(stored: object) -> None:
    assert Draft.from_json(stored) is None


def test_damaged_answers_are_asked_again_not_trusted() -> None:
    stored = Draft(step=Step.SUMMARY, answers=complete(), active=True).to_json()
    stored["answers"]["province"] = "ZZ"
    stored["answers"]["adults"] = "two"
    stored["answers"]["appliances"] = {"fridge": 1, "teleporter": 1, "oven": 0}
    draft = Draft.from_json(stored)
    assert draft is not None
    assert draft.answers.province is None and draft.answers.adults is None
    assert draft.answers.appliances == {Appliance.FRIDGE: 1}
    assert draft.step == Step.PROVINCE  # the first missing answer, not a summary of holes


def test_digiwatt_fields_lead_to_their_question() -> None:
    assert step_for_field("house.province") == Step.PROVINCE
    assert step_for_field("house.dimesion") == Step.SIZE
    assert step_for_field("residents.children") == Step.CHILDREN
    assert step_for_field("appliances.0.quantity") == Step.APPLIANCES
    assert step_for_field("pod") is None


def test_button_data_round_trips_and_fits_telegram() -> None:
    built = [
        *(actions.house_type(t) for t in HouseType),
        *(actions.change(p) for p in Part),
        *(actions.appliance(op, a) for op in Op for a in Appliance),
        actions.province("BO"),
        *(actions.count(step, n) for step in COUNT_STEPS for n in (0, 20)),
        *(actions.back(step) for step in STATES),
        actions.LATER,
        actions.NEW,
        actions.DONE,
        actions.CONFIRM,
    ]
    for data in built:
        assert len(data.encode()) <= 64
        parsed = actions.parse(data)
        assert parsed is not None and parsed.data == data
    assert actions.parse(actions.appliance(Op.MORE, Appliance.OVEN)) == actions.Action(
        Kind.APPLIANCE, "oven", Op.MORE
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "onb:",
        "onb:type:castle",
        "onb:type",
        "onb:prov:ZZ",
        "onb:n:adults:21",
        "onb:n:adults:-1",
        "onb:n:adults:x",
        "onb:n:size:2",
        "onb:n:2",
        "onb:back",
        "onb:back:profile",
        "onb:back:nowhere",
        "onb:app:t:teleporter",
        "onb:app:*:oven",
        "onb:ok:now",
        "onb:chg:everything",
        "set:lang:it",
        "onb:back:size" + "k" * 80,
    ],
)
def test_forged_button_data_is_refused(data: str | None) -> None:
    assert actions.parse(data) is None
