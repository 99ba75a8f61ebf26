"""Importing needs, achievements and experts from CSV or Excel.

Each row is validated and written in its own savepoint: a bad row is reported
with its row number (as Excel shows it) and reason, and the good rows are kept.
Re-importing the same file updates rows instead of duplicating them (matched by
external id, else by organization + title/name).

A whole file is committed in chunks (:func:`import_in_chunks`), each a short write
of its own: other writers (people editing, the worker) get the lock between chunks
instead of waiting for the whole file, and a chunk that finds the lock taken is
tried again. The web import runs that in the worker (``importing.runs``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.accounts.permissions import Scope
from matchmaking.achievements.schemas import AchievementCreate, AchievementUpdate
from matchmaking.common.validation import FIELD_LABELS, validation_details
from matchmaking.db import begin_write_after_reading, is_locked, write_unit
from matchmaking.enums import (
    CooperationMode,
    IndustryField,
    ItemStatus,
    Kind,
    LabelledEnum,
    Maturity,
    NeedStatus,
)
from matchmaking.exceptions import InvalidInput, MatchmakingError
from matchmaking.experts.schemas import ExpertCreate, ExpertUpdate
from matchmaking.importing import tables
from matchmaking.importing.columns import (
    COLUMNS,
    EXAMPLE_MARK,
    UNRECOGNISED,
    field_label,
    known_fields,
)
from matchmaking.matching.kinds import SERVICES
from matchmaking.needs.schemas import NeedCreate, NeedUpdate
from matchmaking.organizations import repository as orgs

SCHEMAS: dict[Kind, tuple[type[BaseModel], type[BaseModel]]] = {
    Kind.NEEDS: (NeedCreate, NeedUpdate),
    Kind.ACHIEVEMENTS: (AchievementCreate, AchievementUpdate),
    Kind.EXPERTS: (ExpertCreate, ExpertUpdate),
}
ENUM_COLUMNS = {
    "industry_field": IndustryField,
    "cooperation_mode": CooperationMode,
    "maturity": Maturity,
}
FIRST_DATA_ROW = 2  # row 1 is the header, as Excel numbers them
PREVIEW_ROWS = 10
# Rows per short write transaction of a whole-file import (and of the preview's dry run).
CHUNK_ROWS = 200
# The pause between two chunks: a writer waiting for the lock (SQLite's busy handler
# looks again at least every 100 ms) gets it before the next chunk takes it back.
CHUNK_PAUSE_S = 0.15


@dataclass
class RowError:
    row: int
    message: str
    # The row as read (field -> text), so that it can be written back to a sheet to fix.
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportReport:
    kind: str
    total: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return self.created + self.updated

    def plus(self, other: ImportReport) -> ImportReport:
        """This report followed by ``other`` (the next chunk of the same file)."""
        return replace(
            self,
            total=self.total + other.total,
            created=self.created + other.created,
            updated=self.updated + other.updated,
            errors=[*self.errors, *other.errors],
        )


class ImportStopped(Exception):
    """The write lock stayed taken through every retry: the chunks before ``next_row``
    are committed (``report``), that row and the following ones are not."""

    def __init__(self, report: ImportReport, next_row: int) -> None:
        super().__init__(f"import stopped before row {next_row}")
        self.report, self.next_row = report, next_row


OrgResolver = Callable[[Session, dict[str, str]], int]


def org_by_name(session: Session, row: dict[str, str]) -> int:
    name = row.get("organization", "").strip()
    if not name:
        raise InvalidInput("缺少“单位”列或该行单位为空", field="organization")
    org = orgs.get_by_name(session, name)
    if org is None:
        raise InvalidInput(f"单位“{name}”尚未登记，请先登记单位", field="organization")
    return org.id


def forced_org(session: Session, org_id: int) -> OrgResolver:
    """Every row belongs to ``org_id``; a filled-in “单位” must name that organization."""
    org = orgs.get(session, org_id)
    if org is None:
        raise InvalidInput(f"单位 {org_id} 不存在", field="org_id")
    name = org.name

    def resolve(_: Session, row: dict[str, str]) -> int:
        given = row.get("organization", "").strip()
        if given and given != name:
            raise InvalidInput(
                f"单位“{given}”不是您所属的单位“{name}”，只能导入本单位的数据",
                field="organization",
            )
        return org_id

    return resolve


def org_in_scope(scope: Scope) -> OrgResolver:
    """Rows name their organization, which must be in ``scope`` (staff scoped to one town)."""

    def resolve(session: Session, row: dict[str, str]) -> int:
        org_id = org_by_name(session, row)
        if not scope.allows(orgs.get(session, org_id)):
            name = row.get("organization", "").strip()
            raise InvalidInput(
                f"单位“{name}”不在您负责的区镇（{scope.town}）范围内", field="organization"
            )
        return org_id

    return resolve


def _parse(key: str, enum: type[LabelledEnum], value: str) -> str:
    """The code of a value written as its Chinese label (or its code); the error lists
    the Chinese labels only (the codes are not what a user types)."""
    text = value.strip()
    for member in enum:
        if text in (member.value, member.label):
            return member.value
    allowed = "、".join(m.label for m in enum)
    raise InvalidInput(
        f"{FIELD_LABELS.get(key, key)}：“{text[:40]}”不是有效取值，可选：{allowed}", field=key
    )


class RowErrors(Exception):
    """Every problem found in one row, each a Chinese sentence."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("；".join(messages))
        self.messages = messages
        self.message = "；".join(messages)


