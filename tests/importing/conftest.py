"""Helpers shared by the import tests: registered organizations and workbook builders."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.enums import OrgKind
from matchmaking.organizations import service as org_service
from matchmaking.organizations.schemas import OrganizationCreate
from tests.conftest import InlineDispatcher

COMPANY = "海门氢能动力科技有限公司"
OTHER_COMPANY = "海门船舶海工装备有限公司"
UNIVERSITY = "同济大学"


@dataclass(frozen=True)
class Orgs:
    company: int
    other_company: int
    university: int


@pytest.fixture
def registered(factory: sessionmaker[Session], dispatcher: InlineDispatcher) -> Orgs:
    """Two companies and a university, registered and committed."""
    with factory() as session:
        ids = [
            org_service.create(
                session, OrganizationCreate(name=name, kind=kind, town="三厂街道")
            ).id
            for name, kind in (
                (COMPANY, OrgKind.ENTERPRISE),
                (OTHER_COMPANY, OrgKind.ENTERPRISE),
                (UNIVERSITY, OrgKind.UNIVERSITY),
            )
        ]
        session.commit()
    return Orgs(*ids)


def xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def edit_first_sheet(data: bytes, edits: dict[str, object]) -> bytes:
    """Set cells of the first sheet (``{"C2": "new"}``) and save, as a user would in Excel."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    for ref, value in edits.items():
        ws[ref] = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def count(factory: sessionmaker[Session], model: type) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0
