"""Where an onboarding dialogue stands: the answers so far, the step, and which step comes next.

The draft lives in `chat_data` (JSON-like, so the database persistence keeps it across restarts);
the ConversationHandler's state mirrors `Draft.step` while the dialogue is active.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.digiwatt.models import (
    Appliance,
    ApplianceQuantity,
    House,
    HouseType,
    OnboardingRequest,
    Residents,
)
from bot.provinces import PROVINCES
from handlers.onboarding.parsing import model_bound

QUANTITY_MAX = model_bound(ApplianceQuantity, "quantity", "le")


class Step(StrEnum):
    HOUSE_TYPE = "type"
    SIZE = "size"
    PROVINCE = "province"
    ADULTS = "adults"
    CHILDREN = "children"
    ELDERLY = "elderly"
    APPLIANCES = "appliances"
    SUMMARY = "summary"
    PROFILE = "profile"  # the /profile card: shown outside the dialogue, never a state


QUESTIONS: tuple[Step, ...] = (
    Step.HOUSE_TYPE,
    Step.SIZE,
    Step.PROVINCE,
    Step.ADULTS,
    Step.CHILDREN,
    Step.ELDERLY,
    Step.APPLIANCES,
)
COUNT_STEPS: tuple[Step, ...] = (Step.ADULTS, Step.CHILDREN, Step.ELDERLY)
# The ConversationHandler's states: every question and the summary.
STATES: tuple[Step, ...] = (*QUESTIONS, Step.SUMMARY)


class Part(StrEnum):
    """What "change ..." buttons change: one question, or the three head counts together."""

    HOUSE_TYPE = "type"
    SIZE = "size"
    PROVINCE = "province"
    PEOPLE = "people"
    APPLIANCES = "appliances"


PART_STEPS: dict[Part, tuple[Step, ...]] = {
    Part.HOUSE_TYPE: (Step.HOUSE_TYPE,),
    Part.SIZE: (Step.SIZE,),
    Part.PROVINCE: (Step.PROVINCE,),
    Part.PEOPLE: COUNT_STEPS,
    Part.APPLIANCES: (Step.APPLIANCES,),
}


def part_of(step: Step) -> Part:
    for part, steps in PART_STEPS.items():
        if step in steps:
            return part
    raise ValueError(f"{step} is not a question")


# Field names in Digiwatt's validation errors -> the question that asks for them.
_FIELD_STEPS: tuple[tuple[str, Step], ...] = (
    ("house.type", Step.HOUSE_TYPE),
    ("house.dimesion", Step.SIZE),
    ("house.province", Step.PROVINCE),
    ("house", Step.HOUSE_TYPE),
    ("residents.adults", Step.ADULTS),
    ("residents.children", Step.CHILDREN),
    ("residents.elderlies", Step.ELDERLY),
    ("residents", Step.ADULTS),
    ("appliances", Step.APPLIANCES),
)


def step_for_field(name: str) -> Step | None:
    """The question behind a field Digiwatt refused ("house.province" -> PROVINCE)."""
    for prefix, step in _FIELD_STEPS:
        if name == prefix or name.startswith(prefix + "."):
            return step
    return None


_COUNT_FIELDS = {Step.ADULTS: "adults", Step.CHILDREN: "children", Step.ELDERLY: "elderly"}


@dataclass
class Answers:
    """The household as answered so far; None where not asked yet."""

    house_type: HouseType | None = None
    size: int | None = None
    province: str | None = None
    adults: int | None = None
    children: int | None = None
    elderly: int | None = None
    appliances: dict[Appliance, int] = field(default_factory=dict)

    def is_complete(self) -> bool:
        counts = (self.adults, self.children, self.elderly)
        return None not in (self.house_type, self.size, self.province, *counts)

    def count(self, step: Step) -> int | None:
        return getattr(self, _COUNT_FIELDS[step])

    def set_count(self, step: Step, value: int) -> None:
        setattr(self, _COUNT_FIELDS[step], value)

    def request(self) -> OnboardingRequest:
        """The onboarding to send; pydantic's ValidationError if an answer is missing or wrong."""
        appliances = [
            ApplianceQuantity(appliance=a, quantity=q) for a, q in self.appliances.items() if q > 0
        ]
        return OnboardingRequest(
            house=House.model_validate(
                {"type": self.house_type, "dimesion": self.size, "province": self.province}
            ),
            residents=Residents.model_validate(
                {"adults": self.adults, "children": self.children, "elderlies": self.elderly}
            ),
            appliances=appliances,
        )

    @classmethod
    def from_request(cls, request: OnboardingRequest) -> Answers:
        return cls(
            house_type=request.house.type,
            size=request.house.dimesion,
            province=request.house.province,
            adults=request.residents.adults,
            children=request.residents.children,
            elderly=request.residents.elderlies,
            appliances={item.appliance: item.quantity for item in request.appliances},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "house_type": self.house_type.value if self.house_type else None,
            "size": self.size,
            "province": self.province,
            "adults": self.adults,
            "children": self.children,
            "elderly": self.elderly,
            "appliances": {a.value: q for a, q in self.appliances.items()},
        }

    @classmethod
    def from_json(cls, data: Any) -> Answers:
        """Lenient: a value that is not what it should be is dropped (asked again), not trusted."""
        data = data if isinstance(data, dict) else {}
        appliances: dict[Appliance, int] = {}
        raw_appliances = data.get("appliances")
        for name, quantity in (raw_appliances if isinstance(raw_appliances, dict) else {}).items():
            if name in Appliance._value2member_map_ and _int_in(quantity, 1, QUANTITY_MAX):
                appliances[Appliance(name)] = quantity
        house_type = data.get("house_type")
        province = data.get("province")
        return cls(
            house_type=HouseType(house_type)
            if house_type in HouseType._value2member_map_
            else None,
            size=data.get("size") if _int_in(data.get("size"), 1, 100_000) else None,
            province=province if isinstance(province, str) and province in PROVINCES else None,
            adults=data.get("adults") if _int_in(data.get("adults"), 0, 1000) else None,
            children=data.get("children") if _int_in(data.get("children"), 0, 1000) else None,
            elderly=data.get("elderly") if _int_in(data.get("elderly"), 0, 1000) else None,
            appliances=appliances,
        )


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