def _prepare(kind: Kind, row: dict[str, str], org_id: int) -> tuple[dict[str, Any], dict[str, str]]:
    """The row as schema input, and the errors of its fields (field -> message): every
    field is read, so one bad value does not hide the next."""
    known = known_fields(kind)
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in row.items():
        if key not in known or key == "organization" or value == "":
            continue
        try:
            if key in ENUM_COLUMNS:
                data[key] = _parse(key, ENUM_COLUMNS[key], value)
            elif key == "fields" and kind is Kind.EXPERTS:
                parts = [v for v in value.replace("；", ";").split(";") if v.strip()]
                data[key] = [_parse(key, IndustryField, v) for v in parts]
            elif key == "status":
                status_enum = NeedStatus if kind is Kind.NEEDS else ItemStatus
                data[key] = status_enum(_parse(key, status_enum, value))
            else:
                data[key] = value
        except InvalidInput as exc:
            errors[key] = exc.message
    natural_key = SERVICES[kind].natural_key
    key_value = str(data.get(natural_key, ""))
    if key_value.startswith(EXAMPLE_MARK):
        errors[natural_key] = (
            f"这是模板中的示例行（以“{EXAMPLE_MARK}”开头），请改为真实内容或删除该行"
        )
    data["org_id"] = org_id
    return data, errors


def _schema_errors(
    schema: type[BaseModel], data: dict[str, Any], known: dict[str, str]
) -> list[str]:
    """The schema's complaints about ``data`` on fields not already reported in ``known``."""
    try:
        schema.model_validate(data)
    except ValidationError as exc:
        return [
            d["message"]
            for d in validation_details(exc.errors())
            if d["field"].split(".")[0] not in known and d["field"] != "org_id"
        ]
    return []


def is_blank(row: dict[str, str]) -> bool:
    return not any(v.strip() for v in row.values())


