"""Request parameters from a query string, JSON, form or multipart body, read the way Telegram does."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from playground.botapi.errors import bad_request

# Parameters that are numbers, flags or JSON objects. Form bodies carry everything as strings
# (python-telegram-bot posts form fields and JSON-encodes the structured ones).
_INTS = {
    "chat_id", "message_id", "from_chat_id", "reply_to_message_id", "message_thread_id",
    "offset", "limit", "cache_time", "max_connections", "user_id", "duration",
    "width", "height", "live_period", "heading", "proximity_alert_radius",
}  # fmt: skip
_FLOATS = {"latitude", "longitude", "horizontal_accuracy", "timeout"}
_BOOLS = {
    "disable_notification", "protect_content", "allow_sending_without_reply", "show_alert",
    "drop_pending_updates", "disable_web_page_preview", "show_caption_above_media", "has_spoiler",
    "allow_paid_broadcast", "for_channels",
}  # fmt: skip
_JSONS = {
    "reply_markup", "entities", "caption_entities", "link_preview_options", "reply_parameters",
    "allowed_updates", "commands", "scope", "media", "menu_button", "message_ids",
    "rights",
}  # fmt: skip
_JSON_ERRORS = {
    "reply_markup": "can't parse reply keyboard markup JSON object",
    "entities": "can't parse entities JSON object",
    "caption_entities": "can't parse entities JSON object",
    "media": "can't parse InputMedia JSON object",
    "commands": "can't parse commands JSON object",
}
_INT_TEXT = re.compile(r"-?\d+")


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


class Params:
    """Normalised parameters: numbers as int, flags as bool, JSON fields decoded."""

    def __init__(self, values: dict[str, Any], files: dict[str, Upload]) -> None:
        self.values = values
        self.files = files

    @classmethod
    async def from_request(cls, request: Request) -> Params:
        """Merge the query string and the body (JSON, urlencoded or multipart), like Telegram."""
        raw: dict[str, Any] = dict(request.query_params)
        files: dict[str, Upload] = {}
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if request.method == "POST":
            if content_type == "application/json":
                body = await request.body()
                if body.strip():
                    try:
                        decoded = json.loads(body)
                    except ValueError as exc:
                        raise bad_request("can't parse JSON") from exc
                    if not isinstance(decoded, dict):
                        raise bad_request("JSON object expected")
                    raw.update(decoded)
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                async with request.form(max_part_size=50 * 1024 * 1024) as form:
                    for key, value in form.multi_items():
                        if isinstance(value, UploadFile):
                            data = await value.read()
                            files[key] = Upload(value.filename, value.content_type, data)
                        else:
                            raw[key] = value
        return cls({k: _normalise(k, v) for k, v in raw.items()}, files)

    # --- typed access ----------------------------------------------------------------------

    def has(self, name: str) -> bool:
        """Whether the parameter was given (and is not null)."""
        return self.values.get(name) is not None

    def get_str(self, name: str, default: str | None = None) -> str | None:
        """A string parameter."""
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, (dict, list)):
            raise bad_request(f"{name} must be a string")
        return value if isinstance(value, str) else json.dumps(value)

    def get_int(self, name: str, *, missing: str | None = None) -> int | None:
        """An integer parameter; `missing` is the error text when it is required and absent."""
        value = self.values.get(name)
        if value is None or value == "":
            if missing:
                raise bad_request(missing)
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad_request(f"invalid {name} specified")
        return value

    def get_float(self, name: str) -> float | None:
        """A number parameter."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad_request(f"invalid {name} specified")
        return float(value)

    def get_bool(self, name: str) -> bool:
        """A flag; absent means False."""
        return bool(self.values.get(name) or False)

    def get_json(self, name: str) -> Any:
        """A JSON-object parameter, already decoded."""
        return self.values.get(name)

    def chat_id(self) -> int | str:
        """chat_id: a number, or '@username' of a public chat."""
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise bad_request("chat not found")
        return value

    def recorded(self) -> dict[str, Any]:
        """What the call log keeps: every parameter, files as name, type and size only."""
        record = dict(self.values)
        for key, upload in self.files.items():
            record[key] = {
                "file": upload.filename,
                "mime_type": upload.content_type,
                "size": len(upload.data),
            }
        return record


def _normalise(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in _INTS and _INT_TEXT.fullmatch(value.strip()):
        return int(value)
    if name in _FLOATS:
        try:
            return float(value)
        except ValueError as exc:
            raise bad_request(f"invalid {name} specified") from exc
    if name in _BOOLS:
        return value.strip().lower() in ("true", "1", "yes")
    if name in _JSONS:
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError as exc:
            raise bad_request(_JSON_ERRORS.get(name, f"can't parse {name} JSON object")) from exc
    return value
