"""Typed shapes of the Digiwatt API: requests, the `data` of each response, and enums.

These mirror `openapi.yaml` beside this file; where the published docs are silent (paths, the
shape of `data`) the document marks the assumption with `x-assumed: true`. Energy is in Wh,
power in W, timestamps are ISO 8601 with an offset.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

# The docs contradict themselves on the POD (see openapi.yaml, x-assumed). Real PODs printed on
# Italian bills have 14 or 15 characters, the docs' example 18: accept two letters, three letters
# or digits, then 8 to 15 letters or digits, after removing spaces and upper-casing.
POD_PATTERN = re.compile(r"^[A-Z]{2}[0-9A-Z]{3}[A-Z0-9]{8,15}$")
ACCOUNT_NUMBER_PATTERN = re.compile(r"^[0-9A-Za-z-]{4,32}$")


def normalize_pod(raw: str) -> str:
    """Remove every kind of white space and upper-case: what users type from a bill."""
    return "".join(raw.split()).upper()


def is_valid_pod(raw: str) -> bool:
    return POD_PATTERN.fullmatch(normalize_pod(raw)) is not None


def _check_pod(value: str) -> str:
    value = normalize_pod(value)
    if not POD_PATTERN.fullmatch(value):
        raise ValueError(
            "a POD is two letters, three letters or digits, then 8 to 15 letters or digits"
        )
    return value


Pod = Annotated[str, AfterValidator(_check_pod)]


class Period(StrEnum):
    YESTERDAY = "yesterday"
    LAST_SEVEN_DAYS = "last-seven-days"
    THIS_WEEK = "this-week"
    LAST_WEEK = "last-week"
    THIS_MONTH = "this-month"
    LAST_MONTH = "last-month"


class HouseType(StrEnum):
    APARTMENT = "apartment"
    TOWNHOUSE = "townhouse"
    DETACHED = "detached"
    SECOND = "second"


class Appliance(StrEnum):
    AIR_CONDITIONER = "airConditioner"
    BOILER = "boiler"
    CHARGING_STATION = "chargingStation"
    DISHWASHER = "dishwasher"
    ELECTRIC_HEATER = "electricHeater"
    ELECTRIC_VEHICLE = "electricVehicle"
    FRIDGE = "fridge"
    HEAT_PUMP = "heatPump"
    INDUCTION_COOKTOP = "inductionCooktop"
    MICROWAVE = "microwave"
    OVEN = "oven"
    SOLAR_BATTERY = "solarBattery"
    SOLAR_PANEL = "solarPanel"
    TELEVISION = "television"
    WASHING_MACHINE = "washingMachine"


# Appliances whose use can be moved in time: what savings advice and alerts talk about.
FLEXIBLE_APPLIANCES: tuple[Appliance, ...] = (
    Appliance.DISHWASHER,
    Appliance.WASHING_MACHINE,
    Appliance.CHARGING_STATION,
    Appliance.ELECTRIC_VEHICLE,
    Appliance.BOILER,
)

# Assumed: the set Digiwatt applies when onboarding names no appliance.
DEFAULT_APPLIANCES: tuple[Appliance, ...] = (
    Appliance.FRIDGE,
    Appliance.WASHING_MACHINE,
    Appliance.DISHWASHER,
    Appliance.OVEN,
    Appliance.TELEVISION,
    Appliance.MICROWAVE,
)


class TariffBand(StrEnum):
    """Italian time-of-use bands: F1 weekday daytime, F2 shoulders and Saturday, F3 night and Sunday."""

    F1 = "F1"
    F2 = "F2"
    F3 = "F3"


class _Model(BaseModel):
    # Extra fields are ignored so a richer real API does not break the bot.
    model_config = ConfigDict(extra="ignore", frozen=True)


# --- auth -----------------------------------------------------------------------------------------


class TokenResponse(_Model):
    access_token: str
    expires_in: int = Field(gt=0)
    token_type: str = "Bearer"  # noqa: S105 - a scheme name, not a secret


# --- users ----------------------------------------------------------------------------------------


class CreateUserRequest(_Model):
    pod: Pod
    account_number: str = Field(pattern=ACCOUNT_NUMBER_PATTERN.pattern)
    company_code: str = Field(min_length=1, max_length=64)


class User(_Model):
    account_number: str
    pod: str
    company_code: str
    created_at: datetime
    onboarded: bool = False


class DeletedUser(_Model):
    account_number: str
    deleted_at: datetime


# --- onboarding -----------------------------------------------------------------------------------


class House(_Model):
    type: HouseType
    dimesion: int = Field(ge=10, le=2000, description="Floor area in m²; the docs' spelling.")
    province: str = Field(pattern=r"^[A-Z]{2}$")


class Residents(_Model):
    adults: int = Field(ge=1, le=20)
    children: int = Field(ge=0, le=20)
    elderlies: int = Field(ge=0, le=20)


class ApplianceQuantity(_Model):
    appliance: Appliance
    quantity: int = Field(ge=1, le=20)


class OnboardingRequest(_Model):
    house: House
    residents: Residents
    appliances: list[ApplianceQuantity] = Field(default_factory=list, max_length=len(Appliance))

    @field_validator("appliances")
    @classmethod
    def _unique(cls, value: list[ApplianceQuantity]) -> list[ApplianceQuantity]:
        names = [item.appliance for item in value]
        if len(names) != len(set(names)):
            raise ValueError("each appliance may appear once")
        return value


class Onboarding(_Model):
    account_number: str
    house: House
    residents: Residents
    appliances: list[ApplianceQuantity] = Field(description="Effective set: the default when none.")
    onboarded_at: datetime


# --- consumption ----------------------------------------------------------------------------------


class ConsumptionInterval(_Model):
    start: datetime
    end: datetime
    total_wh: int = Field(ge=0)
    appliances: dict[Appliance, int]


class Consumption(_Model):
    account_number: str
    period: Period
    start: datetime
    end: datetime
    granularity: str = Field(pattern="^(hour|day)$")
    unit: str = "Wh"
    intervals: list[ConsumptionInterval]


class ApplianceTotal(_Model):
    appliance: Appliance
    energy_wh: int = Field(ge=0)
    previous_energy_wh: int = Field(ge=0)
    share_pct: float = Field(ge=0, le=100)


class ConsumptionTotals(_Model):
    account_number: str
    period: Period
    start: datetime
    end: datetime
    previous_start: datetime
    previous_end: datetime
    unit: str = "Wh"
    total_wh: int = Field(ge=0)
    previous_total_wh: int = Field(ge=0)
    change_pct: float | None = Field(description="Against the previous period; null when it was 0.")
    appliances: list[ApplianceTotal]


class Realtime(_Model):
    account_number: str
    timestamp: datetime
    unit: str = "W"
    power_w: int = Field(ge=0)


class PowerPoint(_Model):
    timestamp: datetime
    power_w: int = Field(ge=0)


class LatestConsumption(_Model):
    account_number: str
    start: datetime
    end: datetime
    interval_minutes: int = Field(gt=0)
    unit: str = "W"
    points: list[PowerPoint]


class Performance(_Model):
    account_number: str
    period: Period
    start: datetime
    end: datetime
    unit: str = "Wh"
    user_wh: int = Field(ge=0)
    min_wh: int = Field(ge=0)
    average_wh: int = Field(ge=0)
    max_wh: int = Field(ge=0)
    similar_homes: int = Field(ge=1)


class HabitCell(_Model):
    weekday: int = Field(ge=1, le=7, description="ISO weekday, Monday = 1.")
    hour: int = Field(ge=0, le=23)
    energy_wh: int = Field(ge=0)


class Habits(_Model):
    account_number: str
    period: Period
    start: datetime
    end: datetime
    unit: str = "Wh"
    cells: list[HabitCell] = Field(description="Mean energy per weekday and hour over the period.")


# --- analytics ------------------------------------------------------------------------------------


class TrendMonth(_Model):
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    f1_wh: int = Field(ge=0)
    f2_wh: int = Field(ge=0)
    f3_wh: int = Field(ge=0)
    total_wh: int = Field(ge=0)


class Trend(_Model):
    account_number: str
    unit: str = "Wh"
    months: list[TrendMonth] = Field(description="The last 12 complete months, oldest first.")


class Distribution(_Model):
    account_number: str
    start_month: str
    end_month: str
    unit: str = "Wh"
    total_wh: int = Field(ge=0)
    appliances: list[ApplianceTotal]


class CompoundMonth(_Model):
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    total_wh: int = Field(ge=0)
    appliances: dict[Appliance, int]


class Compound(_Model):
    account_number: str
    unit: str = "Wh"
    months: list[CompoundMonth]


# --- saving ---------------------------------------------------------------------------------------


class BandEnergy(_Model):
    f1_wh: int = Field(ge=0)
    f2_wh: int = Field(ge=0)
    f3_wh: int = Field(ge=0)


class FlexibleUse(_Model):
    appliance: Appliance
    energy_wh: int = Field(ge=0)
    bands: BandEnergy
    green_wh: int = Field(ge=0, description="Part of energy_wh used inside green windows.")


class Saving(_Model):
    account_number: str
    start: datetime
    end: datetime
    unit: str = "Wh"
    total_wh: int = Field(ge=0)
    bands: BandEnergy
    baseload_w: int = Field(ge=0, description="Always-on power: the night-time minimum.")
    green_share_pct: float = Field(ge=0, le=100)
    flexible: list[FlexibleUse]


# --- greenness ------------------------------------------------------------------------------------


class GreenWindow(_Model):
    start: datetime
    stop: datetime
    renewable_pct: float = Field(ge=0, le=100)


class HourlyShare(_Model):
    start: datetime
    renewable_pct: float = Field(ge=0, le=100)


class Greenness(_Model):
    date: date
    timezone: str
    updated_at: datetime
    renewable_pct: float = Field(ge=0, le=100, description="The day's average renewable share.")
    windows: list[GreenWindow] = Field(description="Best windows, in time order.")
    hourly: list[HourlyShare] = Field(description="One entry per local hour: 23, 24 or 25.")


# --- errors ---------------------------------------------------------------------------------------


class FieldError(_Model):
    field: str
    message: str


class ErrorBody(_Model):
    code: str
    message: str
    fields: list[FieldError] = Field(default_factory=list)


class ErrorEnvelope(_Model):
    status: int
    error: ErrorBody
