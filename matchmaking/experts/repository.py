from __future__ import annotations

from sqlalchemy import ColumnElement, literal

from matchmaking.common.repository import ItemRepository
from matchmaking.enums import Kind
from matchmaking.models import Expert


class ExpertRepository(ItemRepository[Expert]):
    model = Expert
    kind = Kind.EXPERTS

    def field_clause(self, field: str) -> ColumnElement[bool]:
        # fields holds codes joined by ";": match a whole code, not a substring.
        return (literal(";") + Expert.fields + literal(";")).contains(f";{field};")


experts = ExpertRepository()
