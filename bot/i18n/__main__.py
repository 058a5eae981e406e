"""`python -m bot.i18n extract`: refresh the catalogs from the source, keeping translations."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LANGUAGES, LOCALES_DIR

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("bot", "handlers")
KEYWORDS = {"_": None, "N_": None, "gettext": None}


def extract() -> Catalog:
    """Every marked string in the source."""
    template = Catalog(project="digiwatt-bot", charset="utf-8")
    for name in SOURCE_DIRS:
        for filename, lineno, message, comments, _context in extract_from_dir(
            ROOT / name, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
        ):
            template.add(
                message, locations=[(f"{name}/{filename}", lineno)], auto_comments=comments
            )
    return template


def set_translations(language: str, path: Path) -> None:
    """Refresh the catalog, then set the translations in a JSON file {english: translated}."""
    update()
    po = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    unknown = []
    for message_id, translated in json.loads(path.read_text(encoding="utf-8")).items():
        message = catalog.get(message_id)
        if message is None:
            unknown.append(message_id)
            continue
        message.string = translated
        message.flags.discard("fuzzy")
    with po.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, ignore_obsolete=True)
    for message_id in unknown:
        print(f"not in the source (mark it with _ first): {message_id!r}")


def update() -> None:
    template = extract()
    for language in LANGUAGES:
        if language == "en":
            continue  # English is the source language
        path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=language)
        else:
            catalog = Catalog(locale=language, project="digiwatt-bot", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, ignore_obsolete=True)
        missing = [m.id for m in catalog if m.id and not m.string]
        print(f"{language}: {len(catalog)} messages, {len(missing)} untranslated")


USAGE = "usage: python -m bot.i18n extract | python -m bot.i18n set LANGUAGE FILE.json"

if __name__ == "__main__":
    match sys.argv[1:]:
        case ["extract"]:
            update()
        case ["set", language, path]:
            set_translations(language, Path(path))
        case _:
            sys.exit(USAGE)
