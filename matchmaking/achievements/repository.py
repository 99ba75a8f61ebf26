from __future__ import annotations

from matchmaking.common.repository import ItemRepository
from matchmaking.enums import Kind
from matchmaking.models import Achievement


class AchievementRepository(ItemRepository[Achievement]):
    model = Achievement
    kind = Kind.ACHIEVEMENTS
    extra_filters = frozenset({"maturity", "cooperation_mode"})


achievements = AchievementRepository()