def import_rows(
    session: Session,
    kind: Kind,
    rows: Iterable[dict[str, str]],
    *,
    resolve_org: OrgResolver = org_by_name,
    org_id: int | None = None,
    scope: Scope | None = None,
    first_row: int = FIRST_DATA_ROW,
    past_deadline_ok: bool = False,
) -> ImportReport:
    """Import rows, each in its own savepoint; bad rows are reported, good rows kept.

    ``org_id``, when given, assigns every row to that organization (an enterprise
    user importing their own needs); a filled-in “单位” must then name it.
    ``scope``, when given, limits the organizations rows may name (staff).
    ``first_row`` is the file row number of ``rows[0]`` (blank rows are skipped
    but counted, so numbers match what Excel shows).
    ``past_deadline_ok`` lets deadlines already passed in (historical data: the demo);
    a user's import refuses a new or changed deadline before today.
    """
    if org_id is not None:
        resolve_org = forced_org(session, org_id)
    elif scope is not None and not scope.district:
        resolve_org = org_in_scope(scope)
    service = SERVICES[kind]
    create_schema, update_schema = SCHEMAS[kind]
    report = ImportReport(kind=kind.value)
    for offset, row in enumerate(rows):
        if is_blank(row):
            continue
        number = offset + first_row
        report.total += 1
        savepoint = session.begin_nested()
        try:
            messages: list[str] = []
            try:
                row_org: int | None = resolve_org(session, row)
            except MatchmakingError as exc:
                row_org = None
                messages.append(exc.message)
            data, field_errors = _prepare(kind, row, row_org or 0)
            messages.extend(field_errors.values())
            key = data.get(service.natural_key, "")
            existing = (
                None
                if row_org is None
                else service.find_by_key(session, row_org, key, data.get("external_id"))
            )
            schema = create_schema if existing is None else update_schema
            messages.extend(_schema_errors(schema, data, field_errors))
            if messages:
                raise RowErrors(messages)
            assert row_org is not None
            status = data.pop("status", None)
            if existing is None:
                item = service.create(
                    session, create_schema.model_validate(data), past_deadline_ok=past_deadline_ok
                )
                report.created += 1
            else:
                item = service.update(
                    session,
                    existing.id,
                    update_schema.model_validate(data),
                    past_deadline_ok=past_deadline_ok,
                )
                report.updated += 1
            if status and status != item.status:
                service.set_status(session, item.id, status)
            savepoint.commit()
        except ValidationError as exc:
            savepoint.rollback()
            detail = "；".join(d["message"] for d in validation_details(exc.errors()))
            report.errors.append(RowError(number, detail, dict(row)))
        except (RowErrors, MatchmakingError, ValueError) as exc:
            savepoint.rollback()
            message = getattr(exc, "message", str(exc))
            report.errors.append(RowError(number, message, dict(row)))
    return report


def import_file(
    session: Session,
    data: bytes,
    filename: str,
    kind: Kind,
    *,
    org_id: int | None = None,
    scope: Scope | None = None,
) -> ImportReport:
    """Read an uploaded CSV/XLSX and import it (the caller commits).

    ``org_id``: every row is the user's own organization's; ``scope``: rows may only
    name organizations in it (staff scoped to one town).
    """
    # Parsed before the write lock is taken: a large file takes seconds to read.
    sheet = tables.read_sheet(data, filename, kind.value)
    begin_write_after_reading(session)
    return import_rows(
        session, kind, sheet.rows, org_id=org_id, scope=scope, first_row=sheet.first_row
    )


def import_in_chunks(
    factory: sessionmaker[Session],
    kind: Kind,
    rows: Sequence[dict[str, str]],
    *,
    org_id: int | None = None,
    scope: Scope | None = None,
    first_row: int = FIRST_DATA_ROW,
    chunk: int = CHUNK_ROWS,
    pause: float = CHUNK_PAUSE_S,
    after_chunk: Callable[[Session, ImportReport], None] | None = None,
) -> ImportReport:
    """Import ``rows`` as :func:`import_rows` does, committing every ``chunk`` rows in a
    short write of its own (``write_unit``: run again when the lock stays taken).

    ``after_chunk(session, report so far)`` runs inside each chunk's transaction (a
    progress row commits with the rows it counts). Raises :class:`ImportStopped` when a
    chunk still finds the lock taken after the retries: the earlier chunks are kept.
    """
    report = ImportReport(kind=kind.value)
    for start in range(0, len(rows), chunk):
        if start and pause:
            time.sleep(pause)
        unit = partial(
            _import_chunk,
            kind=kind,
            rows=rows[start : start + chunk],
            org_id=org_id,
            scope=scope,
            first_row=first_row + start,
            before=report,
            after_chunk=after_chunk,
        )
        try:
            report = report.plus(write_unit(factory, unit))
        except OperationalError as exc:
            if not is_locked(exc):
                raise
            raise ImportStopped(report, first_row + start) from exc
    return report


