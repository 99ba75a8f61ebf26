"""Attachments of agreements, contracts and payments: upload, list, download, delete.

Who may: everyone who may see the record downloads its files (staff in scope, the
parties' organizations, an agreement's expert: ``outcomes.access``); uploading and
deleting is editing the record, which the outcome rules leave to staff in scope of the
record's town (``access.ensure_can_edit_town``). A payment's files are its contract's:
listed, shown and guarded with it. Every upload and deletion is written to the audit
log (entity ``attachment``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from matchmaking.accounts.permissions import Principal, require_login
from matchmaking.attachments import repository, storage
from matchmaking.attachments.schemas import AttachmentRead
from matchmaking.audit import service as audit
from matchmaking.db import begin_write_after_reading
from matchmaking.enums import AttachmentKind, AttachmentOwner, AuditAction
from matchmaking.exceptions import Forbidden, InvalidInput, NotFound
from matchmaking.models import Attachment
from matchmaking.outcomes import access
from matchmaking.outcomes import repository as outcomes

OWN, K = AttachmentOwner, AttachmentKind
ALLOWED_KINDS: dict[AttachmentOwner, tuple[AttachmentKind, ...]] = {
    OWN.AGREEMENT: (K.CONTRACT_TEXT, K.OTHER),
    OWN.CONTRACT: (K.CONTRACT_TEXT, K.CERTIFICATE, K.PAYMENT_PROOF, K.OTHER),
    OWN.PAYMENT: (K.PAYMENT_PROOF, K.OTHER),
}


@dataclass(frozen=True)
class _Record:
    """An agreement or a contract as far as its files are concerned."""

    kind: AttachmentOwner  # AGREEMENT or CONTRACT
    id: int
    town_id: int | None
    noun: str
    # Every owner whose files are this record's: itself, and a contract's payments.
    owners: tuple[tuple[AttachmentOwner, int], ...]


@dataclass(frozen=True)
class Download:
    path: Path
    filename: str  # as offered to the browser (RFC 5987 in Content-Disposition)
    fallback: str  # ASCII, for clients that do not read filename*
    content_type: str
    size: int


# -- the records ------------------------------------------------------------------------
def _agreement(session: Session, p: Principal, agreement_id: int) -> _Record:
    require_login(p)
    row = outcomes.agreement(session, agreement_id)
    if row is None:
        raise NotFound(f"合作协议 {agreement_id} 不存在")
    if not access.can_see_agreement(p, row):
        raise Forbidden("只能查看本单位参与的合作协议")
    return _Record(OWN.AGREEMENT, row.id, row.town_id, "合作协议", ((OWN.AGREEMENT, row.id),))


def _contract(session: Session, p: Principal, contract_id: int) -> _Record:
    require_login(p)
    row = outcomes.contract(session, contract_id)
    if row is None:
        raise NotFound(f"技术合同 {contract_id} 不存在")
    if not access.can_see_contract(p, row):
        if p.is_staff:
            raise Forbidden("该技术合同不在您负责的区镇范围内")
        raise Forbidden("只能查看本单位作为买方或卖方的技术合同")
    payments = outcomes.payments_of(session, row.id)
    owners = ((OWN.CONTRACT, row.id), *((OWN.PAYMENT, x.id) for x in payments))
    return _Record(OWN.CONTRACT, row.id, row.town_id, "技术合同", owners)


def _record(session: Session, p: Principal, kind: AttachmentOwner, record_id: int) -> _Record:
    if kind is OWN.AGREEMENT:
        return _agreement(session, p, record_id)
    return _contract(session, p, record_id)


def can_edit(p: Principal, town_id: int | None) -> bool:
    """May ``p`` add and remove files of a record of ``town_id`` (staff in scope)."""
    return p.is_staff and p.scope.covers(town_id)


def _attachment_of(session: Session, record: _Record, attachment_id: int) -> Attachment:
    """The attachment, if it is one of this record's (else not found, whoever asks)."""
    row = repository.get(session, attachment_id)
    if row is None or (row.owner_kind, row.owner_id) not in record.owners:
        raise NotFound(f"该{record.noun}没有编号为 {attachment_id} 的附件")
    return row


# -- reading ----------------------------------------------------------------------------
def list_for(
    session: Session, p: Principal, kind: AttachmentOwner, record_id: int
) -> list[AttachmentRead]:
    """The files of an agreement or a contract (with its payments'), oldest first."""
    record = _record(session, p, kind, record_id)
    return reads(session, repository.of_owners(session, record.owners))


