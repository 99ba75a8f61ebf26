"""Idempotency keys: a create retried with the same key gets its first answer again.

A client that lost the answer to a POST (a crash, a cut connection) cannot know
whether the row was made. Sent with an ``Idempotency-Key`` header, the first
answer is stored with the row in one transaction: a retry replays it (same status
and body, no second row), the same key with another request is refused, and keys
expire after ``TTL``.
"""

from matchmaking.idempotency.service import TTL, Replay, remember, replay, request_hash

__all__ = ["TTL", "Replay", "remember", "replay", "request_hash"]