def _import_chunk(
    session: Session,
    *,
    kind: Kind,
    rows: Sequence[dict[str, str]],
    org_id: int | None,
    scope: Scope | None,
    first_row: int,
    before: ImportReport,
    after_chunk: Callable[[Session, ImportReport], None] | None,
) -> ImportReport:
    got = import_rows(session, kind, rows, org_id=org_id, scope=scope, first_row=first_row)
    if after_chunk is not None:
        after_chunk(session, before.plus(got))
    return got


# -- preview ------------------------------------------------------------------
@dataclass
class ColumnMapping:
    """One column of the uploaded file and what the importer does with it."""

    header: str  # as written in the file
    field: str | None  # the field it fills, None when ignored
    label: str  # the field's Chinese name, or why the column is ignored


@dataclass
class ParsedRow:
    row: int  # as Excel numbers it
    values: dict[str, str]  # field -> text, recognised columns only


@dataclass
class Preview:
    kind: str
    columns: list[ColumnMapping]
    missing: list[str]  # required columns the file lacks (Chinese headers)
    total: int
    sample: list[ParsedRow]
    errors: list[RowError]
    would_create: int
    would_update: int

    @property
    def ok(self) -> int:
        return self.would_create + self.would_update


def _mapping(kind: Kind, sheet: tables.Sheet) -> list[ColumnMapping]:
    known = known_fields(kind)
    out = []
    for header, name in zip(sheet.headers, sheet.fields, strict=True):
        if not header:
            out.append(ColumnMapping(header, None, f"{UNRECOGNISED}（空表头，已忽略）"))
        elif name is None:
            out.append(ColumnMapping(header, None, "与前面的列重复，已忽略"))
        elif name in known:
            out.append(ColumnMapping(header, name, field_label(kind, name)))
        else:
            out.append(ColumnMapping(header, None, UNRECOGNISED))
    return out


def preview(
    session: Session,
    data: bytes,
    filename: str,
    kind: Kind,
    *,
    org_id: int | None = None,
    scope: Scope | None = None,
    sample_rows: int = PREVIEW_ROWS,
) -> Preview:
    """What importing this file would do, without writing anything.

    The rows go through :func:`import_rows` inside a savepoint that is then rolled
    back, so the preview and the import can never disagree (a row that would
    clash with an earlier row of the same file is reported here too).
    """
    sheet = tables.read_sheet(data, filename, kind.value)
    columns = _mapping(kind, sheet)
    present = {c.field for c in columns if c.field}
    missing = [
        c.heading
        for c in COLUMNS[kind]
        if c.required
        and c.field not in present
        and not (c.field == "organization" and org_id is not None)
    ]
    known = known_fields(kind)
    sample = [
        ParsedRow(sheet.first_row + i, {k: v for k, v in row.items() if k in known})
        for i, row in enumerate(sheet.rows)
        if not is_blank(row)
    ][:sample_rows]
    # The dry run writes and rolls back, a chunk at a time: each chunk takes the write
    # lock only while it runs, so a large file never keeps other writers waiting long.
    # (A row repeating one of an earlier chunk counts as new here, as an update when
    # imported; its errors are the same.)
    report = ImportReport(kind=kind.value)
    rows = sheet.rows
    for start in range(0, len(rows), CHUNK_ROWS):
        if start:
            time.sleep(CHUNK_PAUSE_S)
        begin_write_after_reading(session)
        try:
            got = import_rows(
                session,
                kind,
                rows[start : start + CHUNK_ROWS],
                org_id=org_id,
                scope=scope,
                first_row=sheet.first_row + start,
            )
        finally:
            # Rolling back also drops the embedding jobs the dry run enqueued.
            session.rollback()
        report = report.plus(got)
    return Preview(
        kind=kind.value,
        columns=columns,
        missing=missing,
        total=report.total,
        sample=sample,
        errors=report.errors,
        would_create=report.created,
        would_update=report.updated,
    )
