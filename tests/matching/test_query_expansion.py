"""Query expansion (pseudo-relevance feedback): set by a setting, the exact match stays first."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.service import expand_query, lead
from tests.matching.test_recommendations import World, world  # noqa: F401  (fixture)

TITLES = (
    "燃料电池金属双极板碳基复合涂层",
    "质子交换膜燃料电池低铂催化剂",
    "低能耗船舶压载水紫外处理技术",
    "装配式建筑预制构件灌浆套筒连接",
)


def _expansion(client: TestClient, k: int, beta: float = 0.5, margin: float = 0.0) -> None:
    manager: IndexManager = client.app.state.index_manager  # type: ignore[attr-defined]
    manager.settings = manager.settings.model_copy(
        update={
            "query_expansion_k": k,
            "query_expansion_beta": beta,
            "query_expansion_min_margin": margin,
        }
    )


def _search(client: TestClient, q: str) -> list[dict]:
    response = client.get("/api/v1/search", params={"q": q, "kind": "achievements", "limit": 10})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_expansion_keeps_the_exact_match_first(client: TestClient, world: World) -> None:  # noqa: F811
    _expansion(client, 0)
    plain = {q: _search(client, q) for q in TITLES}
    _expansion(client, 3, 1.0)
    expanded = {q: _search(client, q) for q in TITLES}
    for q in TITLES:
        assert plain[q][0]["item"]["title"] == q
        assert expanded[q][0]["item"]["title"] == q
        # Same candidates and rules: closed items stay out either way.
        assert {m["item"]["id"] for m in expanded[q]} == {m["item"]["id"] for m in plain[q]}
        assert world.closed_achievement not in {m["item"]["id"] for m in expanded[q]}
    # The setting takes effect. With RRF a tiny pool keeps its order, so look at the
    # dense fusion: off, the score is the query's cosine; on, the expanded query's.
    manager: IndexManager = client.app.state.index_manager  # type: ignore[attr-defined]
    manager.settings = manager.settings.model_copy(update={"fusion": "dense"})
    top = _search(client, TITLES[0])[0]
    assert top["item"]["title"] == TITLES[0]
    assert top["score"] != top["dense_score"]
    _expansion(client, 0)
    top = _search(client, TITLES[0])[0]
    assert top["score"] == top["dense_score"]


def test_no_expansion_when_the_first_result_does_not_lead(
    client: TestClient,
    world: World,  # noqa: F811
) -> None:
    manager: IndexManager = client.app.state.index_manager  # type: ignore[attr-defined]
    manager.settings = manager.settings.model_copy(update={"fusion": "dense"})
    # A clear first result (the exact title): expanded, so the score is no longer the cosine.
    _expansion(client, 1, 1.0, margin=0.01)
    top = _search(client, TITLES[0])[0]
    assert top["item"]["title"] == TITLES[0]
    assert top["score"] != top["dense_score"]
    # A margin no first result reaches: the query is left as it is.
    _expansion(client, 1, 1.0, margin=1.0)
    for match in _search(client, TITLES[0]):
        assert match["score"] == match["dense_score"]


def test_lead_is_the_first_scores_share_ahead_of_the_second() -> None:
    assert lead(np.array([0.5, 1.0, 0.9])) == pytest.approx(0.1)
    assert lead(np.array([1.0, 1.0])) == 0.0
    assert lead(np.array([0.7])) == 1.0


def test_expansion_is_off_by_setting(client: TestClient, world: World) -> None:  # noqa: F811
    _expansion(client, 0, 1.0)
    off = _search(client, "燃料电池 双极板")
    _expansion(client, 0, 0.0)
    assert _search(client, "燃料电池 双极板") == off


def test_expanded_query_moves_towards_the_neighbours() -> None:
    q = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    a = np.array([0.0, 1.0, 0.0], dtype=np.float32)
    moved = expand_query(q, [a, None], 0.5)
    assert np.isclose(np.linalg.norm(moved), 1.0)
    assert float(moved @ a) > float(q @ a)
    assert float(moved @ q) > float(moved @ a)  # q + mean: the query still weighs most
    assert np.array_equal(expand_query(q, [None], 1.0), q)
