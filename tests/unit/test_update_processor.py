"""Updates of one chat never overlap; updates of different chats do."""

import asyncio

from telegram import Chat, Message, Update

from bot.update_processor import PerChatUpdateProcessor


def _update(update_id: int, chat_id: int) -> Update:
    chat = Chat(id=chat_id, type=Chat.PRIVATE)
    message = Message(message_id=update_id, date=None, chat=chat, text="x")  # type: ignore[arg-type]
    return Update(update_id=update_id, message=message)


async def test_same_chat_runs_in_order_other_chats_overlap() -> None:
    processor = PerChatUpdateProcessor(8)
    events: list[tuple[str, int]] = []
    running: set[int] = set()
    overlapped_same_chat = False
    overlapped_other_chat = False

    async def handler(update_id: int, chat_id: int) -> None:
        nonlocal overlapped_same_chat, overlapped_other_chat
        overlapped_same_chat |= chat_id in running
        overlapped_other_chat |= bool(running - {chat_id})
        running.add(chat_id)
        events.append(("start", update_id))
        await asyncio.sleep(0.01)
        running.discard(chat_id)

    async with processor:
        await asyncio.gather(
            *(
                processor.process_update(_update(i, chat), handler(i, chat))
                for i, chat in [(1, 100), (2, 100), (3, 200), (4, 100)]
            )
        )
    assert not overlapped_same_chat
    assert overlapped_other_chat
    chat_100 = [uid for kind, uid in events if uid in (1, 2, 4)]
    assert chat_100 == [1, 2, 4]
    assert processor._locks == {}