@dataclass
class Draft:
    """One chat's dialogue: its step, the answers, the part being changed, the live message."""

    step: Step = Step.HOUSE_TYPE
    answers: Answers = field(default_factory=Answers)
    # The part changed from the summary or /profile: when its last question is answered, the
    # dialogue returns to the summary instead of going through every later step.
    editing: Part | None = None
    active: bool = False  # inside the ConversationHandler (False: first question or /profile card)
    message_id: int | None = None  # the message whose buttons are live; older ones are stale
    suggestion: str | None = None  # a province code offered after a typo, awaiting "yes"

    def next_step(self) -> Step:
        if self.step == Step.SUMMARY:
            return Step.SUMMARY
        if self.editing is not None:
            steps = PART_STEPS[self.editing]
            if self.step in steps and self.step != steps[-1]:
                return steps[steps.index(self.step) + 1]
            return Step.SUMMARY
        index = QUESTIONS.index(self.step)
        return QUESTIONS[index + 1] if index + 1 < len(QUESTIONS) else Step.SUMMARY

    def previous_step(self) -> Step | None:
        """Where "◀ Back" leads; None on the very first question of a new onboarding."""
        if self.step == Step.SUMMARY:
            return Step.APPLIANCES
        if self.editing is not None:
            steps = PART_STEPS[self.editing]
            if self.step in steps and self.step != steps[0]:
                return steps[steps.index(self.step) - 1]
            return Step.SUMMARY
        index = QUESTIONS.index(self.step)
        return QUESTIONS[index - 1] if index > 0 else None

    def advance(self) -> None:
        self.step = self.next_step()
        self.suggestion = None
        if self.step == Step.SUMMARY:
            self.editing = None

    def go_back(self) -> bool:
        previous = self.previous_step()
        if previous is None:
            return False
        if self.step == Step.SUMMARY or previous == Step.SUMMARY:
            # Back from the summary walks the questions in order again, whatever was changed.
            self.editing = None
        self.step = previous
        self.suggestion = None
        return True

    def change(self, part: Part, *, step: Step | None = None) -> None:
        """Ask again one part (from its first question, or `step`), then back to the summary."""
        self.editing = part
        self.step = step if step is not None else PART_STEPS[part][0]
        self.suggestion = None
        self.active = True

    def position(self) -> int:
        """1-based number of the question, for "Question 2 of 7"."""
        return QUESTIONS.index(self.step) + 1

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step.value,
            "answers": self.answers.to_json(),
            "editing": self.editing.value if self.editing else None,
            "active": self.active,
            "message_id": self.message_id,
            "suggestion": self.suggestion,
        }

    @classmethod
    def from_json(cls, data: Any) -> Draft | None:
        """The stored draft, or None when there is none or it cannot be read."""
        if not isinstance(data, dict) or data.get("step") not in Step._value2member_map_:
            return None
        editing = data.get("editing")
        message_id = data.get("message_id")
        suggestion = data.get("suggestion")
        draft = cls(
            step=Step(data["step"]),
            answers=Answers.from_json(data.get("answers")),
            editing=Part(editing) if editing in Part._value2member_map_ else None,
            active=data.get("active") is True,
            message_id=message_id if _int_in(message_id, 1, 2**53) else None,
            suggestion=suggestion if suggestion in PROVINCES else None,
        )
        if draft.step == Step.SUMMARY and not draft.answers.is_complete():
            # A summary of missing answers would send nonsense: ask from the first gap instead.
            draft.step = next(s for s in QUESTIONS if draft.missing(s))
            draft.editing = None
        return draft

    def missing(self, step: Step) -> bool:
        a = self.answers
        values = {
            Step.HOUSE_TYPE: a.house_type,
            Step.SIZE: a.size,
            Step.PROVINCE: a.province,
            Step.ADULTS: a.adults,
            Step.CHILDREN: a.children,
            Step.ELDERLY: a.elderly,
        }
        return step in values and values[step] is None
