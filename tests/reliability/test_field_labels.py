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


def _enum_queries(app: Any) -> Iterator[tuple[str, str, type]]:
    """(path, name, enum) of every GET query parameter typed as an enum."""
    from enum import Enum

    def walk(dependant: Any) -> Iterator[Any]:
        yield from dependant.query_params
        for sub in dependant.dependencies:
            yield from walk(sub)

    for group in app.routes:
        for ctx in getattr(group, "effective_route_contexts", lambda: [])():
            if "GET" not in getattr(ctx, "methods", {"GET"}) or "{" in ctx.path:
                continue
            for param in walk(ctx.dependant):
                kind = param.field_info.annotation
                for arg in (kind, *getattr(kind, "__args__", ())):
                    if isinstance(arg, type) and issubclass(arg, Enum):
                        yield ctx.path, param.alias or param.name, arg


def test_a_wrong_choice_lists_the_choices_in_chinese(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    """'box：取值无效，可选：'incoming', 'outgoing' or 'all'' reached users of the dockings page."""
    make_user(factory, "label_admin", "admin")
    browser = make_client()
    login(browser, "label_admin")
    found = sorted(set(_enum_queries(browser.app)), key=str)
    assert any(name == "box" for _path, name, _enum in found), found
    for path, name, enum in found:
        page = browser.get(path, params={name: "bogus"})
        assert page.status_code in (400, 422), (path, name, page.status_code)
        text = page.text if path.startswith("/api/") else soup(page.text).get_text()
        member = next(iter(enum))
        label = getattr(member, "label", None)
        assert label is not None, f"{enum.__name__} ({path}?{name}) has no Chinese labels"
        # The choices in Chinese, and no code a user never typed (issue 15: "ship_offshore").
        assert label in text, (path, name, text[:300])
        assert f"({member.value})" not in text, (path, name, text[:300])