def size_text(size: int) -> str:
    """356 KB, 2.4 MB: what a person reads on a phone."""
    if size < 1024 * 1024:
        return f"{max(1, math.ceil(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def reads(session: Session, rows: Sequence[Attachment]) -> list[AttachmentRead]:
    names = repository.user_names(session, [r.uploaded_by for r in rows])
    out = []
    for r in rows:
        file_type = storage.TYPES.get(r.content_type)
        out.append(
            AttachmentRead(
                id=r.id,
                owner_kind=r.owner_kind,
                owner_label=r.owner_kind.label,
                owner_id=r.owner_id,
                kind=r.kind,
                kind_label=r.kind.label,
                filename=r.filename,
                content_type=r.content_type,
                type_label=file_type.label if file_type else "",
                size=r.size,
                size_text=size_text(r.size),
                sha256=r.sha256,
                uploaded_by_name=(
                    names.get(r.uploaded_by, "") if r.uploaded_by is not None else "系统"
                ),
                uploaded_at=r.uploaded_at,
            )
        )
    return out


def download(
    session: Session,
    p: Principal,
    root: Path,
    kind: AttachmentOwner,
    record_id: int,
    attachment_id: int,
) -> Download:
    """The file of one attachment, for anyone who may see its record."""
    record = _record(session, p, kind, record_id)
    row = _attachment_of(session, record, attachment_id)
    path = storage.path_of(root, row.storage_key)
    if not path.is_file():
        raise NotFound(f"附件“{row.filename}”的文件已不在服务器上，请联系管理员从备份中恢复")
    file_type = storage.TYPES.get(row.content_type, storage.PDF)
    name = storage.download_name(row.filename, file_type)
    return Download(
        path=path,
        filename=name,
        fallback=f"attachment-{row.id}{file_type.extensions[0]}",
        content_type=row.content_type,
        size=row.size,
    )


# -- changing ---------------------------------------------------------------------------
def _kind(raw: str | AttachmentKind | None, owner: AttachmentOwner) -> AttachmentKind:
    allowed = ALLOWED_KINDS[owner]
    if raw is None or raw == "":
        return K.PAYMENT_PROOF if owner is OWN.PAYMENT else K.CONTRACT_TEXT
    try:
        kind = raw if isinstance(raw, AttachmentKind) else AttachmentKind.parse(str(raw))
    except ValueError:
        kind = None
    if kind not in allowed:
        labels = "、".join(k.label for k in allowed)
        raise InvalidInput(f"{owner.label}的附件类型只能是：{labels}", field="kind")
    return kind


def _payment_owner(session: Session, record: _Record, raw: str | int | None) -> int | None:
    if raw is None or raw == "":
        return None
    if record.kind is not OWN.CONTRACT:
        raise InvalidInput("只有技术合同的附件可以指定到账记录", field="payment_id")
    text = str(raw).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise InvalidInput("到账记录编号应为数字", field="payment_id")
    payment_id = int(text)
    if (OWN.PAYMENT, payment_id) not in record.owners:
        raise InvalidInput(f"该技术合同没有编号为 {payment_id} 的到账记录", field="payment_id")
    return payment_id


def upload(
    session: Session,
    p: Principal,
    *,
    root: Path,
    max_bytes: int,
    record_kind: AttachmentOwner,
    record_id: int,
    source: BinaryIO | None,
    filename: str | None,
    kind: str | AttachmentKind | None = None,
    payment_id: str | int | None = None,
) -> AttachmentRead:
    """Store a file for an agreement or a contract (or one of its payments): staff in
    scope. Refused without a trace when it is too large, empty or not an allowed type."""
    record = _record(session, p, record_kind, record_id)
    access.ensure_can_edit_town(p, record.town_id, record.noun)
    payment = _payment_owner(session, record, payment_id)
    owner, owner_id = (OWN.PAYMENT, payment) if payment is not None else (record.kind, record.id)
    chosen = _kind(kind, owner)
    if source is None or not filename:
        raise InvalidInput("请选择要上传的文件", field="file")
    name = storage.sanitise_filename(filename)
    stored = storage.store(root, source, max_bytes)
    try:
        # The file is in place: only now does the request take the write lock (SQLite).
        begin_write_after_reading(session)
    except BaseException:
        stored.path.unlink(missing_ok=True)
        raise
    storage.keep_if_committed(session, stored.path)
    row = Attachment(
        owner_kind=owner,
        owner_id=owner_id,
        kind=chosen,
        filename=name,
        content_type=stored.file_type.content_type,
        size=stored.size,
        sha256=stored.sha256,
        storage_key=stored.key,
        uploaded_by=p.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(session, p, "attachment", row.id, AuditAction.CREATE, new=audit.snapshot(row))
    return reads(session, [row])[0]


def delete(
    session: Session,
    p: Principal,
    *,
    root: Path,
    record_kind: AttachmentOwner,
    record_id: int,
    attachment_id: int,
) -> str:
    """Remove an attachment (staff in scope): the row now, the file once committed.
    Returns the removed file's name."""
    record = _record(session, p, record_kind, record_id)
    access.ensure_can_edit_town(p, record.town_id, record.noun)
    row = _attachment_of(session, record, attachment_id)
    old = audit.snapshot(row)
    path = storage.path_of(root, row.storage_key)
    session.delete(row)
    session.flush()
    audit.record(session, p, "attachment", attachment_id, AuditAction.DELETE, old=old)
    storage.remove_when_committed(session, path)
    return str(old["filename"])
