"""The simulated household: consistent across endpoints, shaped by the profile, plausible."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.digiwatt.models import (
    DEFAULT_APPLIANCES,
    Appliance,
    Compound,
    Consumption,
    ConsumptionTotals,
    Distribution,
    Habits,
    HouseType,
    LatestConsumption,
    Performance,
    Period,
    Realtime,
    Saving,
    Trend,
)
from bot.provinces import PROVINCES
from simulator import payloads
from simulator.customers import FIXED_CUSTOMERS, family_account
from simulator.household import DEFAULT_PROFILE, Profile, account_seed, day_usage

TZ = "Europe/Rome"
ROME = ZoneInfo(TZ)
A = Appliance

accounts = st.one_of(
    st.integers(0, 99_999).map(lambda k: family_account(k).account_number),
    st.sampled_from(sorted(FIXED_CUSTOMERS)),
)
appliance_sets = st.lists(
    st.tuples(st.sampled_from(list(Appliance)), st.integers(1, 3)),
    unique_by=lambda item: item[0],
    max_size=8,
).map(lambda items: tuple(items) or tuple((a, 1) for a in DEFAULT_APPLIANCES))
profiles = st.builds(
    Profile,
    house_type=st.sampled_from([h.value for h in HouseType]),
    area=st.integers(30, 300),
    province=st.sampled_from(sorted(PROVINCES)),
    adults=st.integers(1, 4),
    children=st.integers(0, 4),
    elderlies=st.integers(0, 2),
    appliances=appliance_sets,
)
instants = st.datetimes(
    min_value=datetime(2019, 1, 1), max_value=datetime(2034, 12, 31), allow_imaginary=False
).map(lambda naive: naive.replace(tzinfo=ROME))
periods = st.sampled_from(list(Period))
days = st.dates(min_value=date(2019, 1, 1), max_value=date(2034, 12, 31))

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _hours_in(day: date) -> int:
    start = datetime.combine(day, datetime.min.time(), ROME).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), ROME).astimezone(UTC)
    return round((end - start) / timedelta(hours=1))


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


# --- consistency across endpoints -----------------------------------------------------------------


@FAST
@given(account=accounts, profile=profiles, period=periods, now=instants)
def test_intervals_appliances_and_totals_add_up(
    account: str, profile: Profile, period: Period, now: datetime
) -> None:
    consumption = payloads.consumption(account, profile, period, now, TZ)
    totals = payloads.totals(account, profile, period, now, TZ)
    Consumption.model_validate(consumption)
    ConsumptionTotals.model_validate(totals)

    for interval in consumption["intervals"]:
        assert interval["total_wh"] == sum(interval["appliances"].values())
        assert set(interval["appliances"]) == {a.value for a, _ in profile.appliances}
    assert totals["total_wh"] == sum(i["total_wh"] for i in consumption["intervals"])
    assert totals["total_wh"] == sum(a["energy_wh"] for a in totals["appliances"])
    assert totals["previous_total_wh"] == sum(a["previous_energy_wh"] for a in totals["appliances"])
    for row in totals["appliances"]:
        by_interval = sum(i["appliances"][row["appliance"]] for i in consumption["intervals"])
        assert row["energy_wh"] == by_interval
    if totals["total_wh"]:
        assert sum(a["share_pct"] for a in totals["appliances"]) == pytest.approx(100, abs=0.5)


@FAST
@given(account=accounts, profile=profiles, period=periods, now=instants)
def test_intervals_tile_the_window_in_time_order(
    account: str, profile: Profile, period: Period, now: datetime
) -> None:
    consumption = payloads.consumption(account, profile, period, now, TZ)
    intervals = consumption["intervals"]
    if not intervals:  # this week or month, at 00:xx of its first day
        assert period in {Period.THIS_WEEK, Period.THIS_MONTH}
        assert _parse(consumption["start"]) == _parse(consumption["end"])
        return
    assert _parse(intervals[0]["start"]) == _parse(consumption["start"])
    assert _parse(intervals[-1]["end"]) == _parse(consumption["end"])
    for before, after in itertools.pairwise(intervals):
        assert _parse(before["end"]) == _parse(after["start"])
    assert _parse(consumption["end"]) <= now


@SLOW
@given(account=accounts, profile=profiles, now=instants)
def test_trend_compound_and_distribution_agree(
    account: str, profile: Profile, now: datetime
) -> None:
    trend = Trend.model_validate(payloads.trend(account, profile, now, TZ))
    compound = Compound.model_validate(payloads.compound(account, profile, now, TZ))
    distribution = Distribution.model_validate(payloads.distribution(account, profile, now, TZ))

    assert [m.month for m in trend.months] == [m.month for m in compound.months]
    assert len(trend.months) == 12
    assert trend.months[-1].month < f"{now.year:04d}-{now.month:02d}"
    for t, c in zip(trend.months, compound.months, strict=True):
        assert t.total_wh == t.f1_wh + t.f2_wh + t.f3_wh == c.total_wh
        assert c.total_wh == sum(c.appliances.values())
    assert distribution.total_wh == sum(m.total_wh for m in trend.months)
    assert (distribution.start_month, distribution.end_month) == (
        trend.months[0].month,
        trend.months[-1].month,
    )
    for row in distribution.appliances:
        assert row.energy_wh == sum(m.appliances[row.appliance] for m in compound.months)


@FAST
@given(account=accounts, profile=profiles, now=instants)
def test_yesterday_has_one_interval_per_local_hour_and_habits_are_those_hours(
    account: str, profile: Profile, now: datetime
) -> None:
    yesterday = now.date() - timedelta(days=1)
    consumption = payloads.consumption(account, profile, Period.YESTERDAY, now, TZ)
    habits = Habits.model_validate(payloads.habits(account, profile, Period.YESTERDAY, now, TZ))
    intervals = consumption["intervals"]
    assert consumption["granularity"] == "hour"
    assert len(intervals) == _hours_in(yesterday)
    for interval in intervals:
        assert _parse(interval["end"]) - _parse(interval["start"]) == timedelta(hours=1)
    by_wall_hour: dict[int, int] = {}
    for interval in intervals:
        hour = _parse(interval["start"]).hour
        by_wall_hour[hour] = by_wall_hour.get(hour, 0) + interval["total_wh"]
    assert {(c.weekday, c.hour): c.energy_wh for c in habits.cells} == {
        (yesterday.isoweekday(), hour): wh for hour, wh in by_wall_hour.items()
    }


@FAST
@given(account=accounts, profile=profiles, period=periods, now=instants)
def test_performance_brackets_the_home(
    account: str, profile: Profile, period: Period, now: datetime
) -> None:
    performance = Performance.model_validate(
        payloads.performance(account, profile, period, now, TZ)
    )
    totals = payloads.totals(account, profile, period, now, TZ)
    assert performance.user_wh == totals["total_wh"]
    assert performance.min_wh <= performance.user_wh <= performance.max_wh
    assert performance.min_wh <= performance.average_wh <= performance.max_wh


@FAST
@given(account=accounts, profile=profiles, now=instants)
def test_saving_adds_up_and_matches_the_last_days(
    account: str, profile: Profile, now: datetime
) -> None:
    saving = Saving.model_validate(payloads.saving(account, profile, now, TZ))
    bands = saving.bands
    assert saving.total_wh == bands.f1_wh + bands.f2_wh + bands.f3_wh
    assert (saving.end - saving.start).days in {29, 30}  # 30 local days; DST moves an hour
    assert saving.end == datetime.combine(now.date(), datetime.min.time(), ROME)
    yesterday = payloads.consumption(account, profile, Period.YESTERDAY, now, TZ)["intervals"]
    night = [i["total_wh"] for i in yesterday if _parse(i["start"]).hour < 6]
    assert saving.baseload_w <= min(night)
    flexible = {a for a, _ in profile.appliances} & {
        A.DISHWASHER,
        A.WASHING_MACHINE,
        A.CHARGING_STATION,
        A.ELECTRIC_VEHICLE,
        A.BOILER,
    }
    assert {f.appliance for f in saving.flexible} == flexible
    for use in saving.flexible:
        assert use.energy_wh == use.bands.f1_wh + use.bands.f2_wh + use.bands.f3_wh
        assert use.green_wh <= use.energy_wh
    assert 0 <= saving.green_share_pct <= 100


@FAST
@given(account=accounts, profile=profiles, now=instants)
def test_realtime_and_latest_are_plausible_and_follow_the_hours(
    account: str, profile: Profile, now: datetime
) -> None:
    realtime = Realtime.model_validate(payloads.realtime(account, profile, now, TZ))
    latest = LatestConsumption.model_validate(payloads.latest(account, profile, now, TZ))
    assert realtime.timestamp == now.replace(microsecond=0)
    assert 0 <= realtime.power_w <= 20_000
    assert latest.interval_minutes == 15
    assert len(latest.points) == 24
    assert latest.end - latest.start == timedelta(hours=6)
    assert latest.end <= now < latest.end + timedelta(minutes=15)
    stamps = [p.timestamp for p in latest.points]
    assert stamps[0] == latest.start
    assert all(b - a == timedelta(minutes=15) for a, b in itertools.pairwise(stamps))
    assert all(0 <= p.power_w <= 20_000 for p in latest.points)
    # The four quarters of a complete hour average to that hour's energy.
    seed = account_seed(account)
    on_the_hour = next(i for i, s in enumerate(stamps) if s.minute == 0)
    for first in range(on_the_hour, 21, 4):
        quarter = latest.points[first].timestamp
        mean = sum(p.power_w for p in latest.points[first : first + 4]) / 4
        local = quarter.astimezone(ROME)
        usage = day_usage(seed, profile, local.date(), TZ)
        index = [h.utc for h in usage.hours].index(quarter.astimezone(UTC))
        assert mean == pytest.approx(usage.hour_totals[index], abs=2)


@SLOW
@given(account=accounts, profile=profiles, day=days)
def test_the_same_question_gets_the_same_answer(account: str, profile: Profile, day: date) -> None:
    now = datetime.combine(day, datetime.min.time(), ROME) + timedelta(hours=15)
    first = payloads.totals(account, profile, Period.LAST_WEEK, now, TZ)
    day_usage.cache_clear()
    assert payloads.totals(account, profile, Period.LAST_WEEK, now, TZ) == first


# --- daylight saving --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "hours", "wall_hours"),
    [
        (date(2024, 3, 31), 23, [0, 1, *range(3, 24)]),  # spring: 02:00 never happens
        (date(2024, 10, 27), 25, [0, 1, 2, 2, *range(3, 24)]),  # autumn: 02:00 twice
        (date(2024, 6, 12), 24, list(range(24))),
    ],
)
def test_daylight_saving_days_have_23_or_25_hourly_intervals(
    day: date, hours: int, wall_hours: list[int]
) -> None:
    now = datetime.combine(day + timedelta(days=1), datetime.min.time(), ROME) + timedelta(hours=9)
    consumption = payloads.consumption("1234567890", DEFAULT_PROFILE, Period.YESTERDAY, now, TZ)
    intervals = consumption["intervals"]
    assert len(intervals) == hours
    assert [_parse(i["start"]).hour for i in intervals] == wall_hours
    offsets = {_parse(i["start"]).utcoffset() for i in intervals}
    assert len(offsets) == (1 if hours == 24 else 2)
    habits = payloads.habits("1234567890", DEFAULT_PROFILE, Period.YESTERDAY, now, TZ)
    assert len(habits["cells"]) == len(set(wall_hours))


@given(day=days)
@settings(max_examples=60, deadline=None)
def test_every_day_has_as_many_hours_as_its_clock(day: date) -> None:
    usage = day_usage(account_seed("1234567890"), DEFAULT_PROFILE, day, TZ)
    assert len(usage.hours) == len(usage.hour_totals) == _hours_in(day)
    assert usage.total == sum(usage.hour_totals) == sum(usage.appliance_totals)
    assert usage.total == sum(usage.band_totals)


# --- period windows ---------------------------------------------------------------------------------


def test_this_week_on_monday_just_after_midnight_is_empty_and_compares_with_nothing() -> None:
    now = datetime(2024, 5, 13, 0, 20, tzinfo=ROME)  # a Monday
    totals = payloads.totals("1234567890", DEFAULT_PROFILE, Period.THIS_WEEK, now, TZ)
    assert totals["total_wh"] == totals["previous_total_wh"] == 0
    assert totals["change_pct"] is None
    assert (
        payloads.consumption("1234567890", DEFAULT_PROFILE, Period.THIS_WEEK, now, TZ)["intervals"]
        == []
    )


def test_this_month_compares_with_the_same_stretch_of_last_month() -> None:
    now = datetime(2024, 3, 10, 14, 45, tzinfo=ROME)
    totals = payloads.totals("1234567890", DEFAULT_PROFILE, Period.THIS_MONTH, now, TZ)
    assert totals["start"] == "2024-03-01T00:00:00+01:00"
    assert totals["end"] == "2024-03-10T14:00:00+01:00"  # the last complete hour
    assert totals["previous_start"] == "2024-02-01T00:00:00+01:00"
    assert totals["previous_end"] == "2024-02-10T14:00:00+01:00"
    # On the 31st, last month (30 days) is compared whole.
    late = payloads.totals(
        "1234567890", DEFAULT_PROFILE, Period.THIS_MONTH, datetime(2024, 5, 31, 9, tzinfo=ROME), TZ
    )
    assert late["previous_end"] == "2024-05-01T00:00:00+02:00"


def test_last_seven_days_are_the_complete_days_before_today() -> None:
    now = datetime(2024, 4, 3, 8, 0, tzinfo=ROME)
    totals = payloads.totals("1234567890", DEFAULT_PROFILE, Period.LAST_SEVEN_DAYS, now, TZ)
    assert totals["start"] == "2024-03-27T00:00:00+01:00"
    assert totals["end"] == "2024-04-03T00:00:00+02:00"
    assert totals["previous_start"] == "2024-03-20T00:00:00+01:00"


# --- the profile shapes the figures -----------------------------------------------------------------

no_solar = profiles.filter(lambda p: p.quantity(A.SOLAR_PANEL) == 0)


@FAST
@given(
    account=accounts,
    profile=no_solar,
    day=days,
    who=st.sampled_from(["adults", "children", "elderlies"]),
)
def test_more_residents_never_use_less(account: str, profile: Profile, day: date, who: str) -> None:
    bigger = dataclasses.replace(profile, **{who: getattr(profile, who) + 1})
    seed = account_seed(account)
    assert day_usage(seed, bigger, day, TZ).total >= day_usage(seed, profile, day, TZ).total


def _year(account: str, profile: Profile, year: int = 2024) -> list[int]:
    seed = account_seed(account)
    first = date(year, 1, 1)
    return [day_usage(seed, profile, first + timedelta(days=i), TZ).total for i in range(366)]


@settings(max_examples=8, deadline=None)
@given(k=st.integers(0, 99_999), year=st.integers(2019, 2034))
def test_a_family_of_three_uses_what_an_italian_family_does(k: int, year: int) -> None:
    account = family_account(k).account_number
    seed = account_seed(account)
    first, last = date(year, 1, 1), date(year + 1, 1, 1)
    totals = [
        day_usage(seed, DEFAULT_PROFILE, first + timedelta(days=i), TZ).total
        for i in range((last - first).days)
    ]
    assert 2_000_000 <= sum(totals) <= 4_500_000  # Wh in a year
    assert 5_500 <= sum(totals) / len(totals) <= 12_000  # Wh a day, on average


def test_an_electric_heater_adds_in_winter_only() -> None:
    base = Profile(province="MI")
    heated = Profile(province="MI", appliances=(*base.appliances, (A.ELECTRIC_HEATER, 1)))
    plain, warm = _year("2000000007", base), _year("2000000007", heated)
    january = slice(0, 31)
    july = slice(182, 213)
    assert sum(warm[january]) > sum(plain[january]) + 31 * 2_000
    assert sum(warm[july]) == sum(plain[july])


def test_the_fridge_runs_every_hour_of_every_day() -> None:
    seed = account_seed("2000000011")
    for n in range(0, 366, 7):
        usage = day_usage(seed, DEFAULT_PROFILE, date(2024, 1, 1) + timedelta(days=n), TZ)
        fridge = usage.wh[usage.appliances.index(A.FRIDGE)]
        assert all(value > 0 for value in fridge)


@pytest.mark.parametrize("car", [A.ELECTRIC_VEHICLE, A.CHARGING_STATION])
def test_the_car_charges_at_night(car: Appliance) -> None:
    profile = Profile(appliances=(*DEFAULT_PROFILE.appliances, (car, 1)))
    seed = account_seed("2000000012")
    charged = 0
    for n in range(60):
        usage = day_usage(seed, profile, date(2024, 2, 1) + timedelta(days=n), TZ)
        row = usage.wh[usage.appliances.index(car)]
        for hour, value in zip(usage.hours, row, strict=True):
            if value:
                assert hour.wall_hour < 7, hour
                charged += value
    assert charged > 60 * 2_000  # a few charges a week of several kWh


def test_with_both_car_and_station_the_charge_is_counted_once_as_the_car() -> None:
    both = Profile(
        appliances=(*DEFAULT_PROFILE.appliances, (A.ELECTRIC_VEHICLE, 1), (A.CHARGING_STATION, 1))
    )
    only_car = Profile(appliances=(*DEFAULT_PROFILE.appliances, (A.ELECTRIC_VEHICLE, 1)))
    day = date(2024, 2, 6)
    seed = account_seed("2000000012")
    with_both, with_car = day_usage(seed, both, day, TZ), day_usage(seed, only_car, day, TZ)
    station = with_both.appliance_totals[with_both.appliances.index(A.CHARGING_STATION)]
    assert station <= 2 * len(with_both.hours)  # its standby only
    assert with_both.total - station == with_car.total


def test_air_conditioning_is_a_summer_thing_and_heat_pumps_work_all_year() -> None:
    profile = Profile(
        province="PA", appliances=(*DEFAULT_PROFILE.appliances, (A.AIR_CONDITIONER, 1))
    )
    year = 2024
    seed = account_seed("2000000013")
    ac = {}
    for month in (1, 4, 7, 10):
        usage = [day_usage(seed, profile, date(year, month, d), TZ) for d in range(1, 29)]
        ac[month] = sum(u.appliance_totals[u.appliances.index(A.AIR_CONDITIONER)] for u in usage)
    assert ac[1] == 0
    assert ac[7] > 28 * 1_500
    assert ac[7] > 10 * ac[4]
    assert ac[7] > 2 * ac[10]
    pump = Profile(province="TO", appliances=(*DEFAULT_PROFILE.appliances, (A.HEAT_PUMP, 1)))
    monthly = {}
    for month in (1, 5, 7):
        usage = [day_usage(seed, pump, date(year, month, d), TZ) for d in range(1, 29)]
        monthly[month] = sum(u.appliance_totals[u.appliances.index(A.HEAT_PUMP)] for u in usage)
    assert monthly[1] > monthly[7] > monthly[5]  # heating > cooling > neither


def test_solar_panels_cut_what_is_drawn_at_midday() -> None:
    solar = Profile(appliances=(*DEFAULT_PROFILE.appliances, (A.SOLAR_PANEL, 1)))
    seed = account_seed("2000000014")
    plain_noon = sunny_noon = 0
    for n in range(30):
        day = date(2024, 6, 1) + timedelta(days=n)
        plain, sunny = day_usage(seed, DEFAULT_PROFILE, day, TZ), day_usage(seed, solar, day, TZ)
        noon = [i for i, h in enumerate(plain.hours) if 11 <= h.wall_hour < 15]
        plain_noon += sum(plain.hour_totals[i] for i in noon)
        sunny_noon += sum(sunny.hour_totals[i] for i in noon)
    assert sunny_noon < 0.5 * plain_noon


def test_a_second_home_is_quiet_on_weekdays_except_in_august() -> None:
    second = Profile(house_type="second")
    seed = account_seed("2000000015")
    tuesday, august_tuesday = date(2024, 3, 12), date(2024, 8, 13)
    quiet = day_usage(seed, second, tuesday, TZ)
    assert quiet.total < day_usage(seed, DEFAULT_PROFILE, tuesday, TZ).total
    assert quiet.total < 2_500  # fridge and standby
    busy = [day_usage(seed, second, august_tuesday + timedelta(days=i), TZ).total for i in range(7)]
    assert sum(busy) / 7 > 4_000
