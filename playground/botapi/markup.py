"""reply_markup as Telegram checks it: inline keyboards, reply keyboards, removal, force reply."""

from __future__ import annotations

from typing import Any

from playground.botapi.errors import bad_request
from playground.text.html_mode import checked_url

_INLINE_ACTIONS = (
    "callback_data", "url", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip
MAX_CALLBACK_DATA_BYTES = 64


def parse_markup(value: Any) -> dict[str, Any] | None:
    """A validated, normalised reply_markup (string buttons become {"text": ...}) or None."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("object expected as reply markup")
    if "inline_keyboard" in value:
        return {"inline_keyboard": _inline_rows(value["inline_keyboard"])}
    if "keyboard" in value:
        markup = {k: v for k, v in value.items() if k != "keyboard"}
        markup["keyboard"] = _reply_rows(value["keyboard"])
        return markup
    if value.get("remove_keyboard"):
        return {"remove_keyboard": True, **({"selective": True} if value.get("selective") else {})}
    if value.get("force_reply"):
        return {
            k: v
            for k, v in value.items()
            if k in ("force_reply", "input_field_placeholder", "selective")
        }
    raise bad_request('can\'t find field "inline_keyboard"')


def inline_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Edits accept only inline keyboards; an empty one means no keyboard."""
    if markup is None:
        return None
    if "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    return markup if markup["inline_keyboard"] else None


def _inline_rows(rows: Any) -> list[list[dict[str, Any]]]:
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request('field "inline_keyboard" must be an Array of Array')
    out: list[list[dict[str, Any]]] = []
    for row in rows:
        buttons = []
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request('can\'t find field "text"')
            if not any(key in button for key in _INLINE_ACTIONS):
                raise bad_request("text buttons are unallowed in the inline keyboard")
            if "callback_data" in button:
                data = button["callback_data"]
                if (
                    not isinstance(data, str)
                    or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button and checked_url(str(button["url"])) is None:
                raise bad_request(
                    f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL"
                )
            if not button["text"]:
                raise bad_request("BUTTON_TEXT_INVALID")
            buttons.append(dict(button))
        if buttons:
            out.append(buttons)
    return out


def _reply_rows(rows: Any) -> list[list[dict[str, Any]]]:
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request('field "keyboard" must be an Array of Array')
    out = []
    for row in rows:
        buttons = []
        for button in row:
            if isinstance(button, str):
                button = {"text": button}
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request('can\'t find field "text"')
            buttons.append(dict(button))
        if buttons:
            out.append(buttons)
    if not out:
        raise bad_request("keyboard must be non-empty")
    return out
