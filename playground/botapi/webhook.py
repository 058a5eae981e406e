"""Webhook delivery: POST each update in order, with Telegram's secret-token header, retrying failures."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import httpx

from playground.world.bots import BotState, Webhook
from playground.world.models import now
from playground.world.state import World

_LOG = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, no secret


class WebhookDelivery:
    """One delivery task per bot with a webhook; one HTTP client shared by all."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._client: httpx.AsyncClient | None = None

    def start(self, bot: BotState) -> None:
        """Make sure the bot's delivery task runs (it follows whatever webhook is set)."""
        if bot.webhook_task is None or bot.webhook_task.done():
            bot.webhook_task = asyncio.get_running_loop().create_task(
                self._deliver(bot), name=f"playground-webhook-{bot.identity.username}"
            )

    def stop(self, bot: BotState) -> None:
        """Stop delivering for this bot."""
        task, bot.webhook_task = bot.webhook_task, None
        if task is not None and not task.done():
            task.cancel()

    async def aclose(self) -> None:
        """Stop every task and close the HTTP client."""
        tasks = [b.webhook_task for b in self.world.bots.values() if b.webhook_task]
        for bot in self.world.bots.values():
            self.stop(bot)
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _deliver(self, bot: BotState) -> None:
        retry = self.world.config.webhook_retry_delay
        while True:
            hook = bot.webhook
            if hook is None:
                return
            update = await bot.updates.next_for_webhook()
            if update is None or bot.webhook is None:
                return
            if bot.webhook is not hook:
                continue
            error = await self._post(hook, update.to_json())
            self.world.journal.add_event(
                "webhook",
                bot.id,
                None,
                {"update_id": update.update_id, "url": hook.url, "error": error},
            )
            if error is None:
                bot.updates.remove(update)
                continue
            hook.last_error_date = now()
            hook.last_error_message = error
            await asyncio.sleep(retry)

    async def _post(self, hook: Webhook, payload: dict) -> str | None:
        """POST one update; the error text getWebhookInfo would show, or None on success."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.world.config.webhook_timeout)
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers[SECRET_HEADER] = hook.secret_token
        try:
            response = await self._client.post(
                hook.url, content=json.dumps(payload), headers=headers
            )
        except httpx.ConnectError:
            return "Connection refused"
        except httpx.TimeoutException:
            return "Read timeout expired"
        except httpx.HTTPError as exc:
            return f"Connection failed: {exc.__class__.__name__}"
        if 200 <= response.status_code < 300:
            return None
        return f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"
