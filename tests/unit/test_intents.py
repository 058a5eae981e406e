"""Plain questions: what people type in Italian or English reaches the answer they meant."""

from __future__ import annotations

import dataclasses
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.digiwatt.models import Appliance as A
from bot.digiwatt.models import Period as P
from bot.intents import (
    DEFAULT_PERIOD,
    MAX_INPUT_CHARS,
    PERIOD_KINDS,
    Intent,
    IntentKind,
    match,
)

K = IntentKind

# (question, kind, period, appliance, language)
ITALIAN = [
    ("quanto ho consumato ieri?", K.CONSUMPTION, P.YESTERDAY, None, "it"),
    ("QUANTO HO CONSUMATO IERI???", K.CONSUMPTION, P.YESTERDAY, None, "it"),
    ("qaunto ho consumto ieri", K.CONSUMPTION, P.YESTERDAY, None, "it"),
    ("consumi della settimana scorsa", K.CONSUMPTION, P.LAST_WEEK, None, "it"),
    ("quanta energia ho usato questa settimana?", K.CONSUMPTION, P.THIS_WEEK, None, "it"),
    ("consumo degli ultimi 7 giorni", K.CONSUMPTION, P.LAST_SEVEN_DAYS, None, "it"),
    (
        "quanto ho consumato negli ultimi sette giorni?",
        K.CONSUMPTION,
        P.LAST_SEVEN_DAYS,
        None,
        "it",
    ),
    ("nell'ultima settimana quanto ho speso?", K.CONSUMPTION, P.LAST_SEVEN_DAYS, None, "it"),
    ("consumi di questo mese", K.CONSUMPTION, P.THIS_MONTH, None, "it"),
    ("il mese scorso quanto ho consumato?", K.CONSUMPTION, P.LAST_MONTH, None, "it"),
    ("quanto ho consumato oggi?", K.CONSUMPTION, P.THIS_WEEK, None, "it"),
    ("settimana scorsa", K.CONSUMPTION, P.LAST_WEEK, None, "it"),
    ("ieri?", K.CONSUMPTION, P.YESTERDAY, None, "it"),
    (
        "quanto ha consumato la lavastoviglie il mese scorso?",
        K.CONSUMPTION,
        P.LAST_MONTH,
        A.DISHWASHER,
        "it",
    ),
    ("Lavastoviglie", K.CONSUMPTION, P.YESTERDAY, A.DISHWASHER, "it"),
    ("LAVASTOVILIE IERI!!!", K.CONSUMPTION, P.YESTERDAY, A.DISHWASHER, "it"),
    ("quanto consuma il frigo?", K.CONSUMPTION, P.YESTERDAY, A.FRIDGE, "it"),
    ("frigorifro consumi ieri", K.CONSUMPTION, P.YESTERDAY, A.FRIDGE, "it"),
    ("consumo lavatrice ieri", K.CONSUMPTION, P.YESTERDAY, A.WASHING_MACHINE, "it"),
    (
        "Consumi della LAVATRICE, mese scorso!!!",
        K.CONSUMPTION,
        P.LAST_MONTH,
        A.WASHING_MACHINE,
        "it",
    ),
    (
        "quanto consuma la pompa di calore questa settimana",
        K.CONSUMPTION,
        P.THIS_WEEK,
        A.HEAT_PUMP,
        "it",
    ),
    ("il condizionatore consuma tanto?", K.CONSUMPTION, P.YESTERDAY, A.AIR_CONDITIONER, "it"),
    ("quanto consuma il condizionatre", K.CONSUMPTION, P.YESTERDAY, A.AIR_CONDITIONER, "it"),
    ("quanto mi costa l'aria condizionata?", K.CONSUMPTION, P.YESTERDAY, A.AIR_CONDITIONER, "it"),
    ("consumi dello scaldabagno il mese scorso", K.CONSUMPTION, P.LAST_MONTH, A.BOILER, "it"),
    (
        "quanto ha consumato l'auto elettrica ieri?",
        K.CONSUMPTION,
        P.YESTERDAY,
        A.ELECTRIC_VEHICLE,
        "it",
    ),
    (
        "ricarica della wallbox questa settimana",
        K.CONSUMPTION,
        P.THIS_WEEK,
        A.CHARGING_STATION,
        "it",
    ),
    (
        "quanto consuma la colonnina di ricarica questo mese",
        K.CONSUMPTION,
        P.THIS_MONTH,
        A.CHARGING_STATION,
        "it",
    ),
    ("consumo del piano a induzione", K.CONSUMPTION, P.YESTERDAY, A.INDUCTION_COOKTOP, "it"),
    ("quanto consuma la tv?", K.CONSUMPTION, P.YESTERDAY, A.TELEVISION, "it"),
    ("quanto consuma il forno a microonde?", K.CONSUMPTION, P.YESTERDAY, A.MICROWAVE, "it"),
    ("e il forno?", K.CONSUMPTION, P.YESTERDAY, A.OVEN, "it"),
    (
        "la stufetta elettrica quanto consuma questo mese",
        K.CONSUMPTION,
        P.THIS_MONTH,
        A.ELECTRIC_HEATER,
        "it",
    ),
    ("il mio fotovoltaico quanto ha prodotto?", K.CONSUMPTION, P.YESTERDAY, A.SOLAR_PANEL, "it"),
    ("batteria di accumulo ieri", K.CONSUMPTION, P.YESTERDAY, A.SOLAR_BATTERY, "it"),
    ("quanto sto consumando adesso?", K.NOW, None, None, "it"),
    ("⚡ quanto sto consumando? ⚡", K.NOW, None, None, "it"),
    ("potenza in questo momento", K.NOW, None, None, "it"),
    ("che potenza sto usando ora?", K.NOW, None, None, "it"),
    ("consumi in tempo reale", K.NOW, None, None, "it"),
    ("ultime 6 ore", K.LAST6H, None, None, "it"),
    ("come sono andate le ultime sei ore?", K.LAST6H, None, None, "it"),
    ("sto consumando più dei miei vicini questa settimana?", K.COMPARE, P.THIS_WEEK, None, "it"),
    ("sto consumando piu dei miei vicini questa settimana", K.COMPARE, P.THIS_WEEK, None, "it"),
    ("consumo più delle case simili?", K.COMPARE, P.LAST_MONTH, None, "it"),
    ("sono nella media rispetto agli altri?", K.COMPARE, P.LAST_MONTH, None, "it"),
    ("confronto con i vicini il mese scorso", K.COMPARE, P.LAST_MONTH, None, "it"),
    ("perché consumo più della media?", K.COMPARE, P.LAST_MONTH, None, "it"),
    ("quali sono le mie abitudini di consumo?", K.HABITS, P.LAST_MONTH, None, "it"),
    ("a che ora consumo di più?", K.HABITS, P.LAST_MONTH, None, "it"),
    ("in quale giorno della settimana consumo di più?", K.HABITS, P.LAST_MONTH, None, "it"),
    ("andamento degli ultimi 12 mesi", K.TREND, None, None, "it"),
    ("consumi per fascia F1 F2 F3", K.TREND, None, None, "it"),
    ("come vanno i consumi nell'ultimo anno?", K.TREND, None, None, "it"),
    ("quale elettrodomestico consuma di più?", K.APPLIANCES, None, None, "it"),
    ("ripartizione dei consumi per elettrodomestico", K.APPLIANCES, None, None, "it"),
    ("cosa consuma di più in casa?", K.APPLIANCES, None, None, "it"),
    (
        "quale elettrodomestico ha consumato di più la settimana scorsa?",
        K.CONSUMPTION,
        P.LAST_WEEK,
        None,
        "it",
    ),
    ("come posso risparmiare?", K.SAVINGS, None, None, "it"),
    ("consigli per risparmiare sulla bolletta", K.SAVINGS, None, None, "it"),
    (
        "quanto risparmierei spostando la lavastoviglie di notte?",
        K.SAVINGS,
        None,
        A.DISHWASHER,
        "it",
    ),
    ("quando è verde oggi?", K.GREEN, None, None, "it"),
    ("quando e verde oggi", K.GREEN, None, None, "it"),
    ("quando conviene accendere la lavatrice?", K.GREEN, None, A.WASHING_MACHINE, "it"),
    (
        "qual è il momento migliore per usare la lavastoviglie?",
        K.GREEN,
        None,
        A.DISHWASHER,
        "it",
    ),
    ("energia rinnovabile oggi 🌱", K.GREEN, None, None, "it"),
    ("quando caricare l'auto elettrica?", K.GREEN, None, A.ELECTRIC_VEHICLE, "it"),
    ("c'è energia verde adesso?", K.GREEN, None, None, "it"),
    ("consumo attuale", K.NOW, None, None, "it"),
    ("settimanaaa scorsa", K.CONSUMPTION, P.LAST_WEEK, None, "it"),
    ("aiuto", K.HELP, None, None, "it"),
    ("cosa sai fare?", K.HELP, None, None, "it"),
]

