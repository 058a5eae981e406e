"""Signed single-use deep-link tokens for `/start <token>`, and the `link-url` command that prints them.

A token is base64url (no padding) of a compact binary body followed by a truncated HMAC-SHA256 tag:

    header   2 bytes  version (3 bits) | account alphabet (2 bits) | account length - 1 (5 bits)
                      | POD length (6 bits, 0 = no POD)
    expiry   4 bytes  uint32 Unix seconds (enough until 2106)
    nonce    6 bytes  random; with the expiry it is the token id the caller marks as spent
    account  n bytes  the account number as one integer in the smallest alphabet that holds it
    POD      m bytes  the normalised POD as one base-36 integer
    tag     12 bytes  HMAC-SHA256 truncated to 96 bits

Telegram allows 64 characters in a /start payload, i.e. 48 bytes: a 16-digit account with a
20-character POD takes 44, a 16-character mixed-case account with an 18-character POD exactly 48.
Tokens are signed, not encrypted: whoever holds a link can read its account number and POD, just
as on the letter that carries it.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import re
import secrets as random_source
import struct
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import SecretStr

from bot.digiwatt.models import ACCOUNT_NUMBER_PATTERN, POD_PATTERN, normalize_pod

if TYPE_CHECKING:
    from bot.settings import Settings

MAX_TOKEN_CHARS = 64  # Telegram's limit for a /start payload
MAX_TTL = timedelta(days=366)
VERSION = 1

_TAG_BYTES = 12
_NONCE_BYTES = 6
_FIXED = struct.Struct(">HI")  # header, expiry
_PREFIX_BYTES = _FIXED.size + _NONCE_BYTES
_MAX_BYTES = MAX_TOKEN_CHARS * 6 // 8
# Separates these MACs from any other use an operator might make of LINK_SECRET.
_DOMAIN = b"digiwatt-bot/link\x00"

# Index = the 2-bit alphabet code in the header; the smallest alphabet that fits packs tightest.
_ALPHABETS = (
    "0123456789",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
)
_POD_ALPHABET = 1
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_-]+")
_TTL = re.compile(r"(\d{1,6})\s*([mhd])")
_TTL_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
_BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")


class LinkTokenError(Exception):
    """A /start token that cannot link a chat."""


class MalformedToken(LinkTokenError):
    """Not a token this bot issued: wrong characters, length or layout."""


class ForgedToken(LinkTokenError):
    """The signature matches none of the secrets: tampered, or signed with another key."""


class ExpiredToken(LinkTokenError):
    """Authentic, but past its expiry."""


class LinkInputError(ValueError):
    """An account number, POD or TTL that cannot go into a token; the message says why."""


@dataclass(frozen=True, slots=True)
class LinkClaim:
    """What a verified token asserts; `token_id` is what the caller records as spent."""

    token_id: str
    account_number: str
    pod: str | None
    expires_at: datetime


def parse_ttl(text: str) -> timedelta:
    """Turn "30m", "12h" or "7d" into a timedelta, or raise LinkInputError saying what is expected."""
    found = _TTL.fullmatch(text.strip().lower())
    if found is None:
        raise LinkInputError(
            f"invalid TTL {text!r}: use a number followed by m, h or d, e.g. 30m, 12h, 7d"
        )
    ttl = timedelta(**{_TTL_UNITS[found[2]]: int(found[1])})
    _check_ttl(ttl)
    return ttl


def check_link_input(account_number: str, pod: str | None) -> tuple[str, str | None]:
    """Validate and normalise what goes into a token; LinkInputError says what is wrong or too long."""
    account_number = account_number.strip()
    if not ACCOUNT_NUMBER_PATTERN.fullmatch(account_number):
        raise LinkInputError(
            f"invalid account number {account_number[:40]!r}: 4 to 32 letters, digits or '-'"
        )
    if pod is not None:
        pod = normalize_pod(pod)
        if not POD_PATTERN.fullmatch(pod):
            raise LinkInputError(
                f"invalid POD {pod[:40]!r}: two letters, three letters or digits, then 8 to 15 letters or digits"
            )
    size = (
        _PREFIX_BYTES
        + _TAG_BYTES
        + _packed_size(_alphabet_for(account_number), len(account_number))
    )
    size += _packed_size(_POD_ALPHABET, len(pod)) if pod else 0
    if size > _MAX_BYTES:
        raise LinkInputError(
            f"account number and POD together make a {-(-size * 4 // 3)}-character token, but "
            f"Telegram allows {MAX_TOKEN_CHARS}: issue the link without the POD"
        )
    return account_number, pod


def issue_token(
    secret: SecretStr,
    account_number: str,
    pod: str | None,
    ttl: timedelta,
    now: datetime | None = None,
) -> str:
    """Sign a token for `account_number` (and `pod`) valid for `ttl`; LinkInputError if it cannot be."""
    account_number, pod = check_link_input(account_number, pod)
    _check_ttl(ttl)
    expiry = int((_aware(now) + ttl).timestamp())
    if not 0 < expiry < 2**32:
        raise LinkInputError("the expiry does not fit in the token (before 1970 or after 2106)")
    alphabet = _alphabet_for(account_number)
    header = (
        VERSION << 13 | alphabet << 11 | (len(account_number) - 1) << 6 | (len(pod) if pod else 0)
    )
    body = (
        _FIXED.pack(header, expiry)
        + random_source.token_bytes(_NONCE_BYTES)
        + _pack(account_number, alphabet)
        + (_pack(pod, _POD_ALPHABET) if pod else b"")
    )
    raw = body + _tag(secret, body)
    assert len(raw) <= _MAX_BYTES  # check_link_input bounds the size
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def verify_token(
    secrets: SecretStr | Sequence[SecretStr], token: str, now: datetime | None = None
) -> LinkClaim:
    """Check a token against the current secret, then previous ones; raise a LinkTokenError if it fails."""
    keys = [secrets] if isinstance(secrets, SecretStr) else list(secrets)
    if not keys:
        raise ValueError("verify_token needs at least one secret")
    raw = _decode(token)
    body, tag = raw[:-_TAG_BYTES], raw[-_TAG_BYTES:]
    # Every key is tried even after a match, so timing does not reveal which one signed it.
    matches = [hmac.compare_digest(_tag(key, body), tag) for key in keys]
    if not any(matches):
        raise ForgedToken("the link's signature is not valid")
    claim = _parse(body)
    if _aware(now) >= claim.expires_at:
        raise ExpiredToken(f"the link expired at {claim.expires_at.isoformat()}")
    return claim


def link_url_cli(args: argparse.Namespace) -> int:
    """`digiwatt-bot link-url ACCOUNT [--pod POD] [--ttl 7d] [--bot-username NAME]`: print the link."""
    from bot.settings import load_settings  # settings are needed only here, not to verify tokens

    try:
        ttl = parse_ttl(args.ttl)
        username = getattr(args, "bot_username", None)
        if username is not None:
            username = _check_username(username)
        # Checked before settings and the network, so a typo is reported at once.
        check_link_input(args.account_number, args.pod)
    except LinkInputError as error:
        print(f"digiwatt-bot link-url: error: {error}", file=sys.stderr)
        return 2

    settings = load_settings()
    if username is None and settings.bot_username:
        try:
            username = _check_username(settings.bot_username)
        except LinkInputError as error:
            print(f"digiwatt-bot link-url: error: BOT_USERNAME: {error}", file=sys.stderr)
            return 2
    if username is None:
        try:
            username = asyncio.run(_fetch_username(settings))
        except Exception as error:  # any failure of getMe gets one line, never a traceback
            # PTB's InvalidToken quotes the token it was given: keep the secret off the terminal.
            reason = str(error).replace(settings.telegram_bot_token.get_secret_value(), "<token>")
            print(
                "digiwatt-bot link-url: error: could not ask Telegram for the bot's username "
                f"({type(error).__name__}: {reason}); pass --bot-username or set BOT_USERNAME",
                file=sys.stderr,
            )
            return 1
    token = issue_token(settings.link_secret, args.account_number, args.pod, ttl)
    print(f"https://t.me/{username}?start={token}")
    return 0


async def _fetch_username(settings: Settings) -> str:
    """The bot's username from getMe, through TELEGRAM_API_URL so a local Bot API server works."""
    from telegram import Bot

    async with Bot(
        settings.telegram_bot_token.get_secret_value(), base_url=settings.telegram_base_url
    ) as bot:
        return _check_username(bot.username)


