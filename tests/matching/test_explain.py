"""Explanations a reader can check: shared terms without filler, one sentence from the
fields (``matching.explain``)."""

from __future__ import annotations

from types import SimpleNamespace

from matchmaking.matching import explain
from matchmaking.matching.runtime import get_tokenizer

GENERIC = ("方向", "提供", "严重", "环境", "关键", "从事", "重点", "共建联合")


def _terms(query: str, doc: str, *, n_items: int = 5, df: float = 0.0) -> list[str]:
    tokens = get_tokenizer().tokens
    return explain.shared_terms(
        tokens(query), tokens(doc), idf=lambda _t: 1.0, df_share=lambda _t: df, n_items=n_items
    )


def test_generic_words_the_issue_names_are_never_shown() -> None:
    # Two texts that share the filler words the users saw, and one real term.
    text = "重点方向：提供关键环境条件，从事共建联合研究，污染严重。质子交换膜耐久性"
    terms = _terms(text, text)
    assert "质子交换膜" in terms
    assert not set(GENERIC) & set(terms), terms
    assert all(w in explain.stop_words() for w in GENERIC)


def test_a_word_from_the_industry_label_alone_is_not_a_reason() -> None:
    # Both texts carry the field line of 氢能与新型储能; only one mentions 氢能 itself.
    label = "领域：氢能与新型储能"
    only_label = _terms(f"燃料电池双极板涂层\n{label}", f"金属双极板镀层工艺\n{label}")
    assert "氢能" not in only_label
    assert "储能" not in only_label
    assert "双极板" in only_label
    # Where both texts use the word in their own sentences, it is a real shared term.
    both = _terms(f"氢能重卡供氢系统\n{label}", f"车载氢能储运装置\n{label}")
    assert "氢能" in both


def test_words_most_items_use_are_dropped_once_the_kind_is_large_enough() -> None:
    query, doc = "膜电极催化层", "膜电极催化层涂布"
    assert _terms(query, doc, n_items=100, df=0.6) == []
    # In a handful of items a share says nothing: the term is kept.
    assert "膜电极" in _terms(query, doc, n_items=5, df=0.6)


def test_numbers_and_units_are_not_terms() -> None:
    assert _terms("寿命 5000h 长度 10m", "5000h 10m") == []


def _need(**kw: object) -> SimpleNamespace:
    base = {
        "title": "燃料电池双极板",
        "description": "需要耐腐蚀涂层",
        "indicators": "接触电阻≤10mΩ·cm²",
        "industry_field": "hydrogen_storage",
        "budget_wan": 50.0,
        "cooperation_mode": "transfer",
    }
    return SimpleNamespace(**{**base, **kw})


def _achievement(**kw: object) -> SimpleNamespace:
    base = {
        "title": "双极板涂层",
        "abstract": "低接触电阻涂层",
        "maturity": "scaleup",
        "trl": 6,
        "cooperation_mode": "transfer",
        "price_wan": 40.0,
    }
    return SimpleNamespace(**{**base, **kw})


def test_the_sentence_compares_maturity_indicator_mode_and_price() -> None:
    s = explain.sentence(_need(), _achievement(), ["接触电阻", "双极板"])
    assert "中试（TRL 6），可直接转化" in s
    assert "“接触电阻”" in s
    assert "双方都接受技术转让" in s
    assert "报价 40 万元，在预算 50 万元以内" in s
    assert s.endswith("。")


def test_the_sentence_says_when_price_exceeds_budget_and_a_lab_result_is_not_ready() -> None:
    s = explain.sentence(
        _need(),
        _achievement(maturity="lab", trl=3, price_wan=80.0, cooperation_mode="licensing"),
        [],
    )
    assert "离直接转化还需放大验证" in s
    assert "高出预算 50 万元 30 万元" in s
    assert "双方都接受" not in s
    # The same sentence whichever side is the source (an achievement's fitting needs).
    assert s == explain.sentence(
        _achievement(maturity="lab", trl=3, price_wan=80.0, cooperation_mode="licensing"),
        _need(),
        [],
    )


def test_an_expert_sentence_names_the_field_and_the_time() -> None:
    expert = SimpleNamespace(
        name="李", expertise="双极板", fields="hydrogen_storage;nev", availability="周五下午"
    )
    s = explain.sentence(_need(), expert, [])
    assert "专家研究领域含氢能与新型储能" in s
    assert "可约时间：周五下午" in s


def test_no_fields_no_sentence() -> None:
    bare = _achievement(maturity="", trl=None, cooperation_mode="", price_wan=None)
    assert explain.sentence(_need(budget_wan=None), bare, []) == ""
