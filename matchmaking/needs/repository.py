from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, or_

from matchmaking.common.repository import ItemRepository
from matchmaking.enums import OPEN_NEED_STATUSES, Kind
from matchmaking.models import Need


class NeedRepository(ItemRepository[Need]):
    model = Need
    kind = Kind.NEEDS
    extra_filters = frozenset({"cooperation_mode"})

    def status_clause(self, today: date) -> ColumnElement[bool]:
        # Open or in docking, and not past its deadline.
        return and_(
            Need.status.in_([s.value for s in OPEN_NEED_STATUSES]),
            or_(Need.deadline.is_(None), Need.deadline >= today),
        )


needs = NeedRepository()
