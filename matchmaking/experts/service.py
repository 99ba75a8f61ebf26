"""Experts (专家): profiles proposed for needs and expert clinic visits."""

from __future__ import annotations

from matchmaking.common.service import ItemService
from matchmaking.enums import OrgKind
from matchmaking.experts.repository import experts
from matchmaking.experts.schemas import ExpertRead
from matchmaking.models import Expert

service: ItemService[Expert] = ItemService(
    experts, natural_key="name", org_kinds=frozenset(OrgKind), read_schema=ExpertRead
)
