"""jieba tokens with the domain dictionary, BM25 ranking, atomic checksummed snapshots."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from embeddings.lexical import LexicalIndex
from embeddings.snapshot import SnapshotError, read_snapshot, write_snapshot
from matchmaking.matching.runtime import get_tokenizer


def test_tokenizer_keeps_domain_terms_and_drops_noise() -> None:
    tokens = get_tokenizer().tokens("我公司需要开发质子交换膜燃料电池的双极板涂层，预算100万元。")
    assert "燃料电池" in tokens
    assert "双极板" in tokens
    assert "100" not in tokens
    assert "的" not in tokens
    assert "，" not in tokens


def test_bm25_ranks_the_matching_document_first() -> None:
    tok = get_tokenizer()
    index = LexicalIndex()
    index.upsert(1, tok.tokens("船舶压载水处理系统"))
    index.upsert(2, tok.tokens("燃料电池金属双极板耐腐蚀涂层"))
    index.upsert(3, tok.tokens("装配式建筑预制构件"))
    index.rebuild()
    hits = index.search(tok.tokens("双极板涂层"), 3)
    assert hits[0][0] == 2
    index.remove(2)
    index.rebuild()
    assert all(i != 2 for i, _ in index.search(tok.tokens("双极板涂层"), 3))
    copy = LexicalIndex.from_bytes(index.to_bytes())
    assert len(copy) == 2
    assert copy.search(tok.tokens("压载水"), 1)[0][0] == 1


def test_snapshot_round_trip_and_corruption(tmp_path: Path) -> None:
    manifest = {"kind": "needs", "model_id": "m1", "dim": 3, "watermark": 5}
    write_snapshot(tmp_path, {"vectors": b"abc", "lexical": b"def"}, manifest)
    got, files = read_snapshot(tmp_path, {"model_id": "m1"})
    assert files == {"vectors": b"abc", "lexical": b"def"}
    assert got["watermark"] == 5
    with pytest.raises(SnapshotError, match="model_id"):
        read_snapshot(tmp_path, {"model_id": "m2"})
    (tmp_path / got["files"]["vectors"]["file"]).write_bytes(b"xyz")
    with pytest.raises(SnapshotError, match="checksum"):
        read_snapshot(tmp_path, {"model_id": "m1"})


def test_new_snapshot_replaces_old_files(tmp_path: Path) -> None:
    write_snapshot(tmp_path, {"vectors": b"1"}, {"watermark": 1})
    write_snapshot(tmp_path, {"vectors": b"2"}, {"watermark": 2})
    _, files = read_snapshot(tmp_path, {})
    assert files["vectors"] == b"2"
    assert len(list(tmp_path.glob("vectors-*"))) == 1


def test_a_manifest_that_is_not_an_object_reads_as_unreadable(tmp_path: Path) -> None:
    # Given a manifest that is valid JSON but not an object (a damaged or foreign file)
    (tmp_path / "manifest.json").write_text("[1, 2]")
    # Then reading it fails the way any unreadable snapshot does (the caller rebuilds)
    with pytest.raises(SnapshotError, match="no readable manifest"):
        read_snapshot(tmp_path, {})
    # And a new snapshot can be written over it
    write_snapshot(tmp_path, {"vectors": b"1"}, {"watermark": 1})
    assert read_snapshot(tmp_path, {})[1] == {"vectors": b"1"}


def _index(tags: dict[int, str]) -> LexicalIndex:
    tok = get_tokenizer()
    index = LexicalIndex()
    for item, text in ((1, "船舶压载水处理系统"), (7, "燃料电池金属双极板耐腐蚀涂层"), (3, "")):
        index.upsert(item, tok.tokens(text), tag=tags.get(item))
    index.rebuild()
    return index


TAGS = {1: "ab" * 32, 7: "not-a-digest 标签"}


def test_a_snapshot_gives_back_every_document_its_tokens_and_tags() -> None:
    index = _index(TAGS)
    copy = LexicalIndex.from_bytes(index.to_bytes())
    for item in (1, 7, 3):
        assert copy.tokens(item) == index.tokens(item)
        assert copy.tag(item) == index.tag(item)
    assert copy.tag(1) == "ab" * 32
    assert copy.tag(7) == "not-a-digest 标签"
    tok = get_tokenizer()
    assert copy.search(tok.tokens("双极板涂层"), 1) == index.search(tok.tokens("双极板涂层"), 1)
    # New words after the load get ids of their own (the vocabulary went along)
    copy.upsert(9, tok.tokens("装配式建筑预制构件"))
    copy.rebuild()
    assert copy.search(tok.tokens("预制构件"), 1)[0][0] == 9
    assert copy.tokens(7) == index.tokens(7)


def test_a_snapshot_written_before_the_array_format_still_loads() -> None:
    # Given a snapshot in the earlier format: gzipped JSON of each document's words
    index = _index(TAGS)
    payload = {
        "docs": {str(k): index.tokens(k) for k in (1, 7, 3)},
        "tags": {str(k): index.tag(k) for k in (1, 7)},
    }
    old = gzip.compress(json.dumps(payload, ensure_ascii=False).encode())
    # Then a process that upgraded still starts from it, with the same documents
    copy = LexicalIndex.from_bytes(old)
    assert {str(k): copy.tokens(k) for k in (1, 7, 3)} == payload["docs"]
    assert copy.tag(1) == "ab" * 32
    tok = get_tokenizer()
    assert copy.search(tok.tokens("压载水"), 1)[0][0] == 1