def _check_username(name: str) -> str:
    name = name.strip().removeprefix("@")
    if not _BOT_USERNAME.fullmatch(name):
        raise LinkInputError(f"invalid bot username {name[:40]!r}: 4 to 32 letters, digits or '_'")
    return name


def _check_ttl(ttl: timedelta) -> None:
    if ttl <= timedelta(0):
        raise LinkInputError("the TTL must be positive, e.g. 30m, 12h, 7d")
    if ttl > MAX_TTL:
        raise LinkInputError(f"the TTL must be at most {MAX_TTL.days} days")


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now


def _tag(secret: SecretStr, body: bytes) -> bytes:
    key = secret.get_secret_value().encode("utf-8")
    return hmac.new(key, _DOMAIN + body, hashlib.sha256).digest()[:_TAG_BYTES]


def _alphabet_for(text: str) -> int:
    return next(i for i, chars in enumerate(_ALPHABETS) if set(text) <= set(chars))


def _packed_size(alphabet: int, length: int) -> int:
    return ((len(_ALPHABETS[alphabet]) ** length - 1).bit_length() + 7) // 8


def _pack(text: str, alphabet: int) -> bytes:
    chars = _ALPHABETS[alphabet]
    value = 0
    for char in text:
        value = value * len(chars) + chars.index(char)
    return value.to_bytes(_packed_size(alphabet, len(text)), "big")


