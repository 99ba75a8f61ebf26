"""Calibrated relevance (``matching.relevance``): an absolute number per pair, a line
below which nothing is shown as a match, and coefficients that belong to one encoder."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.config import Settings
from matchmaking.enums import Kind
from matchmaking.exceptions import ConfigurationError
from matchmaking.matching import relevance
from matchmaking.matching import service as matching
from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.runtime import get_tokenizer
from tests.conftest import InlineDispatcher
from tests.factories import make_achievement

QUERY = "燃料电池双极板耐腐蚀涂层"
UNRELATED = (
    ("涤纶面料数码印花墨水", "分散染料墨水用于涤纶面料数码印花，色牢度达到4级。"),
    ("装配式建筑灌浆套筒连接", "预制构件灌浆套筒连接节点，提高抗震性能与施工效率。"),
    ("医用海藻酸盐敷料", "海藻酸盐水凝胶敷料用于慢性创面，抗菌并促进愈合。"),
)


def _coating(session: Session) -> int:
    return make_achievement(
        session,
        title="燃料电池金属双极板碳基复合涂层",
        abstract="针对燃料电池金属双极板腐蚀与接触电阻问题，开发碳基复合导电涂层。",
    ).id


def _relevance_of(session: Session, manager: IndexManager, item_id: int) -> float:
    hits = matching.search(
        session, manager, q=QUERY, kind=Kind.ACHIEVEMENTS, limit=50, include_weak=True
    )
    return next(m.relevance for m in hits if m.item.id == item_id)


def test_a_pairs_relevance_does_not_depend_on_the_other_items(
    factory: sessionmaker[Session], dispatcher: InlineDispatcher, index_manager: IndexManager
) -> None:
    with factory() as session:
        coating = _coating(session)
        session.commit()
    with factory() as session:
        alone = _relevance_of(session, index_manager, coating)
        # When unrelated achievements and a close competitor are added
        added = [
            make_achievement(session, title=t, abstract=a, industry_field="textiles").id
            for t, a in UNRELATED
        ]
        added.append(
            make_achievement(
                session,
                title="双极板氮化铬导电防护涂层",
                abstract="磁控溅射氮化铬涂层用于燃料电池不锈钢双极板，降低接触电阻。",
            ).id
        )
        session.commit()
    with factory() as session:
        crowded = _relevance_of(session, index_manager, coating)
        # ...and removed again
        from matchmaking.models import Achievement

        for item_id in added:
            session.get(Achievement, item_id).status = "closed"  # type: ignore[union-attr]
        session.commit()
    with factory() as session:
        again = _relevance_of(session, index_manager, coating)
    # Then the coating's number is the same: the top hit is not simply "100 %".
    assert alone >= relevance.LINE
    shown = {round(x * 100) for x in (alone, crowded, again)}
    assert len(shown) == 1, (alone, crowded, again)


def test_nonsense_is_below_the_line_and_only_shown_when_asked(
    factory: sessionmaker[Session], dispatcher: InlineDispatcher, index_manager: IndexManager
) -> None:
    with factory() as session:
        _coating(session)
        for title, abstract in UNRELATED:
            make_achievement(session, title=title, abstract=abstract)
        session.commit()
    with factory() as session:
        for q in ("qwzxq 飞天猫咪披萨", "周末去哪里吃火锅", "zzkq wxyv"):
            found = matching.search(session, index_manager, q=q, kind=Kind.ACHIEVEMENTS)
            assert found == [], q
            weak = matching.search(
                session, index_manager, q=q, kind=Kind.ACHIEVEMENTS, include_weak=True
            )
            assert weak
            assert all(m.band is None for m in weak)
        good = matching.search(session, index_manager, q=QUERY, kind=Kind.ACHIEVEMENTS)
        assert good
        assert good[0].band in ("高度相关", "相关")


def test_the_api_leaves_weak_matches_out_unless_asked(
    client: TestClient,
    factory: sessionmaker[Session],
    dispatcher: InlineDispatcher,
) -> None:
    with factory() as session:
        _coating(session)
        session.commit()
    strong = client.get("/api/v1/search", params={"q": QUERY}).json()["items"]
    assert strong
    assert 0 < strong[0]["relevance"] <= 1
    assert strong[0]["band"] != "不足"
    assert client.get("/api/v1/search", params={"q": "飞天猫咪披萨"}).json()["items"] == []
    weak = client.get("/api/v1/search", params={"q": "飞天猫咪披萨", "include_weak": "true"})
    assert {m["band"] for m in weak.json()["items"]} == {"不足"}
    bad = client.get("/api/v1/search", params={"q": QUERY, "include_weak": "也许"})
    assert bad.status_code == 422
    assert "是否包含相关度不足的结果" in bad.json()["message"]


@pytest.mark.parametrize(
    ("value", "band"),
    [(0.95, "高度相关"), (0.6, "高度相关"), (0.3, "相关"), (0.05, "可能相关"), (0.01, None)],
)
def test_bands(value: float, band: str | None) -> None:
    assert relevance.band(value) == band


@pytest.mark.parametrize(
    ("words", "coverage", "ranks", "scores"),
    [
        # A Chinese query keeps its lexical ranking though the index knows few of its
        # words, but one known word in four does not make its BM25 share an estimate.
        (["燃料电池", "双极板", "飞天", "猫咪"], 0.25, True, False),
        (["燃料电池", "双极板", "涂层"], 1.0, True, True),
        # English over Chinese items: "water" alone would drag water-based paints up.
        (["ballast", "water", "treatment"], 0.34, False, False),
        (["ballast", "water", "treatment"], 0.67, True, True),
        # Mixed: "funny cat videos 婚礼跟拍摄影套餐" matched one wedding item "fully".
        (["funny", "cat", "videos", "婚礼", "跟拍", "摄影套餐"], 0.17, True, False),
    ],
)
def test_what_the_lexical_side_says_about_a_query(
    words: list[str], coverage: float, ranks: bool, scores: bool
) -> None:
    assert relevance.lexical_roles(words, coverage) == (ranks, scores)


def test_coefficients_fitted_for_another_model_are_refused(
    settings: Settings,
    factory: sessionmaker[Session],
    encoder: object,
    make_client: Callable[..., TestClient],
    admin_token: str,
) -> None:
    other = settings.model_copy(update={"relevance_model_id": "some/other-model@1"})
    manager = IndexManager(other, factory, encoder, get_tokenizer())  # type: ignore[arg-type]
    with pytest.raises(relevance.CalibrationMismatch) as refused:
        manager.calibration  # noqa: B018
    assert "matchmaking calibrate" in refused.value.message
    # A set of coefficients missing is named, in Chinese.
    broken = settings.model_copy(update={"relevance_coefficients": {"query": [1.0, 2.0, 3.0]}})
    with pytest.raises(ConfigurationError) as missing:
        IndexManager(broken, factory, encoder, get_tokenizer()).calibration  # type: ignore[arg-type]  # noqa: B018
    assert "document" in missing.value.message
    assert "3 个系数" in missing.value.message
