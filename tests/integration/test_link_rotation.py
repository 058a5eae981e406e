"""Rotating LINK_SECRET: links signed with the previous secret keep working while it is listed."""

from __future__ import annotations

from pydantic import SecretStr

from bot.app import build_application
from playground.client import PlaygroundClient
from tests.fixtures.app import LINK_SECRET, make_settings, serving
from tests.fixtures.simulator import fresh_customer
from tests.integration.conversation_helpers import LINKED, token_for

NEW_SECRET = "a-brand-new-link-secret-after-rotation-0123"


async def test_an_old_link_works_during_rotation_and_not_after(
    botapi_url: str, simulator_url: str, db_url: str, playground: PlaygroundClient
) -> None:
    customer_a, customer_b = fresh_customer(), fresh_customer()
    during = make_settings(
        botapi_url,
        simulator_url,
        db_url,
        link_secret=SecretStr(NEW_SECRET),
        link_secret_previous=LINK_SECRET,
    )
    application = build_application(during)
    async with serving(application):
        anna = await playground.create_user("Anna")
        await playground.start(anna.id, token_for(customer_a, secret=LINK_SECRET))
        await playground.next_message(anna.id, LINKED, timeout=20)

    after = make_settings(botapi_url, simulator_url, db_url, link_secret=SecretStr(NEW_SECRET))
    application = build_application(after)
    async with serving(application):
        bruno = await playground.create_user("Bruno")
        await playground.start(bruno.id, token_for(customer_b, secret=LINK_SECRET))
        answer = await playground.next_message(bruno.id, timeout=20)
        assert LINKED not in answer.content
