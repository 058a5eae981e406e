"""The opt-in weekly recap (Sunday evening): the week against the one before, and what to try next."""

from __future__ import annotations

import asyncio

from bot.alerts.messages import recap_text
from bot.digiwatt.client import DigiwattClient
from bot.digiwatt.models import Period

# On Sunday evening the week that is ending is "this week": Monday to now, compared with the
# same stretch of the week before.
RECAP_PERIOD = Period.THIS_WEEK


async def weekly_recap(digiwatt: DigiwattClient, account_number: str, lang: str) -> str:
    """The recap text for one account; Digiwatt errors propagate (the sender retries them)."""
    totals, saving = await asyncio.gather(
        digiwatt.totals(account_number, RECAP_PERIOD), digiwatt.saving(account_number)
    )
    return recap_text(totals, saving, lang)