def _unpack(data: bytes, alphabet: int, length: int) -> str:
    chars = _ALPHABETS[alphabet]
    value = int.from_bytes(data, "big")
    if value >= len(chars) ** length:
        raise MalformedToken("the link's content is not valid")
    out = []
    for _ in range(length):
        value, digit = divmod(value, len(chars))
        out.append(chars[digit])
    return "".join(reversed(out))


def _decode(token: str) -> bytes:
    token = token.strip()
    if not 0 < len(token) <= MAX_TOKEN_CHARS or not _TOKEN_CHARS.fullmatch(token):
        raise MalformedToken("the link is not one this bot issued")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError:
        raise MalformedToken("the link is not one this bot issued") from None
    # Spare bits in the last character would let two spellings carry one token.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != token:
        raise MalformedToken("the link is not one this bot issued")
    if len(raw) < _PREFIX_BYTES + _TAG_BYTES + 1:
        raise MalformedToken("the link is too short")
    return raw


def _parse(body: bytes) -> LinkClaim:
    header, expiry = _FIXED.unpack_from(body)
    version, alphabet = header >> 13, header >> 11 & 0b11
    account_length, pod_length = (header >> 6 & 0b11111) + 1, header & 0b111111
    if version != VERSION or alphabet >= len(_ALPHABETS):
        raise MalformedToken(f"unsupported link version {version}")
    account_end = _PREFIX_BYTES + _packed_size(alphabet, account_length)
    pod_end = account_end + (_packed_size(_POD_ALPHABET, pod_length) if pod_length else 0)
    if len(body) != pod_end:
        raise MalformedToken("the link's content is not valid")
    nonce = body[_FIXED.size : _PREFIX_BYTES]
    return LinkClaim(
        token_id=(body[2:6] + nonce).hex(),
        account_number=_unpack(body[_PREFIX_BYTES:account_end], alphabet, account_length),
        pod=_unpack(body[account_end:pod_end], _POD_ALPHABET, pod_length) if pod_length else None,
        expires_at=datetime.fromtimestamp(expiry, UTC),
    )
