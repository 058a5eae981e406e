"""The bot's database: models, repositories, PTB persistence and migrations (SQLite or PostgreSQL).

Typical use in a handler (one session and one transaction per update; repositories never commit):

    async with transaction(sessionmaker) as session:
        chat = await chats.upsert_from_update(session, update)
        link = await links.get_link(session, chat.id)
"""

from storage.db import create_engine, make_sessionmaker, transaction
from storage.migrate import upgrade
from storage.repositories.erasure import Erasure, erase_chat
from storage.repositories.links import LinkLimitReached

__all__ = [
    "Erasure",
    "LinkLimitReached",
    "create_engine",
    "erase_chat",
    "make_sessionmaker",
    "transaction",
    "upgrade",
]
