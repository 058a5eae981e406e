"""What PlaygroundClient returns: plain, frozen snapshots of the control API's JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class PlaygroundError(Exception):
    """The control API refused a request (unknown user, no such button, ...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class PlaygroundTimeout(AssertionError):
    """The bot did not do what a test waited for in time (an AssertionError, so pytest shows it)."""


@dataclass(frozen=True)
class User:
    """A simulated user; in a private chat, `id` is also the chat id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> User:
        """From the control API's user JSON."""
        return cls(
            id=data["id"],
            first_name=data["first_name"],
            last_name=data.get("last_name"),
            username=data.get("username"),
            language_code=data.get("language_code"),
        )


@dataclass(frozen=True)
class Button:
    """An inline keyboard button."""

    text: str
    callback_data: str | None = None
    url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class ChatMessage:
    """One message as the user's client shows it (a snapshot taken when it was sent or edited)."""

    message_id: int
    chat_id: int
    from_bot: bool
    sender_id: int
    date: int
    kind: str  # text, photo, document, sticker, location, contact, service
    text: str | None
    caption: str | None
    entities: list[dict[str, Any]]
    caption_entities: list[dict[str, Any]]
    html: str
    buttons: list[list[Button]]
    reply_markup: dict[str, Any] | None
    photo_url: str | None
    photo: list[dict[str, Any]] | None
    document: dict[str, Any] | None
    document_url: str | None
    sticker: dict[str, Any] | None
    location: dict[str, Any] | None
    edited: bool
    reply_to_message_id: int | None
    silent: bool
    raw: dict[str, Any] = field(compare=False, repr=False)

    @classmethod
    def from_view(cls, view: dict[str, Any]) -> ChatMessage:
        """From the control API's message view."""
        rows = view.get("inline_keyboard") or []
        return cls(
            message_id=view["message_id"],
            chat_id=view["chat_id"],
            from_bot=view["from_bot"],
            sender_id=view["from"]["id"],
            date=view["date"],
            kind=view["kind"],
            text=view.get("text"),
            caption=view.get("caption"),
            entities=view.get("entities") or [],
            caption_entities=view.get("caption_entities") or [],
            html=view.get("html") or "",
            buttons=[
                [Button(b["text"], b.get("callback_data"), b.get("url"), b) for b in row]
                for row in rows
            ],
            reply_markup=view.get("reply_markup"),
            photo_url=view.get("photo_url"),
            photo=view.get("photo"),
            document=view.get("document"),
            document_url=view.get("document_url"),
            sticker=view.get("sticker"),
            location=view.get("location"),
            edited=view.get("edited", False),
            reply_to_message_id=view.get("reply_to_message_id"),
            silent=view.get("silent", False),
            raw=view,
        )

    @property
    def content(self) -> str:
        """The text, or the caption of a photo or document ('' when neither)."""
        return self.text or self.caption or ""

    @property
    def button_texts(self) -> list[str]:
        """The inline buttons' labels, row by row flattened."""
        return [b.text for row in self.buttons for b in row]

    def button(self, text: str) -> Button:
        """The inline button with this label (KeyError with the labels there are)."""
        for row in self.buttons:
            for b in row:
                if b.text == text:
                    return b
        raise KeyError(f"no button {text!r}; buttons: {self.button_texts}")

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """Labels of the reply keyboard sent with this message, if it sent one."""
        markup = self.reply_markup or {}
        if "keyboard" not in markup:
            return None
        return [[b["text"] for b in row] for row in markup["keyboard"]]

    @property
    def removes_keyboard(self) -> bool:
        """Whether this message removed the reply keyboard."""
        return bool((self.reply_markup or {}).get("remove_keyboard"))


@dataclass(frozen=True)
class ChatState:
    """A chat's history and input field as its user sees them now."""

    chat: dict[str, Any]
    messages: list[ChatMessage]
    reply_keyboard: dict[str, Any] | None
    force_reply: dict[str, Any] | None
    action: dict[str, Any] | None
    commands: list[dict[str, str]]
    menu_button: dict[str, Any]
    blocked: bool
    started: bool
    last_seq: int
    raw: dict[str, Any] = field(compare=False, repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChatState:
        """From the control API's chat view."""
        return cls(
            chat=data["chat"],
            messages=[ChatMessage.from_view(m) for m in data["messages"]],
            reply_keyboard=data.get("reply_keyboard"),
            force_reply=data.get("force_reply"),
            action=data.get("action"),
            commands=data.get("commands") or [],
            menu_button=data.get("menu_button") or {},
            blocked=data.get("blocked", False),
            started=data.get("started", False),
            last_seq=data["last_seq"],
            raw=data,
        )

    @property
    def keyboard_labels(self) -> list[list[str]] | None:
        """The reply keyboard's labels under the input field, or None when there is none."""
        if not self.reply_keyboard:
            return None
        return [[b["text"] for b in row] for row in self.reply_keyboard["keyboard"]]


@dataclass(frozen=True)
class Call:
    """A Bot API call the bot made."""

    seq: int
    bot: str | None
    method: str
    params: dict[str, Any]
    ok: bool
    error_code: int | None
    description: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Call:
        """From the control API's call JSON."""
        return cls(
            seq=data["seq"],
            bot=data.get("bot"),
            method=data["method"],
            params=data["params"],
            ok=data["ok"],
            error_code=data.get("error_code"),
            description=data.get("description"),
        )


@dataclass(frozen=True)
class Press:
    """The result of pressing a button: a callback query for the bot, or a URL to open."""

    callback_query_id: str | None
    url: str | None
    update_id: int | None
    seq: int


@dataclass(frozen=True)
class CallbackAnswer:
    """How the bot answered a callback query (answered is False if it has not, yet)."""

    id: str
    answered: bool
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
