"""The playground's in-memory Telegram: users, chats, messages, files, updates and what happened."""
