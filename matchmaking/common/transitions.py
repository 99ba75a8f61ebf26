"""State machines as data: a table of allowed moves, and one atomic way to make a move.

Every concept with a life (dockings now; events, visits, contracts next) writes its
moves as ``{(state, action): next_state}`` and moves a row only through
``StateMachine.move``:

- a move the table does not allow is refused with a 409 naming the current state;
- the row moves with one conditional ``UPDATE … WHERE id = :id AND status = :expected``,
  so of two simultaneous moves from the same state exactly one wins, and the loser gets
  a 409 naming the state the winner left (no lost update, no double history);
- the caller's ``record`` callback is handed the ``Transition`` (who, what, from, to,
  when) and writes it to the concept's history table, in the same transaction.

Who may take an action (sides, scope) stays with the concept's service: the table
says what the row may do, the service says who may ask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import update
from sqlalchemy.orm import Session

from matchmaking.enums import LabelledEnum
from matchmaking.exceptions import Conflict
from matchmaking.models.base import utcnow

S = TypeVar("S", bound=LabelledEnum)
A = TypeVar("A")


@dataclass(frozen=True)
class Transition(Generic[S, A]):
    """One move that happened: what to record in the concept's history."""

    row_id: int
    action: A
    before: S
    after: S
    actor_user_id: int | None
    at: datetime


class StateMachine(Generic[S, A]):
    """The allowed moves of one model's status column, and the atomic move."""

    def __init__(
        self,
        model: Any,
        table: Mapping[tuple[S, A], S],
        *,
        noun: str,
        verbs: Mapping[A, str],
        column: str = "status",
    ) -> None:
        missing = {action for _state, action in table} - set(verbs)
        if missing:
            raise TypeError(f"{model.__name__}: no verb for actions {sorted(map(str, missing))}")
        self.model = model
        self.table = dict(table)
        self.noun = noun
        self.verbs = dict(verbs)
        self.column = column

    def actions_from(self, state: S) -> list[A]:
        """The actions the table allows from ``state``, in the table's order."""
        return [action for (source, action) in self.table if source == state]

    def next_state(self, state: S, action: A) -> S:
        """Where ``action`` leads from ``state``; a 409 naming the state if it may not."""
        target = self.table.get((state, action))
        if target is None:
            raise self._refused(state, action)
        return target

    def move(
        self,
        session: Session,
        row: Any,
        action: A,
        *,
        actor_user_id: int | None,
        record: Callable[[Transition[S, A]], None] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> Transition[S, A]:
        """Move ``row`` by ``action`` atomically, set ``values`` with it, and record the move.

        The UPDATE only matches while the row is still in the state it was read in; if
        another request moved it first, the row is read again and the 409 names the
        state it is in now.
        """
        before: S = getattr(row, self.column)
        after = self.next_state(before, action)
        status = getattr(self.model, self.column)
        stmt = (
            update(self.model)
            .where(self.model.id == row.id, status == before)
            .values({self.column: after, **(values or {})})
            .execution_options(synchronize_session="evaluate")
        )
        result: Any = session.execute(stmt)
        if result.rowcount != 1:
            session.refresh(row)
            raise self._refused(getattr(row, self.column), action)
        moved = Transition(
            row_id=row.id,
            action=action,
            before=before,
            after=after,
            actor_user_id=actor_user_id,
            at=utcnow(),
        )
        if record is not None:
            record(moved)
        session.flush()
        return moved

    def _refused(self, state: S, action: A) -> Conflict:
        return Conflict(f"该{self.noun}当前状态为“{state.label}”，不能{self.verbs[action]}")