ENGLISH = [
    ("how much did I use yesterday?", K.CONSUMPTION, P.YESTERDAY, None, "en"),
    ("🔌 how much did I use yesterday?? 🔌", K.CONSUMPTION, P.YESTERDAY, None, "en"),
    ("yesterdy's consumption", K.CONSUMPTION, P.YESTERDAY, None, "en"),
    ("How much energy did I consume last week?", K.CONSUMPTION, P.LAST_WEEK, None, "en"),
    ("usage for the past week", K.CONSUMPTION, P.LAST_SEVEN_DAYS, None, "en"),
    ("consumption over the last 7 days", K.CONSUMPTION, P.LAST_SEVEN_DAYS, None, "en"),
    ("how much did I use in the last seven days", K.CONSUMPTION, P.LAST_SEVEN_DAYS, None, "en"),
    ("how much electricity this month?", K.CONSUMPTION, P.THIS_MONTH, None, "en"),
    ("what did I spend last month", K.CONSUMPTION, P.LAST_MONTH, None, "en"),
    ("consumtion last month", K.CONSUMPTION, P.LAST_MONTH, None, "en"),
    ("how much did I use today", K.CONSUMPTION, P.THIS_WEEK, None, "en"),
    ("yesterday", K.CONSUMPTION, P.YESTERDAY, None, "en"),
    (
        "how much did the dishwasher use last month?",
        K.CONSUMPTION,
        P.LAST_MONTH,
        A.DISHWASHER,
        "en",
    ),
    ("how much did the dishwaser use yesterday", K.CONSUMPTION, P.YESTERDAY, A.DISHWASHER, "en"),
    ("DISHWASHER", K.CONSUMPTION, P.YESTERDAY, A.DISHWASHER, "en"),
    ("how much does the fridge use?", K.CONSUMPTION, P.YESTERDAY, A.FRIDGE, "en"),
    ("HOW MUCH DID THE FRIDGE USE LAST WEEK", K.CONSUMPTION, P.LAST_WEEK, A.FRIDGE, "en"),
    ("washing machine consumption yesterday", K.CONSUMPTION, P.YESTERDAY, A.WASHING_MACHINE, "en"),
    (
        "how much power did the heat pump use this week",
        K.CONSUMPTION,
        P.THIS_WEEK,
        A.HEAT_PUMP,
        "en",
    ),
    ("AC usage last week", K.CONSUMPTION, P.LAST_WEEK, A.AIR_CONDITIONER, "en"),
    (
        "how much did my electric car use last month?",
        K.CONSUMPTION,
        P.LAST_MONTH,
        A.ELECTRIC_VEHICLE,
        "en",
    ),
    ("ev charger consumption this week", K.CONSUMPTION, P.THIS_WEEK, A.CHARGING_STATION, "en"),
    ("charging station this month", K.CONSUMPTION, P.THIS_MONTH, A.CHARGING_STATION, "en"),
    ("how much does the water heater use?", K.CONSUMPTION, P.YESTERDAY, A.BOILER, "en"),
    ("induction hob usage yesterday", K.CONSUMPTION, P.YESTERDAY, A.INDUCTION_COOKTOP, "en"),
    ("how much does my tv use?", K.CONSUMPTION, P.YESTERDAY, A.TELEVISION, "en"),
    ("microwave oven consumption", K.CONSUMPTION, P.YESTERDAY, A.MICROWAVE, "en"),
    ("electric heater this month", K.CONSUMPTION, P.THIS_MONTH, A.ELECTRIC_HEATER, "en"),
    ("solar panels yesterday", K.CONSUMPTION, P.YESTERDAY, A.SOLAR_PANEL, "en"),
    ("home battery this week", K.CONSUMPTION, P.THIS_WEEK, A.SOLAR_BATTERY, "en"),
    ("what am I using right now?", K.NOW, None, None, "en"),
    ("current power", K.NOW, None, None, "en"),
    ("how many watts am I drawing?", K.NOW, None, None, "en"),
    ("live consumption", K.NOW, None, None, "en"),
    ("last 6 hours", K.LAST6H, None, None, "en"),
    ("show me the past six hours", K.LAST6H, None, None, "en"),
    ("am I using more than my neighbours this week?", K.COMPARE, P.THIS_WEEK, None, "en"),
    ("how do I compare to similar homes?", K.COMPARE, P.LAST_MONTH, None, "en"),
    ("is my consumption normal?", K.COMPARE, P.LAST_MONTH, None, "en"),
    ("am I above average last month", K.COMPARE, P.LAST_MONTH, None, "en"),
    ("neighbors!!", K.COMPARE, P.LAST_MONTH, None, "en"),
    ("what are my habits?", K.HABITS, P.LAST_MONTH, None, "en"),
    ("at what time do I use the most electricity?", K.HABITS, P.LAST_MONTH, None, "en"),
    ("which day of the week do I consume most?", K.HABITS, P.LAST_MONTH, None, "en"),
    ("12 month trend", K.TREND, None, None, "en"),
    ("show my F1 F2 F3 tariff bands", K.TREND, None, None, "en"),
    ("consumption over the last twelve months", K.TREND, None, None, "en"),
    ("which appliance uses the most?", K.APPLIANCES, None, None, "en"),
    ("appliance breakdown", K.APPLIANCES, None, None, "en"),
    ("what uses the most energy in my house?", K.APPLIANCES, None, None, "en"),
    ("which appliance used the most last week?", K.CONSUMPTION, P.LAST_WEEK, None, "en"),
    ("how can I save money?", K.SAVINGS, None, None, "en"),
    ("tips to lower my bill", K.SAVINGS, None, None, "en"),
    (
        "how much could I save with the dishwasher at night?",
        K.SAVINGS,
        None,
        A.DISHWASHER,
        "en",
    ),
    ("standby consumption", K.SAVINGS, None, None, "en"),
    ("when is it green today?", K.GREEN, None, None, "en"),
    ("When is it GREEN today??? 🌞", K.GREEN, None, None, "en"),
    ("when should I run the washing machine?", K.GREEN, None, A.WASHING_MACHINE, "en"),
    ("best time to charge the electric car", K.GREEN, None, A.ELECTRIC_VEHICLE, "en"),
    ("how renewable is the grid today", K.GREEN, None, None, "en"),
    ("is now a good time to start the laundry?", K.GREEN, None, A.WASHING_MACHINE, "en"),
    ("should I run the dishwasher now?", K.GREEN, None, A.DISHWASHER, "en"),
    ("greeeen?", K.GREEN, None, None, "en"),
    ("consumption last weeek", K.CONSUMPTION, P.LAST_WEEK, None, "en"),
    ("help", K.HELP, None, None, "en"),
    ("what can you do?", K.HELP, None, None, "en"),
]

