"""The three matchable kinds, their repositories and services, in one place."""

from __future__ import annotations

from typing import Any

from matchmaking.achievements.service import service as achievement_service
from matchmaking.common.service import ItemService
from matchmaking.enums import Kind
from matchmaking.experts.service import service as expert_service
from matchmaking.needs.service import service as need_service

SERVICES: dict[Kind, ItemService[Any]] = {
    Kind.NEEDS: need_service,
    Kind.ACHIEVEMENTS: achievement_service,
    Kind.EXPERTS: expert_service,
}
