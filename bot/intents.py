"""Plain questions in Italian or English -> which answer the user wants, without a network model.

The text is normalised (accents, case, punctuation and emoji removed), each word is mapped to a
known word, forgiving one typo in words of six letters or more, and the longest known phrases
are looked up. Phrases are cues for a kind of answer (weighted), a period, an appliance or the
language; a few rules settle combinations ("when" + "green" is about green windows, "when" +
"consume" about habits).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from enum import StrEnum
from functools import lru_cache

from bot.digiwatt.models import Appliance, Period

MAX_INPUT_CHARS = 300  # a question is short; a pasted essay is cut, never scanned whole
MAX_WORDS = 40
_MIN_FUZZY_LENGTH = 6  # shorter words are one letter from too many others (oggi/ogni, stufa/stuff)
_MAX_PHRASE_WORDS = 4


class IntentKind(StrEnum):
    """Which answer a question asks for; values are short enough for callback data."""

    CONSUMPTION = "consumption"
    NOW = "now"
    LAST6H = "last6h"
    COMPARE = "compare"
    HABITS = "habits"
    TREND = "trend"
    APPLIANCES = "appliances"
    SAVINGS = "savings"
    GREEN = "green"
    HELP = "help"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Intent:
    """What a question asks for; `period` is set only for kinds whose endpoint takes one."""

    kind: IntentKind
    period: Period | None = None
    appliance: Appliance | None = None
    language: str | None = None  # "it", "en", or None when the words do not tell


# Kinds answered from an endpoint with a {period}; the others ignore any period.
PERIOD_KINDS = frozenset({IntentKind.CONSUMPTION, IntentKind.COMPARE, IntentKind.HABITS})
# A habits heatmap or a comparison needs more than one day to mean something.
DEFAULT_PERIOD: Mapping[IntentKind, Period] = {
    IntentKind.CONSUMPTION: Period.YESTERDAY,
    IntentKind.COMPARE: Period.LAST_MONTH,
    IntentKind.HABITS: Period.LAST_MONTH,
}
# The API has no "today": this week is the shortest period that contains it.
_TODAY_PERIOD = Period.THIS_WEEK
# Equal scores go to the more specific answer; "is it green now?" is about greenness, not power.
_PRIORITY = (
    IntentKind.GREEN,
    IntentKind.LAST6H,
    IntentKind.NOW,
    IntentKind.COMPARE,
    IntentKind.SAVINGS,
    IntentKind.HABITS,
    IntentKind.TREND,
    IntentKind.APPLIANCES,
    IntentKind.CONSUMPTION,
    IntentKind.HELP,
)


def _phrases(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


# (kind, weight, Italian phrases, English phrases). Phrases are written already normalised.
# Weight 1: words that go with many questions; 2: a clear hint; 3: names the answer outright.
_KIND_CUES: tuple[tuple[IntentKind, int, str, str], ...] = (
    (
        IntentKind.CONSUMPTION,
        1,
        "consumo, consumi, consumato, consumata, consumati, consumare, consuma, consumano, "
        "consumando, quanto, quanta, quanti, speso, spesa, energia, elettricita, corrente, usato, "
        "utilizzato, kwh, bolletta, luce",
        "consumption, consumed, consume, consumes, consuming, use, used, uses, using, usage, "
        "spent, spend, energy, electricity, how much, kwh, bill, power bill",
    ),
    (
        IntentKind.NOW,
        3,
        "adesso, ora, in questo momento, al momento, ora come ora, tempo reale, istantanea, "
        "istantaneo, in diretta, attuale, attualmente",
        "now, right now, at the moment, currently, current power, real time, realtime, live, "
        "this moment, instant",
    ),
    (
        IntentKind.NOW,
        2,
        "potenza, watt, kw, sto consumando, sto usando, sto assorbendo, assorbo",
        "power, watt, watts, kw, am i using, am i consuming, i m using, drawing, power draw",
    ),
    (
        IntentKind.LAST6H,
        3,
        "ultime 6 ore, ultime sei ore, 6 ore, sei ore, ultime ore, ultima ora, ultime 6h, 6h, "
        "poche ore",
        "last 6 hours, last six hours, past 6 hours, past six hours, 6 hours, six hours, "
        "last few hours, past few hours, last hours, last hour, past hour, 6h, last 6h",
    ),
    (
        IntentKind.COMPARE,
        3,
        "vicini, vicini di casa, case simili, casa simile, abitazioni simili, famiglie simili, "
        "altre case, altre famiglie, gli altri, media, nella media, sopra la media, normale",
        "neighbours, neighbors, neighbour, neighbor, similar homes, similar houses, similar home, "
        "similar households, other homes, other houses, other households, others, average, "
        "normal, benchmark",
    ),
    (
        IntentKind.COMPARE,
        1,
        "confronto, confronta, confrontare, paragone, paragonare, rispetto",
        "compare, comparison, compared, versus, vs",
    ),
    (
        IntentKind.HABITS,
        3,
        "abitudini, abitudine, routine, giorno della settimana, quale giorno, che giorno, "
        "orari di consumo, profilo di consumo, fasce di consumo",
        "habits, habit, routine, pattern, patterns, which day, what day, day of the week, "
        "usage pattern, daily pattern",
    ),
    (
        IntentKind.TREND,
        3,
        "andamento, trend, 12 mesi, ultimi 12 mesi, ultimo anno, anno, annuale, annuo, storico, "
        "fascia, fasce, fasce orarie, fascia oraria, f1, f2, f3, tariffa, tariffe, tariffaria",
        "trend, trends, 12 months, last 12 months, past 12 months, past year, last year, year, "
        "yearly, annual, history, historical, tariff, tariffs, band, bands, tariff bands, f1, "
        "f2, f3, time of use, peak, off peak",
    ),
    (
        IntentKind.TREND,
        2,
        "mese per mese, mensile, mensili, evoluzione, nel tempo",
        "month by month, monthly, over time, evolution",
    ),
    (
        IntentKind.APPLIANCES,
        3,
        "elettrodomestici, elettrodomestico, apparecchi, apparecchio, dispositivi, dispositivo, "
        "ripartizione, distribuzione, suddivisione, per elettrodomestico",
        "appliances, appliance, devices, device, breakdown, distribution, split, by appliance, "
        "per appliance",
    ),
    (
        IntentKind.SAVINGS,
        3,
        "risparmio, risparmi, risparmiare, risparmiato, risparmierei, spendere meno, "
        "pagare meno, ridurre, consigli, consiglio, suggerimenti, efficienza, stand by, standby, "
        "sempre accesi, carico di base, consumo di base",
        "save, saving, savings, spend less, pay less, cheaper, reduce, lower my bill, tips, tip, "
        "advice, efficiency, efficient, standby, stand by, always on, baseload, base load",
    ),
    (
        IntentKind.GREEN,
        3,
        "verde, verdi, rinnovabile, rinnovabili, energia pulita, pulita, momento migliore, "
        "ora migliore, orario migliore, orari migliori, quando conviene, finestre verdi, "
        "buon momento, momento giusto, momento buono, "
        "emissioni, co2, ecologico, sostenibile",
        "green, greenness, renewable, renewables, clean energy, clean, best time, best moment, "
        "best hours, good time, right time, greenest, green windows, emissions, carbon, co2, "
        "eco, sustainable",
    ),
    (
        IntentKind.HELP,
        3,
        "aiuto, aiutami, comandi, menu, cosa sai fare, cosa puoi fare, come funziona, "
        "istruzioni, guida",
        "help, commands, menu, what can you do, how does this work, how does it work, "
        "instructions, guide",
    ),
)

# Markers combine with other cues in `_decide` instead of scoring on their own.
_WHEN, _ADVICE, _MOST, _WHICH = "when", "advice", "most", "which"
_MARKERS: tuple[tuple[str, str, str], ...] = (
    (
        _WHEN,
        "quando, a che ora, che ora, in che orario, che orari",
        "when, what time, at what time",
    ),
    (
        _ADVICE,
        "conviene, meglio, dovrei, accendere, accendo, avviare, avvio, far partire, "
        "mettere, usare, caricare, ricaricare",
        "should, best, better, run, start, turn on, switch on, charge",
    ),
    (_MOST, "di piu, il piu, maggiormente, piu di tutti", "most, the most, more than anything"),
    (_WHICH, "quale, quali, cosa, che cosa, chi", "which, what"),
)

_PERIODS: tuple[tuple[Period | None, str, str], ...] = (
    (Period.YESTERDAY, "ieri, ieri sera, ieri notte", "yesterday, last night"),
    (
        Period.THIS_WEEK,
        "questa settimana, settimana corrente, in settimana, settimana in corso",
        "this week, current week",
    ),
    # "La settimana scorsa" is the calendar week before; "l'ultima settimana" the last 7 days.
    (
        Period.LAST_WEEK,
        "settimana scorsa, scorsa settimana, settimana passata, settimana precedente",
        "last week, previous week, week before",
    ),
    (
        Period.LAST_SEVEN_DAYS,
        "ultimi 7 giorni, ultimi giorni, 7 giorni, ultima settimana, ultimi 7gg, 7gg, "
        "negli ultimi giorni",
        "last 7 days, past 7 days, 7 days, past week, last few days, past few days, "
        "recent days, 7d",
    ),
    (
        Period.THIS_MONTH,
        "questo mese, mese corrente, mese in corso, da inizio mese",
        "this month, current month, month to date",
    ),
    # The API has no rolling 30 days, so "the past month" means the last calendar month.
    (
        Period.LAST_MONTH,
        "mese scorso, scorso mese, mese passato, ultimo mese, mese precedente",
        "last month, previous month, past month",
    ),
    (None, "oggi, stamattina, stasera, oggi pomeriggio", "today, this morning, tonight"),
)

_APPLIANCES: tuple[tuple[Appliance, str, str], ...] = (
    (
        Appliance.DISHWASHER,
        "lavastoviglie, lava stoviglie, lavapiatti",
        "dishwasher, dishwashers, dish washer",
    ),
    (
        Appliance.WASHING_MACHINE,
        "lavatrice, lavatrici, lava biancheria, bucato",
        "washing machine, washer, washing, laundry",
    ),
    (
        Appliance.FRIDGE,
        "frigo, frigorifero, frigoriferi, congelatore, freezer",
        "fridge, refrigerator, freezer",
    ),
    (Appliance.OVEN, "forno, forno elettrico", "oven, electric oven"),
    (
        Appliance.MICROWAVE,
        "microonde, forno a microonde, forno microonde",
        "microwave, microwaves, microwave oven",
    ),
    (
        Appliance.HEAT_PUMP,
        "pompa di calore, pompe di calore, pompa calore",
        "heat pump, heat pumps, heatpump",
    ),
    (
        Appliance.AIR_CONDITIONER,
        "condizionatore, condizionatori, climatizzatore, climatizzatori, aria condizionata, "
        "condizionatore d aria, clima, climatizzazione",
        "air conditioner, air conditioning, air conditioners, aircon, ac, a c",
    ),
    (
        Appliance.ELECTRIC_HEATER,
        "stufetta, stufette, stufetta elettrica, stufa elettrica, stufa, termoventilatore, "
        "radiatore elettrico",
        "electric heater, space heater, heater, fan heater, electric radiator",
    ),
    (
        Appliance.BOILER,
        "scaldabagno, scaldacqua, boiler, acqua calda",
        "boiler, water heater, hot water",
    ),
    (
        Appliance.ELECTRIC_VEHICLE,
        "auto elettrica, auto, macchina elettrica, veicolo elettrico, automobile",
        "electric car, electric vehicle, ev, car, electric cars",
    ),
    (
        Appliance.CHARGING_STATION,
        "wallbox, wall box, colonnina, colonnina di ricarica, stazione di ricarica, ricarica",
        "charging station, charger, ev charger, charging point, wallbox, wall box, charging",
    ),
    (
        Appliance.INDUCTION_COOKTOP,
        "piano a induzione, piano cottura, piano cottura a induzione, induzione, "
        "piastra a induzione, piastra, fornelli, fornello, fornelli a induzione",
        "induction hob, induction cooktop, induction, cooktop, hob, stove, induction stove",
    ),
    (Appliance.TELEVISION, "tv, televisore, televisione, tele", "tv, television, telly"),
    (
        Appliance.SOLAR_PANEL,
        "pannelli solari, pannello solare, fotovoltaico, impianto fotovoltaico, pannelli, solare",
        "solar panels, solar panel, solar, pv, photovoltaic, panels",
    ),
    (
        Appliance.SOLAR_BATTERY,
        "batteria, batterie, accumulo, batteria di accumulo",
        "solar battery, battery, home battery, batteries",
    ),
)

# Everyday words that tell the language; also anchors that stop a typo-fix from turning a real
# word into a keyword ("house" into "hours", "greet" into "green").
_LANGUAGE_WORDS = (
    "il, lo, la, le, gli, di, da, del, della, dei, delle, che, ho, hai, ha, sto, mi, miei, mio, "
    "mia, e, in, per, con, come, cosa, non, sono, sei, un, una, al, alla, nel, nella, piu, meno, "
    "ciao, buongiorno, grazie, salve, vorrei, sapere, dimmi, fammi, vedere, mostrami, casa, "
    "tempo, meteo, oggi, domani, perche, prendere, batteri, battere",
    "the, an, in, is, are, am, was, did, do, does, how, my, me, of, to, for, with, it, this, that, "
    "than, more, less, hello, hi, thanks, please, show, tell, much, many, house, home, homes, "
    "hours, where, there, weather, greet, greetings, weak, time, today, tomorrow, stuff, thing, "
    "things, change, changed, letter, butter, header, heated, costume, mouths, formal, s, t, m",
)

_PUNCTUATION = re.compile(r"[\W_]+")
_REPEATS = re.compile(r"(.)\1{2,}")
_NUMBER_WORDS = {"sette": "7", "seven": "7", "sei": "6", "six": "6", "dodici": "12", "twelve": "12"}


@dataclass(frozen=True, slots=True)
class _Entry:
    """What one known phrase means; empty for words that only tell the language."""

    kind: IntentKind | None = None
    weight: int = 0
    marker: str | None = None
    period: Period | None = None
    is_today: bool = False
    appliance: Appliance | None = None
    languages: frozenset[str] = frozenset()


def _build() -> tuple[
    dict[tuple[str, ...], _Entry], dict[str, str], dict[str, tuple[str, ...]], dict[str, str]
]:
    """The phrase table, the known words, their one-deletion neighbours, and words' languages."""
    sources: list[tuple[_Entry, str, str]] = []
    sources += [(_Entry(kind=k, weight=w), it, en) for k, w, it, en in _KIND_CUES]
    sources += [(_Entry(marker=m), it, en) for m, it, en in _MARKERS]
    sources += [(_Entry(period=p, is_today=p is None), it, en) for p, it, en in _PERIODS]
    sources += [(_Entry(appliance=a), it, en) for a, it, en in _APPLIANCES]
    sources.append((_Entry(), *_LANGUAGE_WORDS))

    # A phrase listed in both languages (kwh, tv, menu) says nothing about the language; when a
    # phrase is listed twice the first meaning stays and the second only adds its language.
    table: dict[tuple[str, ...], _Entry] = {}
    for entry, it_text, en_text in sources:
        for language, text in (("it", it_text), ("en", en_text)):
            for phrase in _phrases(text):
                key = tuple(phrase.split())
                first = table.get(key, entry)
                table[key] = replace(first, languages=first.languages | {language})
    words = {word: word for key in table for word in key}
    word_languages: dict[str, frozenset[str]] = {}
    for key, entry in table.items():
        for word in key:
            word_languages[word] = word_languages.get(word, frozenset()) | entry.languages
    words.update(_NUMBER_WORDS)
    neighbours: dict[str, list[str]] = {}
    for word in words:
        if len(word) >= _MIN_FUZZY_LENGTH and not word.isdigit():
            for variant in _deletions(word):
                neighbours.setdefault(variant, []).append(word)
    # A word used by one language only ("did", "della") tells the language, even outside a phrase.
    languages = {
        word: next(iter(langs)) for word, langs in word_languages.items() if len(langs) == 1
    }
    return table, words, {k: tuple(v) for k, v in neighbours.items()}, languages


