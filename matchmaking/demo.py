"""Loading the demo data set (``data/demo/``) into a database, with its vectors.

The CSVs are written by ``data/demo/build_demo.py``. Items go through the same
import service as a user's upload. Vectors come from the committed cache
``data/demo/vectors/<model>.npz`` (keyed by model id and text hash), so a fresh
start does not spend minutes embedding; whatever the cache misses is encoded
and added to it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from embeddings.cache import VectorCache, cache_file
from embeddings.encoders import Encoder
from matchmaking import jobs
from matchmaking.enums import Kind
from matchmaking.exceptions import InvalidInput
from matchmaking.importing.service import ImportReport, import_rows
from matchmaking.matching import embedding
from matchmaking.organizations import repository as org_repo
from matchmaking.organizations import service as org_service
from matchmaking.organizations.schemas import OrganizationCreate

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
FILES = {
    Kind.NEEDS: "needs.csv",
    Kind.ACHIEVEMENTS: "achievements.csv",
    Kind.EXPERTS: "experts.csv",
}
EMBED_BATCH = 32

Progress = Callable[[str, int, int], None]


@dataclass
class DemoReport:
    organizations: int = 0
    imports: dict[str, ImportReport] = field(default_factory=dict)
    encoded: int = 0
    from_cache: int = 0


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def load_organizations(session: Session, demo_dir: Path) -> dict[str, int]:
    """Create the demo organizations (existing names are reused); key -> id."""
    keys: dict[str, int] = {}
    for row in read_csv(demo_dir / "organizations.csv"):
        org = org_repo.get_by_name(session, row["name"])
        if org is None:
            data = OrganizationCreate.model_validate(
                {k: v for k, v in row.items() if k != "key" and v != ""}
            )
            org = org_service.create(session, data)
        keys[row["key"]] = org.id
    return keys


def load(
    session_factory: sessionmaker[Session],
    encoder: Encoder,
    *,
    demo_dir: Path = DEMO_DIR,
    progress: Progress | None = None,
) -> DemoReport:
    """Load (or refresh) the demo data and make sure every item has its vector."""
    report = DemoReport()
    # The vectors are computed right here, so the import's embed jobs are dropped.
    with jobs.handled_inline(), session_factory() as session:
        keys = load_organizations(session, demo_dir)
        report.organizations = len(keys)

        def resolve(_: Session, row: dict[str, str]) -> int:
            key = row.get("org_key", "")
            if key not in keys:
                raise InvalidInput(f"未知的单位代码“{key}”", field="org_key")
            return keys[key]

        for kind, name in FILES.items():
            report.imports[kind.value] = import_rows(
                session, kind, read_csv(demo_dir / name), resolve_org=resolve
            )
        session.commit()

    cache = VectorCache(
        cache_file(demo_dir / "vectors", encoder.model_id), encoder.model_id, encoder.dim
    )
    for kind in Kind:
        with session_factory() as session:
            ids = embedding.stale_ids(session, kind, encoder.model_id, older_than=timedelta(0))
        for start in range(0, len(ids), EMBED_BATCH):
            with session_factory() as session:
                result = embedding.embed_items(
                    session, encoder, kind, ids[start : start + EMBED_BATCH], cache=cache
                )
                session.commit()
            report.encoded += result.encoded
            report.from_cache += result.reused
            if progress:
                progress(kind.value, min(start + EMBED_BATCH, len(ids)), len(ids))
    cache.save()
    return report
