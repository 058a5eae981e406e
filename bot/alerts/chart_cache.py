"""The day's green timeline, rendered and uploaded once, then re-sent by its Telegram file_id.

Greenness is the same for everyone, so one picture per day and language serves every
subscriber (per zone too, for the few whose clock differs from the grid's): rendering one per
user at 25 messages a second would take whole cores.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.charts import ChartError, ChartKind
from bot.digiwatt.models import Greenness

log = logging.getLogger(__name__)

# After a render failure, alerts go without a picture for a while rather than retrying each time.
RENDER_RETRY_SECONDS = 600.0

Render = Callable[[ChartKind, Greenness, str], Awaitable[bytes]]


@dataclass(frozen=True, slots=True)
class ChartKey:
    day: date
    lang: str
    zone: str  # the zone the hours are labelled in


def chart_zone(greenness: Greenness, zone: str) -> str:
    """The zone to label the chart in: the grid's own unless the subscriber's clock differs."""
    if zone == greenness.timezone:
        return zone
    try:
        mine, theirs = ZoneInfo(zone), ZoneInfo(greenness.timezone)
    except (ValueError, KeyError):
        return greenness.timezone
    same = all(
        h.start.astimezone(mine).utcoffset() == h.start.astimezone(theirs).utcoffset()
        for h in greenness.hourly
    )
    return greenness.timezone if same else zone


class ChartCache:
    """file_ids of the uploaded timelines, and the rendered image until its first upload."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._file_ids: dict[ChartKey, str] = {}
        self._images: dict[ChartKey, bytes] = {}
        self._locks: dict[ChartKey, asyncio.Lock] = {}
        self._failed: dict[ChartKey, float] = {}
        self._clock = clock
        self.renders = 0
        self.uploads = 0

    def key(self, greenness: Greenness, lang: str, zone: str) -> ChartKey:
        return ChartKey(greenness.date, lang, chart_zone(greenness, zone))

    def file_id(self, key: ChartKey) -> str | None:
        return self._file_ids.get(key)

    def lock(self, key: ChartKey) -> asyncio.Lock:
        """Held while the first upload of `key` is in flight, so it happens once."""
        return self._locks.setdefault(key, asyncio.Lock())

    async def image(self, key: ChartKey, greenness: Greenness, render: Render) -> bytes | None:
        """The picture for `key`, rendered on first use; None when it cannot be drawn now."""
        image = self._images.get(key)
        if image is not None:
            return image
        failed = self._failed.get(key)
        if failed is not None and self._clock() - failed < RENDER_RETRY_SECONDS:
            return None
        data = greenness.model_copy(update={"timezone": key.zone})
        try:
            image = await render(ChartKind.GREENNESS, data, key.lang)
        except ChartError:
            log.warning("green timeline for %s could not be drawn: sending text only", key)
            self._failed[key] = self._clock()
            return None
        self.renders += 1
        self._images[key] = image
        return image

    def uploaded(self, key: ChartKey, file_id: str) -> None:
        """Remember the file_id; the bytes are not needed any more. Older days are dropped."""
        self.uploads += 1
        self._file_ids[key] = file_id
        self._images.pop(key, None)
        old = key.day - timedelta(days=1)
        for table in (self._file_ids, self._images, self._locks, self._failed):
            for stale in [k for k in table if k.day < old]:
                del table[stale]

    def forget(self, key: ChartKey) -> None:
        """Telegram refused the file_id: upload again next time."""
        self._file_ids.pop(key, None)
