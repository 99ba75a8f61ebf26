"""JSON API: docking requests (being written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/dockings", tags=["dockings 对接"])
