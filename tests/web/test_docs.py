"""/docs (linked from every page's footer) works without internet."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from matchmaking.config import Settings
from tests.web.pages_helpers import soup
from web.app import create_app


def test_api_docs_load_everything_from_the_app_itself(tmp_path: Path) -> None:
    # No lifespan (no database, no indexes): /docs and its assets need neither.
    client = TestClient(create_app(Settings(data_dir=tmp_path)))

    page = client.get("/docs")

    assert page.status_code == 200
    assert re.findall(r"https?://", page.text) == []  # nothing from a CDN or elsewhere
    html = soup(page.text)
    assets = [tag["src"] for tag in html.select("script[src]")]
    assets += [tag["href"] for tag in html.select("link[href]")]
    assert len(assets) == 3  # Swagger UI's script, its stylesheet, the icon
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content, url
    assert "SwaggerUIBundle" in client.get(assets[0]).text
    assert client.get("/openapi.json").json()["info"]["title"] == "产学研对接平台 API"
