"""Photos in requests: an uploaded part, attach://name, a known file_id, or a URL."""

from __future__ import annotations

from playground.botapi.errors import ApiError, bad_request
from playground.botapi.params import Params
from playground.botapi.registry import Context
from playground.world.files import PhotoError, StoredFile

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # what bots may upload through the Bot API


def photo_from(ctx: Context, p: Params, name: str, value: object = None) -> list[StoredFile]:
    """The photo sizes for parameter `name` (or an InputMedia's `media` value)."""
    if value is None:
        upload = p.files.get(name)
        value = upload if upload is not None else p.values.get(name)
    if isinstance(value, str) and value.startswith("attach://"):
        attached = p.files.get(value[len("attach://") :])
        if attached is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        value = attached
    if value is None or value == "":
        raise bad_request(f"there is no {name} in the request")
    if isinstance(value, str):
        if value.startswith(("http://", "https://")):
            # Telegram would download it; the playground is offline by design.
            raise bad_request("failed to get HTTP URL content")
        sizes = ctx.world.files.photo_sizes(value)
        if sizes is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return sizes
    data = getattr(value, "data", None)
    if not isinstance(data, bytes):
        raise bad_request(f"there is no {name} in the request")
    try:
        return ctx.world.files.put_photo(data)
    except PhotoError as exc:
        raise bad_request(str(exc)) from exc


def document_from(ctx: Context, p: Params, name: str) -> tuple[StoredFile, str | None]:
    """A document upload (any bytes) or a known file_id, with the file name to show."""
    upload = p.files.get(name)
    value: object = upload if upload is not None else p.values.get(name)
    if isinstance(value, str) and value.startswith("attach://"):
        value = p.files.get(value[len("attach://") :])
    if isinstance(value, str) and value:
        if value.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        stored = ctx.world.files.get(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored, None
    data = getattr(value, "data", None)
    if not isinstance(data, bytes):
        raise bad_request(f"there is no {name} in the request")
    if not data:
        raise bad_request("file must be non-empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApiError(413, "Request Entity Too Large")
    mime = getattr(value, "content_type", None) or "application/octet-stream"
    stored = ctx.world.files.put(data, kind="document", mime_type=mime)
    return stored, getattr(value, "filename", None)
