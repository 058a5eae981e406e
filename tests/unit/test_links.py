"""Deep-link tokens: only this bot's untampered, unexpired links say which account to link."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from bot.cli import main
from bot.digiwatt.models import ACCOUNT_NUMBER_PATTERN, POD_PATTERN
from bot.links import (
    MAX_TOKEN_CHARS,
    ExpiredToken,
    ForgedToken,
    LinkInputError,
    LinkTokenError,
    MalformedToken,
    issue_token,
    parse_ttl,
    verify_token,
)

SECRET = SecretStr("current-secret-0123456789abcdefghijkl")
OLD_SECRET = SecretStr("previous-secret-0123456789abcdefghijk")
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
TELEGRAM_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

# The longest inputs the bot must link: 16-character account numbers of every kind, PODs of 15
# characters (real bills) and 18 (the docs' example).
LONGEST = [
    ("9" * 16, "IT001E123456789"),
    ("9" * 16, "IT001E1234567890AB"),
    ("ZZZZZZZZZZZZZZZZ", "IT001E123456789"),
    ("ZZZZZZZZZZZZZZZZ", "IT001E1234567890AB"),
    ("zz-zzzzzzzzzzzzz", "IT001E123456789"),
    ("zz-zzzzzzzzzzzzz", "IT001E1234567890AB"),
    ("9" * 16, "ZZZZZZZZZZZZZZZZZZZZ"),  # the longest POD the pattern allows
    ("z" * 32, None),  # the longest account number the pattern allows
]


def test_round_trip_carries_account_pod_and_expiry() -> None:
    token = issue_token(SECRET, "1234567890", "it001e 1234 5678", WEEK, now=NOW)
    claim = verify_token(SECRET, token, now=NOW)
    assert claim.account_number == "1234567890"
    assert claim.pod == "IT001E12345678"  # normalised as users type it from a bill
    assert claim.expires_at == NOW + WEEK
    assert re.fullmatch(r"[0-9a-f]{20}", claim.token_id)


@pytest.mark.parametrize(
    "account", ["0007", "0000000000000001", "A-1b", "ABC123", "acct-2024-xyz", "9" * 32]
)
def test_round_trip_keeps_account_number_exactly(account: str) -> None:
    claim = verify_token(SECRET, issue_token(SECRET, account, None, WEEK, now=NOW), now=NOW)
    assert claim.account_number == account
    assert claim.pod is None


def test_each_token_has_its_own_id() -> None:
    tokens = {issue_token(SECRET, "1234567890", None, WEEK, now=NOW) for _ in range(500)}
    ids = {verify_token(SECRET, token, now=NOW).token_id for token in tokens}
    assert len(tokens) == len(ids) == 500


@pytest.mark.parametrize(("account", "pod"), LONGEST)
def test_longest_inputs_fit_telegram_start_payload(account: str, pod: str | None) -> None:
    token = issue_token(SECRET, account, pod, timedelta(days=366), now=NOW)
    assert len(token) <= MAX_TOKEN_CHARS == 64
    assert TELEGRAM_PAYLOAD.fullmatch(token)
    claim = verify_token(SECRET, token, now=NOW)
    assert (claim.account_number, claim.pod) == (account, pod)


def test_too_long_for_telegram_fails_loudly() -> None:
    with pytest.raises(LinkInputError, match=r"66-character token.*64.*without the POD"):
        issue_token(SECRET, "zz-zzzzzzzzzzzzz", "IT001E1234567890ABCD", WEEK, now=NOW)


@settings(max_examples=300, deadline=None)
@given(
    account=st.from_regex(ACCOUNT_NUMBER_PATTERN, fullmatch=True),
    pod=st.none() | st.from_regex(POD_PATTERN, fullmatch=True),
)
def test_any_valid_input_fits_or_is_refused_clearly(account: str, pod: str | None) -> None:
    refusal = None
    try:
        token = issue_token(SECRET, account, pod, WEEK, now=NOW)
    except LinkInputError as error:
        refusal = str(error)
    if refusal is not None:
        assert "Telegram allows 64" in refusal
        assert pod is not None  # every valid account number fits on its own
        return
    assert TELEGRAM_PAYLOAD.fullmatch(token)
    claim = verify_token(SECRET, token, now=NOW)
    assert (claim.account_number, claim.pod) == (account, pod)


@pytest.mark.parametrize(("account", "pod"), [LONGEST[5], ("1234567890", None)])
def test_changing_any_single_character_is_rejected(account: str, pod: str | None) -> None:
    token = issue_token(SECRET, account, pod, WEEK, now=NOW)
    tried = 0
    for position, original in enumerate(token):
        for replacement in BASE64URL:
            if replacement == original:
                continue
            tampered = token[:position] + replacement + token[position + 1 :]
            with pytest.raises((ForgedToken, MalformedToken)):
                verify_token(SECRET, tampered, now=NOW)
            tried += 1
    assert tried == len(token) * 63


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1],
        lambda t: t[1:],
        lambda t: t + "A",
        lambda t: t[:20],
        lambda t: t[:10] + "+" + t[11:],
        lambda t: t[:10] + "=" + t[11:],
        lambda t: t + "==",
        lambda t: "",
        lambda t: "A" * 64,
        lambda t: "x" * 500,
        lambda t: "hello world",
    ],
)
def test_truncated_extended_or_foreign_tokens_are_rejected(mangle) -> None:
    token = issue_token(SECRET, "1234567890", "IT001E12345678", WEEK, now=NOW)
    with pytest.raises((ForgedToken, MalformedToken)):
        verify_token(SECRET, mangle(token), now=NOW)


def test_expired_token_is_rejected_at_expiry_and_valid_just_before() -> None:
    token = issue_token(SECRET, "1234567890", None, timedelta(minutes=30), now=NOW)
    assert verify_token(SECRET, token, now=NOW + timedelta(minutes=29, seconds=59))
    with pytest.raises(ExpiredToken):
        verify_token(SECRET, token, now=NOW + timedelta(minutes=30))
    with pytest.raises(ExpiredToken):
        verify_token(SECRET, token, now=NOW + timedelta(days=400))


def test_token_signed_with_another_secret_is_forged() -> None:
    token = issue_token(SecretStr("some-other-bot-secret-0123456789abcd"), "1234567890", None, WEEK)
    with pytest.raises(ForgedToken):
        verify_token(SECRET, token)


def test_rotation_accepts_previous_secret_until_it_is_dropped() -> None:
    old_token = issue_token(OLD_SECRET, "1234567890", "IT001E12345678", WEEK, now=NOW)
    new_token = issue_token(SECRET, "1234567890", "IT001E12345678", WEEK, now=NOW)
    for token in (old_token, new_token):
        assert verify_token([SECRET, OLD_SECRET], token, now=NOW).account_number == "1234567890"
    assert verify_token([SECRET], new_token, now=NOW)
    with pytest.raises(ForgedToken):
        verify_token([SECRET], old_token, now=NOW)


def test_errors_share_one_base_class_for_handlers() -> None:
    for error in (MalformedToken, ForgedToken, ExpiredToken):
        assert issubclass(error, LinkTokenError)


def test_verify_needs_a_secret_and_aware_time() -> None:
    token = issue_token(SECRET, "1234567890", None, WEEK)
    with pytest.raises(ValueError, match="at least one secret"):
        verify_token([], token)
    with pytest.raises(ValueError, match="timezone-aware"):
        verify_token(SECRET, token, now=datetime(2025, 3, 1))  # naive on purpose


@pytest.mark.parametrize(
    ("account", "pod", "message"),
    [
        ("12", None, "invalid account number"),
        ("1234 5678", None, "invalid account number"),
        ("12345678é", None, "invalid account number"),
        ("1234567890", "IT001", "invalid POD"),
        ("1234567890", "IT001E12345678!", "invalid POD"),
        ("1234567890", "1T001E12345678", "invalid POD"),
    ],
)
def test_invalid_account_or_pod_is_refused(account: str, pod: str | None, message: str) -> None:
    with pytest.raises(LinkInputError, match=message):
        issue_token(SECRET, account, pod, WEEK)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("12h", timedelta(hours=12)),
        ("7d", timedelta(days=7)),
        (" 7D ", timedelta(days=7)),
        ("366d", timedelta(days=366)),
    ],
)
def test_parse_ttl(text: str, expected: timedelta) -> None:
    assert parse_ttl(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("7", "number followed by m, h or d"),
        ("7w", "number followed by m, h or d"),
        ("-1d", "number followed by m, h or d"),
        ("", "number followed by m, h or d"),
        ("1.5h", "number followed by m, h or d"),
        ("0m", "must be positive"),
        ("367d", "at most 366 days"),
    ],
)
def test_parse_ttl_rejects_with_clear_message(text: str, message: str) -> None:
    with pytest.raises(LinkInputError, match=message):
        parse_ttl(text)


# --- the link-url command -----------------------------------------------------------------------

ENV = {
    "TELEGRAM_BOT_TOKEN": "123456:ABC-secret-token",
    "DIGIWATT_API_URL": "http://127.0.0.1:8081",
    "DIGIWATT_CLIENT_ID": "demo",
    "DIGIWATT_CLIENT_SECRET": "demo-secret",
    "DIGIWATT_COMPANY_CODE": "DEMO",
    "LINK_SECRET": SECRET.get_secret_value(),
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("BOT_USERNAME", raising=False)
    return monkeypatch


def _claim_from_url(url: str, username: str):
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "t.me", f"/{username}")
    key, _, token = parts.query.partition("=")
    assert key == "start"
    assert TELEGRAM_PAYLOAD.fullmatch(token)
    return verify_token(SECRET, token)


def test_cli_prints_a_working_deep_link(env, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["link-url", "1234567890", "--pod", "IT001E12345678", "--ttl", "2h"]
    code = main([*argv, "--bot-username", "@DigiwattBot"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    claim = _claim_from_url(out.strip(), "DigiwattBot")
    assert (claim.account_number, claim.pod) == ("1234567890", "IT001E12345678")
    remaining = claim.expires_at - datetime.now(UTC)
    assert timedelta(hours=1, minutes=59) < remaining <= timedelta(hours=2)


def test_cli_uses_bot_username_setting(env, capsys: pytest.CaptureFixture[str]) -> None:
    env.setenv("BOT_USERNAME", "SettingBot")
    assert main(["link-url", "ACC-0001"]) == 0
    claim = _claim_from_url(capsys.readouterr().out.strip(), "SettingBot")
    assert claim.account_number == "ACC-0001"
    assert claim.pod is None


def test_cli_rejects_bad_bot_username_setting(env, capsys: pytest.CaptureFixture[str]) -> None:
    env.setenv("BOT_USERNAME", "not a name")
    assert main(["link-url", "ACC-0001"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert "BOT_USERNAME" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["link-url", "1234567890", "--pod", "NOT-A-POD"], "invalid POD 'NOT-A-POD'"),
        (["link-url", "12", "--bot-username", "DigiwattBot"], "invalid account number '12'"),
        (["link-url", "1234567890", "--ttl", "forever"], "invalid TTL 'forever'"),
        (["link-url", "1234567890", "--bot-username", "x y"], "invalid bot username"),
        (
            ["link-url", "zz-zzzzzzzzzzzzz", "--pod", "IT001E1234567890ABCD"],
            "without the POD",
        ),
    ],
)
def test_cli_rejects_bad_input_with_one_line(
    env, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("digiwatt-bot link-url: error: ")
    assert message in err


class _FakeBotApi(BaseHTTPRequestHandler):
    """Answers getMe like a local Bot API server; records the paths it was asked."""

    paths: list[str]

    def do_POST(self) -> None:
        self.server.paths.append(self.path)  # type: ignore[attr-defined]
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.server.reject_token:  # type: ignore[attr-defined]
            status, reply = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        else:
            me = {"id": 1, "is_bot": True, "first_name": "Digiwatt", "username": "LocalTestBot"}
            status, reply = 200, {"ok": True, "result": me}
        body = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_bot_api() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeBotApi)
    server.paths = []  # type: ignore[attr-defined]
    server.reject_token = False  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_cli_asks_get_me_on_the_configured_bot_api_server(
    env, local_bot_api: ThreadingHTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("TELEGRAM_API_URL", f"http://127.0.0.1:{local_bot_api.server_port}")
    assert main(["link-url", "1234567890"]) == 0
    claim = _claim_from_url(capsys.readouterr().out.strip(), "LocalTestBot")
    assert claim.account_number == "1234567890"
    assert local_bot_api.paths == ["/bot123456:ABC-secret-token/getMe"]  # type: ignore[attr-defined]


def test_cli_unreachable_bot_api_gives_one_line(env, capsys: pytest.CaptureFixture[str]) -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), _FakeBotApi) as closed:
        port = closed.server_port  # bound then closed: nothing listens there
    env.setenv("TELEGRAM_API_URL", f"http://127.0.0.1:{port}")
    assert main(["link-url", "1234567890"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert "pass --bot-username or set BOT_USERNAME" in err
    assert "ABC-secret-token" not in err


def test_cli_rejected_bot_token_is_not_printed(
    env, local_bot_api: ThreadingHTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    local_bot_api.reject_token = True  # type: ignore[attr-defined]
    env.setenv("TELEGRAM_API_URL", f"http://127.0.0.1:{local_bot_api.server_port}")
    assert main(["link-url", "1234567890"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert "InvalidToken" in err
    assert "ABC-secret-token" not in err
