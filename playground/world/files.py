"""Files the bot or a user uploaded: stable ids, Telegram-like photo sizes, bytes for downloads."""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError

# Telegram keeps the largest size of a photo and adds smaller ones; 90 px is its "s" thumbnail.
THUMBNAIL_SIDE = 90
MAX_PHOTO_SIDES_SUM = 10_000
MAX_PHOTO_RATIO = 20


class PhotoError(ValueError):
    """The bytes are not a photo Telegram would accept; the message is Telegram's error text."""


@dataclass(frozen=True)
class StoredFile:
    """One stored file; `file_path` is what getFile returns and /file/bot<token>/ serves."""

    file_id: str
    file_unique_id: str
    kind: str  # photo, sticker, document
    data: bytes
    mime_type: str
    file_path: str
    width: int | None = None
    height: int | None = None

    @property
    def file_size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    def photo_size(self) -> dict[str, Any]:
        """The Bot API `PhotoSize` object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
            "width": self.width or 0,
            "height": self.height or 0,
        }

    def file_json(self) -> dict[str, Any]:
        """The Bot API `File` object getFile returns."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
            "file_path": self.file_path,
        }


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}


class FileStore:
    """All files by id and by path; identical bytes of the same kind share one entry."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._photos: dict[str, list[StoredFile]] = {}  # largest file_id -> all sizes

    def clear(self) -> None:
        """Forget every file."""
        self._by_id.clear()
        self._by_path.clear()
        self._photos.clear()

    def get(self, file_id: str) -> StoredFile | None:
        """The file with this file_id or file_unique_id."""
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        """The file getFile gave this path to."""
        return self._by_path.get(file_path)

    def put(
        self,
        data: bytes,
        *,
        kind: str,
        mime_type: str,
        width: int | None = None,
        height: int | None = None,
    ) -> StoredFile:
        """Store bytes and give them ids; storing the same bytes again returns the same entry."""
        digest = hashlib.sha256(kind.encode() + b"\0" + data).digest()
        unique = "AQAD" + _b64(digest[:9])
        existing = self._by_id.get(unique)
        if existing is not None:
            return existing
        prefix = {"photo": "AgAC", "sticker": "CAAC"}.get(kind, "BQAC")
        file_id = prefix + _b64(hashlib.sha256(b"file_id" + digest).digest()[:30])
        ext = _EXTENSIONS.get(mime_type, "bin")
        folder = {"photo": "photos", "sticker": "stickers"}.get(kind, "documents")
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique,
            kind=kind,
            data=data,
            mime_type=mime_type,
            file_path=f"{folder}/file_{len(self._by_path)}.{ext}",
            width=width,
            height=height,
        )
        self._by_id[file_id] = stored
        self._by_id[unique] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def put_photo(self, data: bytes) -> list[StoredFile]:
        """Store a photo as Telegram does: its sizes, smallest first, the original bytes largest."""
        if not data:
            raise PhotoError("file must be non-empty")
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                width, height = image.size
                mime = Image.MIME.get(image.format or "", "image/jpeg")
                thumb = _thumbnail(image) if max(width, height) > THUMBNAIL_SIDE else None
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise PhotoError("IMAGE_PROCESS_FAILED") from exc
        if width + height > MAX_PHOTO_SIDES_SUM or max(width, height) > MAX_PHOTO_RATIO * min(
            width, height
        ):
            raise PhotoError("PHOTO_INVALID_DIMENSIONS")
        original = self.put(data, kind="photo", mime_type=mime, width=width, height=height)
        sizes = [original]
        if thumb is not None:
            thumb_bytes, (tw, th) = thumb
            sizes.insert(
                0, self.put(thumb_bytes, kind="photo", mime_type="image/jpeg", width=tw, height=th)
            )
        self._photos[original.file_id] = sizes
        return sizes

    def photo_sizes(self, file_id: str) -> list[StoredFile] | None:
        """All sizes of the photo one of whose sizes has this id (to resend a photo by file_id)."""
        stored = self.get(file_id)
        if stored is None or stored.kind != "photo":
            return None
        for sizes in self._photos.values():
            if stored in sizes:
                return list(sizes)
        return [stored]


def _thumbnail(image: Image.Image) -> tuple[bytes, tuple[int, int]]:
    small = image.convert("RGB")
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue(), small.size
