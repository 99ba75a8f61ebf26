"""The towns list: resolving a name a user picked, and the administrator's edits."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.orm import Session

from matchmaking.accounts.permissions import Principal, require_admin
from matchmaking.exceptions import Conflict, InvalidInput, NotFound
from matchmaking.models import Town
from matchmaking.towns import repository
from matchmaking.towns.schemas import TownCreate, TownUpdate

# 海门区's streets, towns and parks (code, name), in the order the bureau lists them.
# The demo loader and the tests start from this list; a deployment edits it at /admin/towns.
HAIMEN_TOWNS: tuple[tuple[str, str], ...] = (
    ("haimen", "海门街道"),
    ("sanchang", "三厂街道"),
    ("binjiang", "滨江街道"),
    ("linjiang_xinqu", "临江新区"),
    ("haimengang_xinqu", "海门港新区"),
    ("sanxing", "三星镇"),
    ("changle", "常乐镇"),
    ("yuelai", "悦来镇"),
    ("zhengyu", "正余镇"),
    ("baochang", "包场镇"),
    ("yudong", "余东镇"),
    ("sijia", "四甲镇"),
    ("linjiang", "临江镇"),
    ("haiyong", "海永镇"),
)


def seed(session: Session, towns: tuple[tuple[str, str], ...] = HAIMEN_TOWNS) -> int:
    """Add the towns not yet in the table (by name or code); returns how many were added."""
    added = 0
    position = repository.last_position(session)
    for code, name in towns:
        if repository.by_name(session, name) or repository.by_code(session, code):
            continue
        position += 1
        session.add(Town(code=code, name=name, position=position))
        added += 1
    session.flush()
    return added


def listing(session: Session, *, active_only: bool = False) -> list[Town]:
    """The towns in the bureau's order (menus offer the active ones)."""
    return repository.ordered(session, active_only=active_only)


def names(session: Session, *, active_only: bool = False) -> list[str]:
    """The town names in order, for filter menus."""
    return [t.name for t in listing(session, active_only=active_only)]


def resolve(
    session: Session, name: str, *, field: str = "town", current: int | None = None
) -> int | None:
    """The id of the town a user picked by name; "" = none. Unknown names are refused.

    An inactive town is refused too, unless it is the one the row already has
    (``current``), so editing an organization never forces it to move.
    """
    name = name.strip()
    if not name:
        return None
    town = repository.by_name(session, name)
    if town is None or (not town.is_active and town.id != current):
        raise InvalidInput(f"“{name}”不在本区的区镇（街道）列表中，请从列表中选择", field=field)
    return town.id


def get(session: Session, town_id: int) -> Town:
    town = repository.get(session, town_id)
    if town is None:
        raise NotFound(f"区镇 {town_id} 不存在")
    return town


def _check_name_free(session: Session, name: str, town_id: int | None = None) -> None:
    other = repository.by_name(session, name)
    if other is not None and other.id != town_id:
        raise Conflict(f"区镇“{name}”已在列表中", field="name")


def create(session: Session, p: Principal, data: TownCreate) -> Town:
    """Add a town at the end of the list (administrators only)."""
    require_admin(p)
    _check_name_free(session, data.name)
    if repository.by_code(session, data.code) is not None:
        raise Conflict(f"代码“{data.code}”已被使用", field="code")
    town = Town(code=data.code, name=data.name, position=repository.last_position(session) + 1)
    session.add(town)
    session.flush()
    return town


def update(session: Session, p: Principal, town_id: int, data: TownUpdate) -> Town:
    """Rename, deactivate or reactivate a town (administrators only)."""
    require_admin(p)
    town = get(session, town_id)
    if data.name is not None and data.name != town.name:
        _check_name_free(session, data.name, town.id)
        town.name = data.name
    if data.is_active is not None:
        town.is_active = data.is_active
    session.flush()
    return town


def move(session: Session, p: Principal, town_id: int, direction: Literal["up", "down"]) -> None:
    """Move a town one place up or down the list (administrators only)."""
    require_admin(p)
    towns = repository.ordered(session)
    index = next((i for i, t in enumerate(towns) if t.id == town_id), None)
    if index is None:
        raise NotFound(f"区镇 {town_id} 不存在")
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(towns):
        towns[index], towns[other] = towns[other], towns[index]
    for position, town in enumerate(towns, start=1):
        town.position = position
    session.flush()
