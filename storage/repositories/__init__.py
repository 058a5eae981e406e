"""One module per kind of data; every function takes the update's AsyncSession and never commits.

`from storage.repositories import chats, links, profiles, subscriptions, deliveries, tokens,
audit, erasure`.
"""
