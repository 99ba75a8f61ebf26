"""A refused query parameter is named in Chinese: no English parameter name ("month：…",
"against：…") reaches the person who typed the address."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.common.validation import FIELD_LABELS
from tests.conftest import make_user
from tests.web.pages_helpers import login, soup

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _query_names(app: Any) -> Iterator[tuple[str, str]]:
    def walk(dependant: Any) -> Iterator[Any]:
        yield from dependant.query_params
        for sub in dependant.dependencies:
            yield from walk(sub)

    for group in app.routes:
        for ctx in getattr(group, "effective_route_contexts", lambda: [])():
            for param in walk(ctx.dependant):
                yield ctx.path, param.alias or param.name


def test_every_query_parameter_has_a_chinese_label(anon_client: TestClient) -> None:
    found = list(_query_names(anon_client.app))
    assert len(found) > 50, "the routes' query parameters were not found"
    # ``f`` and ``filters`` are models of several parameters, each labelled on its own.
    containers = {"f", "filters"}
    missing = sorted(
        {f"{name} ({path})" for path, name in found if name not in FIELD_LABELS.keys() | containers}
    )
    assert not missing, "query parameters without a label in FIELD_LABELS:\n" + "\n".join(missing)


def test_a_month_past_december_is_refused_in_chinese(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    make_user(factory, "label_staff", "staff")
    browser = make_client()
    login(browser, "label_staff")

    page = browser.get("/dashboard?month=13")

    assert page.status_code == 422
    text = soup(page.text).get_text()
    assert "月份：不能大于 12" in text
    assert "month" not in text
