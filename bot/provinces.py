"""Italy's 107 provinces (ISTAT list: provinces, metropolitan cities, free consortia) by car-plate code.

Shared by the bot (onboarding asks for the province) and the simulator (validates it); the
OpenAPI document lists the same codes. Sardinia's 2025 reorganisation is not in ISTAT's codes yet.
"""

from __future__ import annotations

import unicodedata
from typing import NamedTuple


class Province(NamedTuple):
    name: str
    region: str


PROVINCES: dict[str, Province] = {
    # Piemonte
    "TO": Province("Torino", "Piemonte"),
    "VC": Province("Vercelli", "Piemonte"),
    "NO": Province("Novara", "Piemonte"),
    "CN": Province("Cuneo", "Piemonte"),
    "AT": Province("Asti", "Piemonte"),
    "AL": Province("Alessandria", "Piemonte"),
    "BI": Province("Biella", "Piemonte"),
    "VB": Province("Verbano-Cusio-Ossola", "Piemonte"),
    # Valle d'Aosta
    "AO": Province("Aosta", "Valle d'Aosta"),
    # Lombardia
    "VA": Province("Varese", "Lombardia"),
    "CO": Province("Como", "Lombardia"),
    "SO": Province("Sondrio", "Lombardia"),
    "MI": Province("Milano", "Lombardia"),
    "BG": Province("Bergamo", "Lombardia"),
    "BS": Province("Brescia", "Lombardia"),
    "PV": Province("Pavia", "Lombardia"),
    "CR": Province("Cremona", "Lombardia"),
    "MN": Province("Mantova", "Lombardia"),
    "LC": Province("Lecco", "Lombardia"),
    "LO": Province("Lodi", "Lombardia"),
    "MB": Province("Monza e Brianza", "Lombardia"),
    # Trentino-Alto Adige
    "BZ": Province("Bolzano", "Trentino-Alto Adige"),
    "TN": Province("Trento", "Trentino-Alto Adige"),
    # Veneto
    "VR": Province("Verona", "Veneto"),
    "VI": Province("Vicenza", "Veneto"),
    "BL": Province("Belluno", "Veneto"),
    "TV": Province("Treviso", "Veneto"),
    "VE": Province("Venezia", "Veneto"),
    "PD": Province("Padova", "Veneto"),
    "RO": Province("Rovigo", "Veneto"),
    # Friuli-Venezia Giulia
    "UD": Province("Udine", "Friuli-Venezia Giulia"),
    "GO": Province("Gorizia", "Friuli-Venezia Giulia"),
    "TS": Province("Trieste", "Friuli-Venezia Giulia"),
    "PN": Province("Pordenone", "Friuli-Venezia Giulia"),
    # Liguria
    "IM": Province("Imperia", "Liguria"),
    "SV": Province("Savona", "Liguria"),
    "GE": Province("Genova", "Liguria"),
    "SP": Province("La Spezia", "Liguria"),
    # Emilia-Romagna
    "PC": Province("Piacenza", "Emilia-Romagna"),
    "PR": Province("Parma", "Emilia-Romagna"),
    "RE": Province("Reggio Emilia", "Emilia-Romagna"),
    "MO": Province("Modena", "Emilia-Romagna"),
    "BO": Province("Bologna", "Emilia-Romagna"),
    "FE": Province("Ferrara", "Emilia-Romagna"),
    "RA": Province("Ravenna", "Emilia-Romagna"),
    "FC": Province("Forlì-Cesena", "Emilia-Romagna"),
    "RN": Province("Rimini", "Emilia-Romagna"),
    # Toscana
    "MS": Province("Massa-Carrara", "Toscana"),
    "LU": Province("Lucca", "Toscana"),
    "PT": Province("Pistoia", "Toscana"),
    "FI": Province("Firenze", "Toscana"),
    "LI": Province("Livorno", "Toscana"),
    "PI": Province("Pisa", "Toscana"),
    "AR": Province("Arezzo", "Toscana"),
    "SI": Province("Siena", "Toscana"),
    "GR": Province("Grosseto", "Toscana"),
    "PO": Province("Prato", "Toscana"),
    # Umbria
    "PG": Province("Perugia", "Umbria"),
    "TR": Province("Terni", "Umbria"),
    # Marche
    "PU": Province("Pesaro e Urbino", "Marche"),
    "AN": Province("Ancona", "Marche"),
    "MC": Province("Macerata", "Marche"),
    "AP": Province("Ascoli Piceno", "Marche"),
    "FM": Province("Fermo", "Marche"),
    # Lazio
    "VT": Province("Viterbo", "Lazio"),
    "RI": Province("Rieti", "Lazio"),
    "RM": Province("Roma", "Lazio"),
    "LT": Province("Latina", "Lazio"),
    "FR": Province("Frosinone", "Lazio"),
    # Abruzzo
    "AQ": Province("L'Aquila", "Abruzzo"),
    "TE": Province("Teramo", "Abruzzo"),
    "PE": Province("Pescara", "Abruzzo"),
    "CH": Province("Chieti", "Abruzzo"),
    # Molise
    "CB": Province("Campobasso", "Molise"),
    "IS": Province("Isernia", "Molise"),
    # Campania
    "CE": Province("Caserta", "Campania"),
    "BN": Province("Benevento", "Campania"),
    "NA": Province("Napoli", "Campania"),
    "AV": Province("Avellino", "Campania"),
    "SA": Province("Salerno", "Campania"),
    # Puglia
    "FG": Province("Foggia", "Puglia"),
    "BA": Province("Bari", "Puglia"),
    "TA": Province("Taranto", "Puglia"),
    "BR": Province("Brindisi", "Puglia"),
    "LE": Province("Lecce", "Puglia"),
    "BT": Province("Barletta-Andria-Trani", "Puglia"),
    # Basilicata
    "PZ": Province("Potenza", "Basilicata"),
    "MT": Province("Matera", "Basilicata"),
    # Calabria
    "CS": Province("Cosenza", "Calabria"),
    "CZ": Province("Catanzaro", "Calabria"),
    "RC": Province("Reggio Calabria", "Calabria"),
    "KR": Province("Crotone", "Calabria"),
    "VV": Province("Vibo Valentia", "Calabria"),
    # Sicilia
    "TP": Province("Trapani", "Sicilia"),
    "PA": Province("Palermo", "Sicilia"),
    "ME": Province("Messina", "Sicilia"),
    "AG": Province("Agrigento", "Sicilia"),
    "CL": Province("Caltanissetta", "Sicilia"),
    "EN": Province("Enna", "Sicilia"),
    "CT": Province("Catania", "Sicilia"),
    "RG": Province("Ragusa", "Sicilia"),
    "SR": Province("Siracusa", "Sicilia"),
    # Sardegna
    "SS": Province("Sassari", "Sardegna"),
    "NU": Province("Nuoro", "Sardegna"),
    "CA": Province("Cagliari", "Sardegna"),
    "OR": Province("Oristano", "Sardegna"),
    "SU": Province("Sud Sardegna", "Sardegna"),
}


def is_province(code: str) -> bool:
    """True for an upper-case code of the list, e.g. "MI"."""
    return code in PROVINCES


def _fold(text: str) -> str:
    # Users type "forli", "Forlì " or "REGGIO-EMILIA": compare without accents, case or punctuation.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = (ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch))
    return " ".join("".join(letters).split())


_BY_NAME = {_fold(province.name): code for code, province in PROVINCES.items()}


def find_province(text: str) -> str | None:
    """The code for what a user typed: a code ("mi") or a name ("Forlì-Cesena"), else None."""
    code = text.strip().upper()
    if code in PROVINCES:
        return code
    return _BY_NAME.get(_fold(text))
