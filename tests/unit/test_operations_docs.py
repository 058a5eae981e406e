"""The README's Operations section documents every setting an operator can set."""

from pathlib import Path

from bot.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_in_the_operations_table() -> None:
    text = README.read_text(encoding="utf-8")
    assert "## Operations" in text
    operations = text.split("## Operations", 1)[1]
    missing = [
        name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in operations
    ]
    assert not missing, f"README 'Operations' does not document: {', '.join(missing)}"
