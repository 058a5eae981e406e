"""Settings: an operator with a missing or bad value gets one line that names it."""

import pytest

from bot.settings import SettingsError, load_settings

VALID = {
    "TELEGRAM_BOT_TOKEN": "123456:ABC-secret-token",
    "DIGIWATT_API_URL": "http://127.0.0.1:8081",
    "DIGIWATT_CLIENT_ID": "demo",
    "DIGIWATT_CLIENT_SECRET": "demo-secret",
    "DIGIWATT_COMPANY_CODE": "DEMO",
    "LINK_SECRET": "x" * 40,
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for key, value in VALID.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def test_valid_environment_gives_defaults(env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.telegram_base_url == "https://api.telegram.org/bot"
    assert settings.telegram_base_file_url == "https://api.telegram.org/file/bot"
    assert settings.bot_timezone == "Europe/Rome"
    assert settings.database_url.startswith("sqlite+aiosqlite://")
    assert "ABC-secret-token" not in repr(settings)


def test_local_bot_api_server_changes_one_value(env: pytest.MonkeyPatch) -> None:
    env.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8082/")
    assert load_settings().telegram_base_url == "http://127.0.0.1:8082/bot"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("TELEGRAM_BOT_TOKEN", None, "TELEGRAM_BOT_TOKEN is not set"),
        ("TELEGRAM_BOT_TOKEN", "nonsense", "TELEGRAM_BOT_TOKEN is invalid"),
        ("DIGIWATT_API_URL", "not a url", "DIGIWATT_API_URL is invalid"),
        ("BOT_TIMEZONE", "Mars/Olympus", "BOT_TIMEZONE is invalid"),
        ("LINK_SECRET", "short", "LINK_SECRET is invalid"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL is invalid"),
    ],
)
def test_bad_setting_stops_with_one_line(
    env: pytest.MonkeyPatch, name: str, value: str | None, expected: str
) -> None:
    if value is None:
        env.delenv(name)
    else:
        env.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message
    assert "ABC-secret-token" not in message
