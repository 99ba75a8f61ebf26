"""Technical needs (技术需求) posted by enterprises."""

from __future__ import annotations

from matchmaking.common.service import ItemService
from matchmaking.enums import OrgKind
from matchmaking.models import Need
from matchmaking.needs.repository import needs
from matchmaking.needs.schemas import NeedRead

service: ItemService[Need] = ItemService(
    needs,
    natural_key="title",
    org_kinds=frozenset({OrgKind.ENTERPRISE}),
    read_schema=NeedRead,
)
