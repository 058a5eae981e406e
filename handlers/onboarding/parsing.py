"""Reading what people type during onboarding: a floor area, a head count, a province."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from bot.digiwatt.models import House, Residents
from bot.provinces import PROVINCES, find_province


def model_bound(model: type, name: str, kind: str) -> int:
    """A numeric bound (`ge`, `le`) of a model field."""
    # The limits come from the data contract, so the dialogue never accepts what Digiwatt refuses.
    for rule in model.model_fields[name].metadata:
        value = getattr(rule, kind, None)
        if value is not None:
            return int(value)
    raise LookupError(f"{model.__name__}.{name} has no {kind} bound")


SIZE_MIN = model_bound(House, "dimesion", "ge")
SIZE_MAX = model_bound(House, "dimesion", "le")
PEOPLE_MAX = model_bound(Residents, "adults", "le")
ADULTS_MIN = model_bound(Residents, "adults", "ge")
# A province name is a few words: longer texts are not worth comparing with 107 names.
_LONGEST_PROVINCE_ANSWER = 60


class Problem(StrEnum):
    """Why an answer was refused; the dialogue turns each into guidance."""

    NOT_A_NUMBER = "not_a_number"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"


class BadAnswer(ValueError):
    """A typed answer that cannot be used, with the reason and the number read, if any."""

    def __init__(self, problem: Problem, value: int | None = None) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.value = value


# "85", "85,5", "85.5", "1.200" or "1 200" (thousands), then an optional unit: m2, m², mq, sqm...
_SIZE = re.compile(
    r"""^(?P<sign>[-−])?\s*
    (?P<number>\d{1,3}(?:[.\s]\d{3})+(?![.,]\d)|\d+(?:[.,]\d+)?)
    \s*(?:m\s*(?:2|²|q)|mq\.?|m\.q\.|sq\.?\s*m|sqm|square\s+met(?:re|er)s?
        |metri\s+quadr(?:i|ati)|meters?|metres?|metri|m)?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)


def parse_size(text: str) -> int:
    """Floor area in whole m² from what a user typed; decimals are rounded half up."""
    match = _SIZE.match(text.strip())
    if match is None:
        raise BadAnswer(Problem.NOT_A_NUMBER)
    raw = match["number"]
    if re.fullmatch(r"\d{1,3}(?:[.\s]\d{3})+", raw):
        raw = re.sub(r"[.\s]", "", raw)
    try:
        value = int(Decimal(raw.replace(",", ".")).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation:  # more digits than Decimal's 28: no floor area, just a wall of 9s
        raise BadAnswer(Problem.NOT_A_NUMBER) from None
    if match["sign"]:
        value = -value
    if value < SIZE_MIN:
        raise BadAnswer(Problem.TOO_SMALL, value)
    if value > SIZE_MAX:
        raise BadAnswer(Problem.TOO_LARGE, value)
    return value


def parse_count(text: str, *, minimum: int = 0, maximum: int = PEOPLE_MAX) -> int:
    """A number of people: digits only, within [minimum, maximum]."""
    cleaned = text.strip()
    match = re.fullmatch(r"([-−]?)\s*(\d{1,6})", cleaned)
    if match is None:
        raise BadAnswer(Problem.NOT_A_NUMBER)
    value = int(match[2]) * (-1 if match[1] else 1)
    if value < minimum:
        raise BadAnswer(Problem.TOO_SMALL, value)
    if value > maximum:
        raise BadAnswer(Problem.TOO_LARGE, value)
    return value


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: how typed names are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = (ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch))
    return " ".join("".join(letters).split())


# Names people use that are not the official one: English exonyms and parts of joint names.
ALIASES: dict[str, str] = {
    "rome": "RM",
    "milan": "MI",
    "turin": "TO",
    "florence": "FI",
    "naples": "NA",
    "venice": "VE",
    "genoa": "GE",
    "padua": "PD",
    "mantua": "MN",
    "syracuse": "SR",
    "leghorn": "LI",
    "bozen": "BZ",
    "sudtirol": "BZ",
    "south tyrol": "BZ",
    "alto adige": "BZ",
    "aoste": "AO",
    "valle d aosta": "AO",
    "monza": "MB",
    "brianza": "MB",
    "pesaro": "PU",
    "urbino": "PU",
    "forli": "FC",
    "cesena": "FC",
    "massa": "MS",
    "carrara": "MS",
    "verbania": "VB",
    "barletta": "BT",
    "andria": "BT",
    "trani": "BT",
    "reggio nell emilia": "RE",
    "reggio di calabria": "RC",
    "carbonia": "SU",
    "sud sardinia": "SU",
    "south sardinia": "SU",
}

_NAMES: dict[str, str] = {fold(p.name): code for code, p in PROVINCES.items()} | ALIASES
# "Provincia di Bologna", "città metropolitana di Roma", "province of Milan"...
_PREFIX = re.compile(
    r"^(?:provincia|prov|province|citta metropolitana|metropolitan city|libero consorzio)"
    r"(?: (?:di|del|della|dell|of))? "
)
# "Bologna (BO)", as the bot itself writes it.
_NAME_AND_CODE = re.compile(r"\(\s*([A-Za-z]{2})\s*\)\s*$")


@dataclass(frozen=True)
class ProvinceMatch:
    """What a typed province is: a known code, else maybe a close suggestion, else nothing."""

    code: str | None = None
    suggestion: str | None = None


def match_province(text: str) -> ProvinceMatch:
    """The province a user meant: code or name, case and accents forgiven; a suggestion for a typo."""
    text = text.strip()
    if not text or len(text) > _LONGEST_PROVINCE_ANSWER:
        return ProvinceMatch()
    code = find_province(text)
    if code is not None:
        return ProvinceMatch(code=code)
    in_brackets = _NAME_AND_CODE.search(text)
    if in_brackets and in_brackets[1].upper() in PROVINCES:
        return ProvinceMatch(code=in_brackets[1].upper())
    folded = _PREFIX.sub("", fold(text))
    if folded.upper() in PROVINCES:
        return ProvinceMatch(code=folded.upper())
    if folded in _NAMES:
        return ProvinceMatch(code=_NAMES[folded])
    if len(folded) < 3:
        return ProvinceMatch()  # an unknown two-letter code: any "suggestion" would be a guess
    close = difflib.get_close_matches(folded, _NAMES, n=1, cutoff=0.75)
    return ProvinceMatch(suggestion=_NAMES[close[0]]) if close else ProvinceMatch()