# Words the matcher must not mistake for a question it can answer.
NOT_UNDERSTOOD = [
    ("ciao", "it"),
    ("ciao!! 👋", "it"),
    ("che tempo fa domani?", "it"),
    ("grazie", "it"),
    ("what's the weather", "en"),
    ("hello there", "en"),
    ("what stuff is that", "en"),
    ("tell me a joke", "en"),
    ("did my letter change?", "en"),
    ("raccontami una barzelletta", "it"),
    ("asdfgh", None),
    ("🙂", None),
    ("👍👍👍", None),
    ("", None),
    ("   ", None),
    ("?!...", None),
    ("lorem ipsum dolor sit amet", None),
    ("zxcvbnm " * 625, None),  # 5,000 characters
    ((string.printable + "àèìòù€😀") * 50, None),  # 5,000+ characters of everything
]


def test_the_table_is_large_and_balanced() -> None:
    assert len(ITALIAN) >= 40
    assert len(ENGLISH) >= 40
    assert len(ITALIAN) + len(ENGLISH) >= 80


@pytest.mark.parametrize(
    ("text", "kind", "period", "appliance", "language"), ITALIAN + ENGLISH, ids=repr
)
def test_question_maps_to_intent(
    text: str, kind: IntentKind, period: P | None, appliance: A | None, language: str
) -> None:
    assert match(text) == Intent(kind, period, appliance, language)


