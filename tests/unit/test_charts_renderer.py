"""The renderer draws charts in worker processes: same pictures, a responsive loop, self-healing."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import time

import pytest
from PIL import Image

from bot.charts import ChartError, ChartKind, ChartRenderer, ChartTimeout, image_size
from bot.charts.render import render_chart
from tests.unit.test_charts import CASES, greenness, trend


async def heartbeat(lags: list[float], stop: asyncio.Event) -> None:
    """Tick every millisecond and record how late each tick was: the loop's responsiveness."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.001)
        lags.append(time.perf_counter() - started - 0.001)


@pytest.mark.slow
async def test_pool_renders_the_same_pictures_and_keeps_the_loop_responsive() -> None:
    async with ChartRenderer(workers=2) as renderer:
        assert len(set(renderer.worker_pids)) == 2  # both warm before the first user
        assert renderer.warm_up_seconds is not None

        requests = [
            (kind, CASES[kind](), "it" if i % 2 else "en") for i, kind in enumerate(ChartKind)
        ]
        lags: list[float] = []
        stop = asyncio.Event()
        beating = asyncio.create_task(heartbeat(lags, stop))
        images = await asyncio.gather(*(renderer.render(*request) for request in requests))
        stop.set()
        await beating

    for (kind, data, lang), image in zip(requests, images, strict=True):
        picture = Image.open(io.BytesIO(image))
        assert picture.format == "JPEG"
        assert picture.size == image_size(kind)
        assert image == render_chart(kind, data, lang)  # the worker draws what we would
    # Loose on purpose (a shared CI machine); the real figures are in benchmarks/charts.py.
    assert lags
    assert max(lags) < 0.5


@pytest.mark.slow
async def test_a_killed_worker_is_replaced_and_the_render_retried() -> None:
    async with ChartRenderer(workers=1) as renderer:
        (victim,) = renderer.worker_pids
        os.kill(victim, signal.SIGKILL)
        image = await renderer.render(ChartKind.GREENNESS, greenness(), "it")
        assert Image.open(io.BytesIO(image)).size == image_size(ChartKind.GREENNESS)
        assert renderer.worker_pids
        assert victim not in renderer.worker_pids


@pytest.mark.slow
async def test_a_render_that_overruns_its_timeout_fails_cleanly_and_the_next_works() -> None:
    async with ChartRenderer(workers=1, timeout=0.0001) as renderer:
        with pytest.raises(ChartTimeout):
            await renderer.render(ChartKind.TREND, trend(), "en")
        renderer.timeout = 30
        image = await renderer.render(ChartKind.TREND, trend(), "en")
        assert Image.open(io.BytesIO(image)).size == image_size(ChartKind.TREND)


async def test_wrong_data_and_closed_renderer_are_reported() -> None:
    renderer = ChartRenderer(workers=1)
    with pytest.raises(TypeError, match="takes Trend"):
        await renderer.render(ChartKind.TREND, greenness(), "en")
    with pytest.raises(ValueError, match="not-a-chart"):
        await renderer.render("not-a-chart", trend(), "en")
    await renderer.close()
    with pytest.raises(ChartError):
        await renderer.render(ChartKind.TREND, trend(), "en")
