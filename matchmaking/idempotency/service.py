"""Look up and store the first answer to a create sent with an idempotency key."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.exceptions import Conflict, InvalidInput
from matchmaking.models import IdempotencyKey

TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Replay:
    """The stored first answer."""

    status_code: int
    body: Any


def request_hash(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path and body (JSON compared by value)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def check_key(key: str) -> str:
    """A key is 1 to 255 visible ASCII characters (a UUID is the usual choice)."""
    if not key or len(key) > MAX_KEY_LENGTH or not all(33 <= ord(c) <= 126 for c in key):
        raise InvalidInput(
            "幂等键（Idempotency-Key）应为 1 至 255 个可见 ASCII 字符，建议使用 UUID",
            field="Idempotency-Key",
        )
    return key


def replay(session: Session, *, user_id: int, key: str, digest: str) -> Replay | None:
    """The first answer to this key, if it is still fresh; another request: 422."""
    row = session.scalars(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == check_key(key),
            IdempotencyKey.created_at >= clock.now() - TTL,
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != digest:
        raise InvalidInput(
            "该幂等键（Idempotency-Key）已用于另一个不同的请求，请为新请求使用新的键",
            field="Idempotency-Key",
        )
    return Replay(row.status_code, row.body)


def remember(
    session: Session, *, user_id: int, key: str, digest: str, status_code: int, body: Any
) -> None:
    """Store the answer with the row it created (the caller's transaction commits both)."""
    expired = clock.now() - TTL
    # Expired keys go: this user's stale copy of the key, and everyone's (indexed by time).
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < expired))
    session.add(
        IdempotencyKey(
            user_id=user_id,
            key=key,
            request_hash=digest,
            status_code=status_code,
            body=body,
            created_at=clock.now(),
        )
    )
    try:
        session.flush()
    except IntegrityError:
        # A concurrent request with the same key got there first (PostgreSQL); this
        # one's work is rolled back with its transaction, and its retry replays.
        raise Conflict(
            "同一幂等键（Idempotency-Key）的请求正在处理，请稍后用同一个键重试"
        ) from None
