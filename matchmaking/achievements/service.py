"""Research achievements (科技成果) offered by universities and institutes."""

from __future__ import annotations

from matchmaking.achievements.repository import achievements
from matchmaking.achievements.schemas import AchievementRead
from matchmaking.common.service import ItemService
from matchmaking.enums import OrgKind
from matchmaking.models import Achievement

service: ItemService[Achievement] = ItemService(
    achievements,
    natural_key="title",
    org_kinds=frozenset({OrgKind.UNIVERSITY, OrgKind.INSTITUTE, OrgKind.ENTERPRISE}),
    read_schema=AchievementRead,
)
