"""The onboarding buttons' callback data ("onb:..."): built here, and checked here when pressed.

Callback data comes back from Telegram as the user's client sends it, so it is parsed strictly:
anything that is not exactly what this module builds is refused (None), never trusted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.digiwatt.models import Appliance, HouseType
from bot.provinces import PROVINCES
from handlers.onboarding.draft import COUNT_STEPS, STATES, Part, Step
from handlers.onboarding.parsing import PEOPLE_MAX

PREFIX = "onb:"


class Kind(StrEnum):
    HOUSE_TYPE = "type"  # onb:type:<house type>
    CHANGE = "chg"  # onb:chg:<part>, from the summary or the /profile card
    NEW = "new"  # onb:new: start over (or for the first time) from the /profile card
    BACK = "back"  # onb:back:<step>
    LATER = "later"  # "Not now" on the first question
    PROVINCE = "prov"  # onb:prov:<code>: yes to a suggested province
    COUNT = "n"  # onb:n:<step>:<people>
    APPLIANCE = "app"  # onb:app:<t|+|->:<appliance>
    DONE = "done"  # appliances chosen
    CONFIRM = "ok"  # send to Digiwatt (also "Try again")


class Op(StrEnum):
    TOGGLE = "t"
    MORE = "+"
    LESS = "-"


# The buttons that may start (or restart) the dialogue: ConversationHandler entry points.
ENTRY_PATTERN = re.compile(r"^onb:(?:type|chg|new)(?::|$)")
ANY_PATTERN = re.compile(r"^onb:")


@dataclass(frozen=True)
class Action:
    kind: Kind
    value: str | int | None = None
    op: Op | None = None
    # The step a button belongs to, where the same button exists at several steps: a quick
    # double tap on "2" must not answer the next question too.
    step: Step | None = None

    @property
    def data(self) -> str:
        """The callback data of this action's button (at most 64 bytes, as Telegram allows)."""
        parts = [self.kind.value]
        if self.step is not None:
            parts.append(self.step.value)
        if self.op is not None:
            parts.append(self.op.value)
        if self.value is not None:
            parts.append(str(self.value))
        return PREFIX + ":".join(parts)


def house_type(value: HouseType) -> str:
    return Action(Kind.HOUSE_TYPE, value.value).data


def change(part: Part) -> str:
    return Action(Kind.CHANGE, part.value).data


def province(code: str) -> str:
    return Action(Kind.PROVINCE, code).data


def count(step: Step, value: int) -> str:
    return Action(Kind.COUNT, value, step=step).data


def back(step: Step) -> str:
    return Action(Kind.BACK, step=step).data


def appliance(op: Op, value: Appliance) -> str:
    return Action(Kind.APPLIANCE, value.value, op).data


LATER = Action(Kind.LATER).data
NEW = Action(Kind.NEW).data
DONE = Action(Kind.DONE).data
CONFIRM = Action(Kind.CONFIRM).data


def parse(data: str | None) -> Action | None:
    """The action of a pressed button, or None for data this module did not build."""
    if not data or not data.startswith(PREFIX) or len(data.encode()) > 64:
        return None
    kind_text, _, rest = data[len(PREFIX) :].partition(":")
    if kind_text not in Kind._value2member_map_:
        return None
    kind = Kind(kind_text)
    if kind in (Kind.NEW, Kind.LATER, Kind.DONE, Kind.CONFIRM):
        return Action(kind) if not rest else None
    if kind == Kind.BACK:
        return Action(kind, step=Step(rest)) if rest in STATES else None
    if kind == Kind.HOUSE_TYPE:
        return Action(kind, rest) if rest in HouseType._value2member_map_ else None
    if kind == Kind.CHANGE:
        return Action(kind, rest) if rest in Part._value2member_map_ else None
    if kind == Kind.PROVINCE:
        return Action(kind, rest) if rest in PROVINCES else None
    if kind == Kind.COUNT:
        step, _, number = rest.partition(":")
        ok = step in COUNT_STEPS and re.fullmatch(r"\d{1,2}", number) is not None
        if not ok or int(number) > PEOPLE_MAX:
            return None
        return Action(kind, int(number), step=Step(step))
    op_text, _, name = rest.partition(":")  # Kind.APPLIANCE
    if op_text in Op._value2member_map_ and name in Appliance._value2member_map_:
        return Action(kind, name, Op(op_text))
    return None