@pytest.mark.parametrize(("text", "language"), NOT_UNDERSTOOD, ids=lambda v: repr(v)[:40])
def test_text_that_is_not_a_question_is_unknown(text: str, language: str | None) -> None:
    assert match(text) == Intent(IntentKind.UNKNOWN, None, None, language)


def test_only_the_start_of_a_long_message_is_read() -> None:
    question = "how much did the dishwasher use last month?"
    padding = "blah " * 1000
    assert match(question + " " + padding).kind is IntentKind.CONSUMPTION
    assert match(padding + question).kind is IntentKind.UNKNOWN
    assert len(padding) > MAX_INPUT_CHARS


def test_each_kind_that_takes_a_period_has_a_default() -> None:
    assert set(DEFAULT_PERIOD) == PERIOD_KINDS
    assert match("quanto ho consumato?").period is DEFAULT_PERIOD[IntentKind.CONSUMPTION]
    assert match("are my neighbours using more?").period is DEFAULT_PERIOD[IntentKind.COMPARE]


def test_periods_are_dropped_where_the_answer_has_none() -> None:
    # The trend is always 12 months and realtime is now: a period in the question changes nothing.
    assert match("trend F1 last week") == Intent(IntentKind.TREND, None, None, "en")
    assert match("greenness yesterday").period is None


def test_intent_is_immutable() -> None:
    intent = match("quanto ho consumato ieri?")
    with pytest.raises(dataclasses.FrozenInstanceError):
        intent.kind = IntentKind.HELP  # type: ignore[misc]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_a_consistent_intent(text: str) -> None:
    intent = match(text)
    assert intent.language in (None, "it", "en")
    if intent.kind is IntentKind.UNKNOWN:
        assert (intent.period, intent.appliance) == (None, None)
    assert (intent.period is not None) == (intent.kind in PERIOD_KINDS)
