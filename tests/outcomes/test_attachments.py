"""Attachments of agreements, contracts and payments: what staff upload comes back byte for
byte to those who may see the record, and nothing else gets in or out."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.accounts.service import principal_for
from matchmaking.attachments import service as attachments
from matchmaking.attachments import storage
from matchmaking.config import Settings
from matchmaking.enums import AttachmentOwner, AuditAction, Role
from matchmaking.exceptions import InvalidInput
from matchmaking.migrate import alembic_config, upgrade
from matchmaking.models import Attachment, AuditLog, CooperationAgreement
from matchmaking.outcomes import contracts
from matchmaking.outcomes.schemas import PaymentCreate
from tests.factories import make_agreement, make_contract, make_org, make_token, make_user
from tests.outcomes.test_migration import empty_url
from tests.web.pages_helpers import csrf, login, soup

__all__ = ["empty_url"]

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """A cap of 1 MB, so that "over the cap" is a small file in these tests."""
    return Settings(data_dir=tmp_path / "var", database_url=db_url, attachment_max_mb=1)


@dataclass
class World:
    agreement: int
    contract: int
    other_contract: int  # in 正余镇, between other companies
    api: dict[str, TestClient]
    root: Path


@pytest.fixture
def world(
    factory: sessionmaker[Session], make_client: Callable[..., TestClient], settings: Settings
) -> World:
    with factory() as session:
        company = make_org(session)  # 三厂街道
        university = make_org(session, kind="university")
        stranger = make_org(session)
        far = make_org(session, town="正余镇")
        agreement = make_agreement(session, company_org_id=company.id, partner_org_id=university.id)
        contract = make_contract(session, buyer_org_id=company.id, seller_org_id=university.id)
        other = make_contract(session, buyer_org_id=far.id)
        users = {
            "staff": make_user(session, role=Role.STAFF, username="district_staff"),
            "staff_sc": make_user(session, role=Role.STAFF, username="sc_staff", town="三厂街道"),
            "staff_zy": make_user(session, role=Role.STAFF, username="zy_staff", town="正余镇"),
            "company": make_user(session, username="company_user", org_id=company.id),
            "university": make_user(
                session, role=Role.UNIVERSITY, username="uni_user", org_id=university.id
            ),
            "stranger": make_user(session, username="stranger_user", org_id=stranger.id),
        }
        tokens = {role: make_token(session, user) for role, user in users.items()}
        ids = agreement.id, contract.id, other.id
        session.commit()
    api = {role: make_client(token) for role, token in tokens.items()}
    return World(*ids, api=api, root=settings.attachment_dir)


def _upload(
    client: TestClient,
    path: str,
    data: bytes,
    name: str = "合同扫描件.pdf",
    kind: str = "",
    **form: str,
) -> httpx.Response:
    return client.post(
        path,
        files={"file": (name, data, "application/pdf")},
        data={"kind": kind, **form} if kind or form else None,
    )


def _stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _rows(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(Attachment)) or 0)


# -- round trip ------------------------------------------------------------------------
def test_a_scan_comes_back_byte_for_byte_with_its_chinese_name(world: World) -> None:
    # Given staff upload the contract's 登记证明
    name = "技术合同 登记证明（2026）.pdf"
    made = world.api["staff"].post(
        f"/api/v1/contracts/{world.contract}/attachments",
        files={"file": (name, PDF, "application/octet-stream")},
        data={"kind": "certificate"},
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["kind_label"] == "登记证明"
    assert body["filename"] == name
    assert body["content_type"] == "application/pdf"
    assert body["size"] == len(PDF)
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["size_text"] == "1 KB"

    # When the buying company (a party) downloads it
    got = world.api["company"].get(f"/api/v1/contracts/{world.contract}/attachments/{body['id']}")

    # Then the bytes, the type and the name are what was uploaded, as a download
    assert got.status_code == 200, got.text
    assert got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    disposition = got.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert f'filename="attachment-{body["id"]}.pdf"' in disposition
    assert got.headers["x-content-type-options"] == "nosniff"
    # And it is listed for the partner university too
    listed = world.api["university"].get(f"/api/v1/contracts/{world.contract}/attachments")
    assert [a["filename"] for a in listed.json()] == [name]


def test_office_files_and_images_are_known_by_their_content(world: World) -> None:
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as zf:
        zf.writestr(
            "[Content_Types].xml",
            f'<Types><Override PartName="/word/document.xml" ContentType="{DOCX_MAIN}"/></Types>',
        )
        zf.writestr("word/document.xml", "<w:document/>")
    xlsx = io.BytesIO()
    Workbook().save(xlsx)
    path = f"/api/v1/agreements/{world.agreement}/attachments"
    staff = world.api["staff"]
    types = {}
    for name, data in (("协议.docx", docx.getvalue()), ("明细.xlsx", xlsx.getvalue())):
        made = _upload(staff, path, data, name)
        assert made.status_code == 201, made.text
        types[name] = made.json()["type_label"]
    assert types == {"协议.docx": "DOCX", "明细.xlsx": "XLSX"}
    # A PNG named .pdf is kept as the PNG it is, and downloads with the right extension.
    png = _upload(staff, path, PNG, "签字页.pdf", "other").json()
    assert png["content_type"] == "image/png"
    got = world.api["company"].get(f"{path}/{png['id']}")
    assert got.headers["content-type"] == "image/png"
    assert quote("签字页.pdf.png", safe="") in got.headers["content-disposition"]


# -- hostile files ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("合同.pdf", EXE, "程序文件"),
        ("合同.pdf", b"just some text, no PDF at all", "只能上传 PDF、JPG、PNG、DOCX、XLSX"),
        ("合同.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "另存为 DOCX"),
        ("合同.docx", b"PK\x03\x04 this zip is broken", "不是有效的 Word/Excel"),
        ("合同.pdf", b"", "文件是空的"),
    ],
)
def test_a_file_that_is_not_an_allowed_type_is_refused_without_a_trace(
    world: World, factory: sessionmaker[Session], name: str, data: bytes, message: str
) -> None:
    refused = _upload(world.api["staff"], f"/api/v1/contracts/{world.contract}/attachments", data)
    assert refused.status_code == 422, refused.text
    assert message in refused.json()["message"]
    assert _stored_files(world.root) == []
    assert _rows(factory) == 0


def test_a_zip_that_is_not_word_or_excel_is_refused(
    world: World, factory: sessionmaker[Session]
) -> None:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("payload.exe", EXE)
    refused = _upload(
        world.api["staff"], f"/api/v1/agreements/{world.agreement}/attachments", data.getvalue()
    )
    assert refused.status_code == 422
    assert "只能上传 PDF、JPG、PNG、DOCX、XLSX" in refused.text
    assert _stored_files(world.root) == []
    assert _rows(factory) == 0


def test_a_file_over_the_cap_is_refused_and_nothing_is_kept(
    world: World, factory: sessionmaker[Session]
) -> None:
    path = f"/api/v1/contracts/{world.contract}/attachments"
    # One byte past the cap (1 MB here): refused as it streams in.
    over = _upload(world.api["staff"], path, PDF + b"0" * (1024 * 1024 + 1 - len(PDF)))
    assert over.status_code == 422
    assert "文件超过 1 MB" in over.json()["message"]
    # Far past it: refused by its declared length before the body is read.
    huge = _upload(world.api["staff"], path, PDF + b"0" * (3 * 1024 * 1024))
    assert huge.status_code == 413
    assert "不能超过" in huge.json()["message"]
    assert _stored_files(world.root) == []
    assert _rows(factory) == 0
    # Exactly at the cap is accepted.
    at = _upload(world.api["staff"], path, PDF + b"0" * (1024 * 1024 - len(PDF)))
    assert at.status_code == 201, at.text
    assert at.json()["size_text"] == "1.0 MB"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\Windows\\system.ini.pdf", "system.ini.pdf"),
        ("合同\u202efdp.exe", "合同fdp.exe"),  # the right-to-left override is dropped
        ("扫描\x00\x1b[31m件.pdf", "扫描[31m件.pdf"),
        ("..", "附件"),
        ("长" * 300 + ".pdf", "长" * 196 + ".pdf"),
    ],
)
def test_hostile_file_names_are_kept_as_names_only(given: str, kept: str) -> None:
    assert storage.sanitise_filename(given) == kept
    assert len(storage.sanitise_filename(given)) <= storage.MAX_NAME_CHARS


def test_a_path_in_the_name_never_reaches_the_disk(world: World) -> None:
    raw = (
        b"--b\r\n"
        b'Content-Disposition: form-data; name="file"; filename="../../etc/passwd.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + PDF + b"\r\n--b--\r\n"
    )
    made = world.api["staff"].post(
        f"/api/v1/agreements/{world.agreement}/attachments",
        content=raw,
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["filename"] == "passwd.pdf"
    stored = _stored_files(world.root)
    assert len(stored) == 1
    assert stored[0].parent.parent == world.root
    assert "passwd" not in str(stored[0])
    assert not (world.root.parent / "etc").exists()


# -- who may ---------------------------------------------------------------------------
def test_another_company_can_neither_download_nor_upload(world: World) -> None:
    path = f"/api/v1/contracts/{world.contract}/attachments"
    made = _upload(world.api["staff"], path, PDF).json()
    stranger = world.api["stranger"]
    assert stranger.get(f"{path}/{made['id']}").status_code == 403
    assert stranger.get(path).status_code == 403
    assert _upload(stranger, path, PDF).status_code == 403
    # A party sees and downloads, but entering files is the bureau's (as editing is).
    company = world.api["company"]
    assert company.get(f"{path}/{made['id']}").status_code == 200
    assert _upload(company, path, PDF).status_code == 403
    assert company.delete(f"{path}/{made['id']}").status_code == 403
    # A forged pair (this contract's file under another contract) is not found.
    other = f"/api/v1/contracts/{world.other_contract}/attachments/{made['id']}"
    assert world.api["staff"].get(other).status_code == 404
    agreement = f"/api/v1/agreements/{world.agreement}/attachments/{made['id']}"
    assert world.api["staff"].get(agreement).status_code == 404
    # A record that does not exist takes no file.
    missing = _upload(world.api["staff"], "/api/v1/agreements/987654/attachments", PDF)
    assert missing.status_code == 404
    assert "合作协议 987654 不存在" in missing.json()["message"]
    assert len(_stored_files(world.root)) == 1


def test_town_staff_work_only_on_their_town_s_records(world: World) -> None:
    path = f"/api/v1/contracts/{world.contract}/attachments"  # 三厂街道
    zy, sc = world.api["staff_zy"], world.api["staff_sc"]
    refused = _upload(zy, path, PDF)
    assert refused.status_code == 403
    made = _upload(sc, path, PDF)
    assert made.status_code == 201
    file_id = made.json()["id"]
    assert zy.get(f"{path}/{file_id}").status_code == 403
    assert zy.delete(f"{path}/{file_id}").status_code == 403
    assert sc.get(f"{path}/{file_id}").content == PDF


def test_deleting_removes_the_file_and_the_row_and_is_audited(
    world: World, factory: sessionmaker[Session]
) -> None:
    path = f"/api/v1/agreements/{world.agreement}/attachments"
    staff = world.api["staff"]
    made = _upload(staff, path, PDF, "协议扫描件.pdf").json()
    assert len(_stored_files(world.root)) == 1

    gone = staff.delete(f"{path}/{made['id']}")

    assert gone.status_code == 204, gone.text
    assert _stored_files(world.root) == []
    assert _rows(factory) == 0
    assert staff.get(f"{path}/{made['id']}").status_code == 404
    assert staff.delete(f"{path}/{made['id']}").status_code == 404
    with factory() as session:
        log = session.execute(
            select(AuditLog.action, AuditLog.old_values, AuditLog.new_values)
            .where(AuditLog.entity_kind == "attachment", AuditLog.entity_id == made["id"])
            .order_by(AuditLog.id)
        ).all()
    assert [a for a, _, _ in log] == [AuditAction.CREATE, AuditAction.DELETE]
    assert log[0][2]["filename"] == "协议扫描件.pdf"
    assert log[1][1]["sha256"] == made["sha256"]
    assert log[1][1]["owner_id"] == world.agreement


def test_a_payment_s_evidence_belongs_to_that_payment_of_the_contract(
    world: World, factory: sessionmaker[Session]
) -> None:
    with factory() as session:
        staff = principal_for(make_user(session, role=Role.ADMIN))
        mine = contracts.add_payment(
            session,
            staff,
            world.contract,
            PaymentCreate(received_on=date(2026, 4, 1), amount_wan=Decimal("10")),
        ).payment.id
        theirs = contracts.add_payment(
            session,
            staff,
            world.other_contract,
            PaymentCreate(received_on=date(2026, 4, 1), amount_wan=Decimal("5")),
        ).payment.id
        session.commit()
    path = f"/api/v1/contracts/{world.contract}/attachments"
    made = _upload(world.api["staff"], path, PNG, "回单.png", "payment_proof", payment_id=str(mine))
    assert made.status_code == 201, made.text
    assert made.json()["owner_kind"] == "payment"
    assert made.json()["owner_label"] == "到账记录"
    forged = _upload(world.api["staff"], path, PNG, "回单.png", payment_id=str(theirs))
    assert forged.status_code == 422
    assert "没有编号为" in forged.text
    wrong_kind = _upload(
        world.api["staff"], path, PNG, "回单.png", "certificate", payment_id=str(mine)
    )
    assert "到账记录的附件类型只能是：到账凭证、其他" in wrong_kind.text
    # The contract lists its payment's file; the party downloads it through the contract.
    listed = world.api["company"].get(path).json()
    assert [a["filename"] for a in listed] == ["回单.png"]
    file_id = made.json()["id"]
    assert world.api["company"].get(f"{path}/{file_id}").content == PNG


# -- the transaction decides -------------------------------------------------------------
def test_a_rolled_back_upload_leaves_no_file_and_a_rolled_back_delete_keeps_it(
    world: World, factory: sessionmaker[Session], settings: Settings
) -> None:
    root = settings.attachment_dir
    with factory() as session:
        p = principal_for(make_user(session, role=Role.ADMIN))
        session.commit()

        def upload() -> int:
            return attachments.upload(
                session,
                p,
                root=root,
                max_bytes=settings.attachment_max_bytes,
                record_kind=AttachmentOwner.AGREEMENT,
                record_id=world.agreement,
                source=io.BytesIO(PDF),
                filename="协议.pdf",
            ).id

        upload()
        assert len(_stored_files(root)) == 1
        session.rollback()  # as when the request's commit fails
        assert _stored_files(root) == []

        kept = upload()
        session.commit()
        attachments.delete(
            session,
            p,
            root=root,
            record_kind=AttachmentOwner.AGREEMENT,
            record_id=world.agreement,
            attachment_id=kept,
        )
        session.rollback()
        assert len(_stored_files(root)) == 1  # the deletion did not happen: the file stays
        with pytest.raises(InvalidInput, match="附件类型只能是"):
            attachments.upload(
                session,
                p,
                root=root,
                max_bytes=settings.attachment_max_bytes,
                record_kind=AttachmentOwner.AGREEMENT,
                record_id=world.agreement,
                source=io.BytesIO(PDF),
                filename="协议.pdf",
                kind="certificate",  # 登记证明 belongs to contracts
            )
        assert len(_stored_files(root)) == 1


# -- pages -----------------------------------------------------------------------------
def test_the_agreement_page_lists_uploads_and_refuses_in_chinese(
    world: World, factory: sessionmaker[Session], make_client: Callable[..., TestClient]
) -> None:
    with factory() as session:
        row = session.get(CooperationAgreement, world.agreement)
        assert row is not None
        row.attachment = "scan/2025/0042.pdf"  # from the old system: shown as a note
        session.commit()
    staff = make_client()
    login(staff, "district_staff")
    page = f"/agreements/{world.agreement}"
    token = csrf(staff, page)

    done = staff.post(
        f"{page}/attachments",
        data={"csrf_token": token, "kind": "contract_text"},
        files={"file": ("合作协议（盖章版）.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    shown = soup(staff.get(page).text)
    item = shown.select_one("ul.files li")
    assert item is not None
    text = item.get_text(" ", strip=True)
    assert "合作协议（盖章版）.pdf" in text
    assert "合同文本/扫描件" in text
    assert "1 KB" in text
    assert "district_staff" in text
    assert "旧系统登记的协议扫描件：scan/2025/0042.pdf" in shown.get_text()
    link = item.select_one("a.file-name")
    assert link is not None
    assert staff.get(str(link["href"])).content == PDF

    refused = staff.post(
        f"{page}/attachments",
        data={"csrf_token": token, "kind": "contract_text"},
        files={"file": ("病毒.pdf", EXE, "application/pdf")},
    )
    assert refused.status_code == 422
    error = soup(refused.text).select_one("#attachments .field-error")
    assert error is not None
    assert "只能上传 PDF、JPG、PNG、DOCX、XLSX" in error.text

    # The company sees the list, but no upload or delete form.
    company = make_client()
    login(company, "company_user")
    theirs = soup(company.get(page).text)
    assert theirs.select("ul.files li")
    assert theirs.select_one("form.file-upload") is None
    assert theirs.select_one("form.file-delete") is None

    # Deleting from the page removes it from the list.
    delete_form = shown.select_one("form.file-delete")
    assert delete_form is not None
    gone = staff.post(str(delete_form["action"]), data={"csrf_token": token})
    assert gone.status_code == 200
    assert "已删除附件" in gone.text
    assert soup(gone.text).select("ul.files li") == []


def test_the_contract_page_offers_the_payments_and_the_kinds(
    world: World, make_client: Callable[..., TestClient]
) -> None:
    staff = make_client()
    login(staff, "district_staff")
    page = soup(staff.get(f"/contracts/{world.contract}").text)
    kinds = [o.text for o in page.select("form.file-upload select[name=kind] option")]
    assert kinds == ["合同文本/扫描件", "登记证明", "到账凭证", "其他"]
    assert "不超过 1 MB" in page.select_one("form.file-upload").get_text()


# -- migration -------------------------------------------------------------------------
def test_the_attachments_table_comes_and_goes(empty_url: str) -> None:
    upgrade(empty_url, "0016")
    engine = sa.create_engine(empty_url)
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert "attachments" in inspector.get_table_names()
        columns = {c["name"] for c in inspector.get_columns("attachments")}
        assert {"owner_kind", "owner_id", "kind", "filename", "sha256", "storage_key"} <= columns
        assert "ix_attachments_owner" in {i["name"] for i in inspector.get_indexes("attachments")}
        # The old text columns stay readable.
        assert "attachment" in {c["name"] for c in inspector.get_columns("cooperation_agreements")}
    command.downgrade(alembic_config(empty_url), "0015")
    with engine.connect() as conn:
        assert "attachments" not in sa.inspect(conn).get_table_names()
    upgrade(empty_url, "0016")
    engine.dispose()