def _deletions(word: str) -> Iterable[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


_TABLE, _WORDS, _NEIGHBOURS, _WORD_LANGUAGE = _build()


def normalize(text: str) -> list[str]:
    """Lower-case words without accents, punctuation or emoji, from the start of `text` only."""
    text = unicodedata.normalize("NFKD", text[:MAX_INPUT_CHARS])
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    return _PUNCTUATION.sub(" ", text).split()[:MAX_WORDS]


@lru_cache(maxsize=4096)
def _known(word: str) -> str:
    """The known word `word` stands for, forgiving one typo; the word itself when none is close."""
    exact = _WORDS.get(word)
    if exact is not None:
        return exact
    if _REPEATS.search(word):  # "greeeen", "weeek": keys held down, not a different word
        for collapsed in (_REPEATS.sub(r"\1\1", word), _REPEATS.sub(r"\1", word)):
            if collapsed in _WORDS:
                return _WORDS[collapsed]
        word = _REPEATS.sub(r"\1\1", word)
    if len(word) < _MIN_FUZZY_LENGTH or word.isdigit():
        return word
    # One deletion on either side covers a missing, extra, wrong or swapped letter.
    candidates = set(_NEIGHBOURS.get(word, ()))
    for variant in _deletions(word):
        if variant in _WORDS and len(variant) >= _MIN_FUZZY_LENGTH:
            candidates.add(variant)
        candidates.update(_NEIGHBOURS.get(variant, ()))
    if not candidates:
        return word
    if len(candidates) == 1:
        return _WORDS[candidates.pop()]
    best = max(sorted(candidates), key=lambda c: SequenceMatcher(None, word, c).ratio())
    return _WORDS[best]


def match(text: str) -> Intent:
    """Read a plain question and say what it asks for; Intent(UNKNOWN) when it is not understood."""
    words = [_known(word) for word in normalize(text)]
    scores: Counter[IntentKind] = Counter()
    markers: set[str] = set()
    periods: list[Period] = []
    appliances: list[Appliance] = []
    today = False

    i = 0
    while i < len(words):
        for size in range(min(_MAX_PHRASE_WORDS, len(words) - i), 0, -1):
            entry = _TABLE.get(tuple(words[i : i + size]))
            if entry is not None:
                break
        else:
            i += 1
            continue
        i += size
        if entry.kind is not None:
            scores[entry.kind] += entry.weight
        if entry.marker is not None:
            markers.add(entry.marker)
        if entry.period is not None:
            periods.append(entry.period)
        today = today or entry.is_today
        if entry.appliance is not None:
            appliances.append(entry.appliance)

    language = _language(Counter(_WORD_LANGUAGE.get(word) for word in words))
    appliance = appliances[0] if appliances else None
    period = periods[0] if periods else None
    kind = _decide(scores, markers, period, appliance)
    if kind is IntentKind.UNKNOWN:
        return Intent(IntentKind.UNKNOWN, language=language)
    if kind in PERIOD_KINDS:
        period = period or (_TODAY_PERIOD if today else DEFAULT_PERIOD[kind])
    else:
        period = None
    return Intent(kind, period, appliance, language)


def _decide(
    scores: Counter[IntentKind],
    markers: set[str],
    period: Period | None,
    appliance: Appliance | None,
) -> IntentKind:
    """Settle the cue scores into one kind, applying the rules that need several cues together."""
    if period is not None:
        scores[IntentKind.NOW] = 0  # "how much am I using this week" is not about this second
    if _WHEN in markers:
        if scores[IntentKind.GREEN] or _ADVICE in markers:
            scores[IntentKind.GREEN] += 3  # when should I run..., when is it green
        elif scores[IntentKind.CONSUMPTION] or _MOST in markers:
            scores[IntentKind.HABITS] += 3  # when do I use the most
    elif _ADVICE in markers and appliance is not None and not scores[IntentKind.CONSUMPTION]:
        scores[IntentKind.GREEN] += 3  # should I run the dishwasher now?
    elif (
        _MOST in markers
        and appliance is None
        and (_WHICH in markers or scores[IntentKind.APPLIANCES])
    ):
        scores[IntentKind.APPLIANCES] += 3  # what uses the most
    best = max(_PRIORITY, key=lambda kind: scores[kind])  # ties: the first in _PRIORITY
    if scores[best] <= 0:
        # A bare period or appliance ("ieri?", "the dishwasher") asks for consumption.
        return IntentKind.CONSUMPTION if (period or appliance) else IntentKind.UNKNOWN
    if best is IntentKind.APPLIANCES and period is not None:
        return IntentKind.CONSUMPTION  # per-appliance totals exist for any period
    return best


def _language(counts: Counter[str | None]) -> str | None:
    if counts["it"] == counts["en"]:
        return None
    return "it" if counts["it"] > counts["en"] else "en"
