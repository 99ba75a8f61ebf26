"""The key that signs session cookies: never a public default, generated once per data
directory in embedded mode, private to its owner."""

from __future__ import annotations

import json
import stat
import time
from base64 import b64encode
from collections.abc import Callable
from pathlib import Path

import itsdangerous
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.config import Mode, Settings
from matchmaking.models import User

OLD_PUBLIC_DEFAULT = "dev-secret-not-for-production"


def test_embedded_mode_generates_a_key_once_and_reuses_it(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path / "var").session_secret()
    second = Settings(data_dir=tmp_path / "var").session_secret()  # the next start

    assert first == second
    assert len(first) >= 32
    assert first != OLD_PUBLIC_DEFAULT
    assert Settings(data_dir=tmp_path / "other").session_secret() != first


def test_the_generated_key_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    Settings(data_dir=tmp_path / "var").session_secret()

    mode = stat.S_IMODE((tmp_path / "var" / "secret_key").stat().st_mode)

    assert mode == 0o600
    assert [p.name for p in (tmp_path / "var").iterdir()] == ["secret_key"]  # no temp left


@pytest.mark.parametrize("mode", [Mode.EMBEDDED, Mode.PRODUCTION])
@pytest.mark.parametrize("key", [OLD_PUBLIC_DEFAULT, "changeme", "short-but-not-known"])
def test_a_known_default_or_short_key_is_refused_in_every_mode(mode: Mode, key: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(
            mode=mode,
            database_url="postgresql+psycopg://db/mm",
            broker_url="redis://broker/0",
            secret_key=key,
        )

    assert "MATCHMAKING_SECRET_KEY" in str(refused.value)
    assert "openssl rand -hex 32" in str(refused.value)


def test_production_without_a_key_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(
            mode=Mode.PRODUCTION,
            database_url="postgresql+psycopg://db/mm",
            broker_url="redis://broker/0",
        )

    assert "MATCHMAKING_SECRET_KEY" in str(refused.value)


def _cookie(secret: str, session: dict[str, object]) -> str:
    """A session cookie as Starlette's SessionMiddleware signs it."""
    data = b64encode(json.dumps(session).encode())
    return itsdangerous.TimestampSigner(secret).sign(data).decode()


def test_a_cookie_signed_with_the_old_public_default_is_not_accepted(
    make_client: Callable[..., TestClient],
    admin_token: str,
    factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    with factory() as session:
        admin_id = session.scalar(select(User.id).where(User.username == "admin"))
    claims = {"uid": admin_id, "seen": time.time()}
    browser = make_client()

    browser.cookies.set("mm_session", _cookie(OLD_PUBLIC_DEFAULT, claims))
    forged = browser.get("/api/v1/organizations", params={"status": "pending"})
    browser.cookies.set("mm_session", _cookie(settings.session_secret(), claims))
    genuine = browser.get("/api/v1/organizations", params={"status": "pending"})

    assert forged.status_code == 401
    assert genuine.status_code == 200  # the same claims, signed with the real key
