from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ItemFilters:
    """Filters on lists, recommendations and search. ``None`` means "any"."""

    industry_field: str | None = None
    town: str | None = None
    district: str | None = None
    maturity: str | None = None
    cooperation_mode: str | None = None
    org_id: int | None = None
    status: str | None = None
    external_id: str | None = None

    def any(self) -> bool:
        return any(v is not None for v in self.__dict__.values())
