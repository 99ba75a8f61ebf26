"""The ``Idempotency-Key`` header on the API's create endpoints.

A route takes ``IdempotencyDep`` and runs its create through it: without a key
nothing changes; with one, a retry replays the first answer (same status and
body, header ``Idempotent-Replayed: true``) and makes no second row. The answer is
stored in the request's transaction, so it exists exactly when the row does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from matchmaking import idempotency
from matchmaking.idempotency.service import MAX_KEY_LENGTH
from web.deps import PrincipalDep

HEADER = "Idempotency-Key"
KeyHeader = Annotated[
    str | None,
    Header(
        alias=HEADER,
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description=(
            "幂等键（建议 UUID）：同一键的重试返回第一次的结果，不会重复创建；24 小时后失效"
        ),
    ),
]


@dataclass(frozen=True)
class Idempotent:
    key: str | None = None
    digest: str = ""
    user_id: int | None = None

    def run(self, session: Session, create: Callable[[], Any], *, status_code: int) -> Any:
        """``create()``'s answer, or the stored first answer to this key."""
        if self.key is None or self.user_id is None:
            return create()
        user_id, key, digest = self.user_id, self.key, self.digest
        stored = idempotency.replay(session, user_id=user_id, key=key, digest=digest)
        if stored is not None:
            return JSONResponse(
                stored.body,
                status_code=stored.status_code,
                headers={"Idempotent-Replayed": "true"},
            )
        body = jsonable_encoder(create())
        idempotency.remember(
            session, user_id=user_id, key=key, digest=digest, status_code=status_code, body=body
        )
        return JSONResponse(body, status_code=status_code)


async def get_idempotency(
    request: Request, principal: PrincipalDep, key: KeyHeader = None
) -> Idempotent:
    """The key and what the request was (anonymous requests are refused by the route)."""
    if key is None or not principal.is_authenticated:
        return Idempotent()
    digest = idempotency.request_hash(request.method, request.url.path, await request.body())
    return Idempotent(key, digest, principal.user_id)


IdempotencyDep = Annotated[Idempotent, Depends(get_idempotency)]
