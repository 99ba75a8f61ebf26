"""Control characters in stored text: the Excel export of everyone must not fail."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.enums import Kind
from matchmaking.exporting.service import export_workbook
from matchmaking.importing.service import import_file
from matchmaking.models import Need
from tests.importing.conftest import COMPANY, Orgs, xlsx

HEADER = ["单位", "需求名称", "需求描述", "行业领域", "合作方式"]
ROWS = [
    [COMPANY, "燃料电池双极板耐腐蚀涂层", "金属双极板腐蚀严重，需要耐腐蚀导电涂层。",
     "氢能与新型储能", "合作开发"],
    [COMPANY, "储氢罐碳纤维缠绕工艺优化", "IV型储氢瓶碳纤维用量大，需要优化缠绕工艺。",
     "氢能与新型储能", "委托开发"],
]  # fmt: skip


def test_needs_holding_nul_esc_and_bel_in_the_database_still_export(
    factory: sessionmaker[Session], registered: Orgs
) -> None:
    # Given two needs, one of them changed behind the API's back to hold control characters
    with factory() as session:
        assert import_file(session, xlsx([HEADER, *ROWS]), "导入.xlsx", Kind.NEEDS).errors == []
        session.execute(
            update(Need)
            .where(Need.title == "燃料电池双极板耐腐蚀涂层")
            .values(title="燃料电池\x00双极板\x1b耐腐蚀\x07涂层", description="第一行\n第二行\x1b")
        )
        session.commit()

    with factory() as session:
        data = export_workbook(session, Kind.NEEDS)

    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    titles = {r[rows[0].index("需求名称*")] for r in rows[1:]}
    assert titles == {"燃料电池双极板耐腐蚀涂层", "储氢罐碳纤维缠绕工艺优化"}
    descriptions = {r[rows[0].index("需求描述*")] for r in rows[1:]}
    assert "第一行\n第二行" in descriptions  # a line break is kept
