"""Contracts in and out of Excel in the registration form's column order."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.accounts.service import principal_for
from matchmaking.enums import ContractStatus, Role
from matchmaking.exceptions import Forbidden, InvalidInput
from matchmaking.models import AuditLog, TechContract
from matchmaking.outcomes import contracts, transfer
from tests.factories import make_user

HEAD = [c.heading for c in transfer.COLUMNS]


def _row(**values: object) -> list[object]:
    base: dict[str, object] = {
        "registration_no": "26320684000101",
        "name": "高性能电池管理系统技术开发",
        "signed_on": "2026-02-10",
        "buyer_name": "海门新能源科技有限公司",
        "buyer_region": "320684",
        "buyer_nature": "企业法人",
        "seller_name": "南通大学",
        "seller_region": "320602",
        "seller_nature": "高等院校",
        "contract_type": "技术开发",
        "contract_subtype": "委托开发",
        "amount_wan": "200",
        "tech_amount_wan": "150",
        "tech_field": "新能源与高效节能",
        "ip_type": "发明专利",
        "authority": "海门区技术合同登记站",
        "registered_on": "2026-03-01",
        "town": "三厂街道",
        **values,
    }
    return [base.get(c.field, "") for c in transfer.COLUMNS]


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.worksheets[0]
    ws.append(HEAD)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEAD)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def test_bad_rows_are_reported_by_number_and_good_rows_kept(
    factory: sessionmaker[Session],
) -> None:
    data = _csv(
        [
            _row(),  # 2: good
            _row(registration_no="26320684000102", tech_amount_wan="300"),  # 3: 交易额 > 成交额
            _row(registration_no="2632068400010", name="x"),  # 4: 13 digits
            _row(registration_no="26320684000104", signed_on="2026-13-01"),  # 5: bad date
            _row(registration_no="26320684000105", name="合同\x1b名称"),  # 6: control char
            _row(registration_no="26320684000106", amount_wan="99999999999"),  # 7: huge
            _row(registration_no="26320684000107", town="火星镇"),  # 8: unknown town
            _row(
                registration_no="",
                registered_on="",
                name="尚未登记的技术服务合同",
                contract_type="技术服务",
                contract_subtype="技术服务",
                status="已签订",
            ),  # 9
            _row(amount_wan="250"),  # 10: the same number again: updates row 2's contract
        ]
    )
    with factory() as session:
        staff = principal_for(make_user(session, role=Role.STAFF))
        report = transfer.import_file(session, staff, data, "登记表.csv")
        rows = session.scalars(select(TechContract).order_by(TechContract.id)).all()
        imported = session.scalar(
            select(func.count(AuditLog.id)).where(AuditLog.action == "import")
        )

    errors = {e.row: e.message for e in report.errors}
    assert (report.total, report.created, report.updated) == (9, 2, 1)
    assert sorted(errors) == [3, 4, 5, 6, 7, 8]
    assert "技术交易额（300 万元）不能大于合同成交额（200 万元）" in errors[3]
    assert "合同登记编号" in errors[4]
    assert "14 位或 16 位数字" in errors[4]
    assert "签订日期" in errors[5]
    assert "控制字符" in errors[6]
    assert "合同成交额（万元）" in errors[7]
    assert "火星镇" in errors[8]
    assert [(r.registration_no, r.amount_wan, r.status) for r in rows] == [
        ("26320684000101", 250, ContractStatus.REGISTERED),
        (None, 200, ContractStatus.SIGNED),
    ]
    assert rows[0].flow.label == "吸纳"
    assert imported == 3


def test_an_export_reads_back_as_updates_only(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        staff = principal_for(make_user(session, role=Role.STAFF))
        first = transfer.import_file(session, staff, _xlsx([_row()]), "a.xlsx")
        assert first.created == 1
        out = transfer.export(session, staff, contracts.ContractFilters())
        ws = load_workbook(io.BytesIO(out)).worksheets[0]
        header = [c.value for c in ws[1]]
        again = transfer.import_file(session, staff, out, "b.xlsx")
        count = session.scalar(select(func.count(TechContract.id)))
    assert header[:3] == ["合同登记编号", "项目名称*", "合同有效期起"]
    assert [c.value for c in ws[2]][0] == "26320684000101"
    assert (again.created, again.updated, again.errors) == (0, 1, [])
    assert count == 1


def test_only_staff_import_and_a_sheet_without_the_columns_is_refused(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session:
        ent = principal_for(make_user(session))
        staff = principal_for(make_user(session, role=Role.STAFF))
        with pytest.raises(Forbidden):
            transfer.import_file(session, ent, _xlsx([_row()]), "a.xlsx")
        with pytest.raises(InvalidInput, match="表头缺少这些列：项目名称"):
            transfer.import_file(session, staff, "名称,金额\n甲,1\n".encode(), "a.csv")
