"""getUpdates, setWebhook, deleteWebhook, getWebhookInfo."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from playground.botapi.errors import bad_request, conflict
from playground.botapi.params import Params
from playground.botapi.registry import Context, method
from playground.world.bots import Webhook
from playground.world.updates import PollConflict

_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@method("getUpdates")
async def get_updates(ctx: Context, p: Params) -> list[dict[str, Any]]:
    """Long polling: confirm by offset, return pending updates or wait up to `timeout` seconds."""
    bot = ctx.bot
    if bot.webhook is not None:
        raise conflict(
            "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
        )
    limit = p.get_int("limit") or 100
    limit = min(max(limit, 1), 100)
    timeout = min(max(0.0, p.get_float("timeout") or 0.0), ctx.world.config.max_poll_timeout)
    allowed = p.get_json("allowed_updates")
    if allowed is not None and not isinstance(allowed, list):
        raise bad_request("can't parse allowed_updates JSON object")
    bot.updates.set_allowed(allowed)
    try:
        updates = await bot.updates.poll(p.get_int("offset"), limit, timeout)
    except PollConflict:
        raise conflict(
            "terminated by other getUpdates request; make sure that only one bot instance is running"
        ) from None
    if bot.webhook is not None:  # set while this poll waited
        return []
    return [u.to_json() for u in updates]


@method("setWebhook")
async def set_webhook(ctx: Context, p: Params) -> bool:
    """Deliver updates by POSTing them to `url` (with the secret token header, if any)."""
    url = (p.get_str("url") or "").strip()
    if not url:
        return await delete_webhook(ctx, p)
    parts = urlsplit(url)
    allowed_schemes = ("https", "http") if ctx.world.config.allow_http_webhooks else ("https",)
    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.get_str("secret_token")
    if secret is not None and not _SECRET.fullmatch(secret):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    allowed = p.get_json("allowed_updates")
    if allowed is not None and not isinstance(allowed, list):
        raise bad_request("can't parse allowed_updates JSON object")
    if p.get_bool("drop_pending_updates"):
        ctx.bot.updates.drop_pending()
    ctx.bot.updates.set_allowed(allowed)
    ctx.bot.webhook = Webhook(
        url=url,
        secret_token=secret,
        max_connections=p.get_int("max_connections") or 40,
        allowed_updates=allowed,
        ip_address=p.get_str("ip_address"),
    )
    ctx.webhooks.start(ctx.bot)
    return True


@method("deleteWebhook")
async def delete_webhook(ctx: Context, p: Params) -> bool:
    """Back to getUpdates; drop_pending_updates forgets what is queued."""
    ctx.bot.webhook = None
    ctx.webhooks.stop(ctx.bot)
    if p.get_bool("drop_pending_updates"):
        ctx.bot.updates.drop_pending()
    return True


@method("getWebhookInfo")
async def get_webhook_info(ctx: Context, p: Params) -> dict[str, Any]:
    """The webhook and its delivery state (url is empty when polling)."""
    hook = ctx.bot.webhook
    info: dict[str, Any] = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(ctx.bot.updates.pending),
    }
    if hook is not None:
        info["max_connections"] = hook.max_connections
        if hook.ip_address:
            info["ip_address"] = hook.ip_address
        if hook.allowed_updates is not None:
            info["allowed_updates"] = hook.allowed_updates
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
    return info
