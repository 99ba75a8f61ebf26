"""The printable booklet (需求信息汇编 / 科技成果汇编): grouped by field, numbered, no contacts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bs4 import BeautifulSoup
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.common.filters import ItemFilters
from matchmaking.enums import Kind
from matchmaking.exporting.service import compilation, render_compilation
from tests.exporting.test_export import NEED_HEADER, NEEDS, load
from tests.importing.conftest import COMPANY, UNIVERSITY, Orgs

STATIC = Path(__file__).parents[2] / "web" / "static"

TODAY = date(2026, 11, 5)
RISKY = [  # a title a careless page would run as a script
    "", COMPANY, "<script>alert(1)</script>涂层", "描述足够长的需求描述文字，用于测试转义。",
    "", "新材料", "", "技术咨询", "", "赵工", "",
]  # fmt: skip


def test_needs_booklet_lists_every_item_under_its_field(
    factory: sessionmaker[Session], registered: Orgs
) -> None:
    load(factory, Kind.NEEDS, [NEED_HEADER, *NEEDS, RISKY])
    with factory() as session:
        book = compilation(session, Kind.NEEDS, region="海门区", today=TODAY)
    assert book.title == "海门区技术需求信息汇编（2026年11月）"
    # Fields in the vocabulary's order; numbering runs on across fields; the solved need is out
    assert [(g.label, [i.number for i in g.items]) for g in book.groups] == [
        ("船舶海工", [1]),
        ("新材料", [2]),
        ("氢能与新型储能", [3, 4]),
    ]

    html = render_compilation(book)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.title.string == book.title
    # Its print layout is a static stylesheet (the pages' CSP refuses inline styles)
    sheet = soup.find("link", rel="stylesheet")["href"]
    assert "@media print" in (STATIC / sheet.removeprefix("/static/")).read_text("utf-8")
    toc = [a["href"] for a in soup.select("nav.toc a")]
    sections = soup.select("section.field-section")
    assert toc == [f"#{s['id']}" for s in sections]
    listed = {
        s.h2.get_text(): [a.select_one(".title").get_text() for a in s.select("article.item")]
        for s in sections
    }
    assert listed == {
        "1. 船舶海工": ["船舶压载水处理低能耗方案"],
        "2. 新材料": ["<script>alert(1)</script>涂层"],
        "3. 氢能与新型储能": ["燃料电池双极板耐腐蚀涂层", "储氢罐碳纤维缠绕工艺优化"],
    }
    assert soup.find("script") is None  # the title was escaped, not run
    first = soup.select_one("#item-3")
    facts = {tr.th.get_text(): tr.td.get_text() for tr in first.select("table.facts tr")}
    assert facts["预算"] == "120.5 万元"
    assert facts["合作方式"] == "合作开发"
    assert facts["截止日期"] == "2099-06-30"
    assert COMPANY in first.select_one(".owner").get_text()
    assert "三厂街道" in first.select_one(".owner").get_text()
    assert "接触电阻≤10mΩ·cm²" in first.get_text()  # the indicators
    # No contact person unless staff ask for them
    for name in ("张工", "李工", "王工", "赵工"):
        assert name not in html
    with factory() as session:
        staff = render_compilation(
            compilation(session, Kind.NEEDS, include_contacts=True, region="海门区", today=TODAY)
        )
    assert "张工" in staff


def test_achievements_booklet_shows_maturity_and_applies_filters(
    factory: sessionmaker[Session], registered: Orgs
) -> None:
    header = ["单位", "成果名称", "成果简介", "行业领域", "成熟度", "技术就绪度", "合作方式"]
    load(factory, Kind.ACHIEVEMENTS, [
        header,
        [UNIVERSITY, "双极板碳基涂层", "燃料电池金属双极板碳基复合导电涂层技术。",
         "氢能与新型储能", "中试", "6", "技术许可"],
        [UNIVERSITY, "碳化硅功率器件封装", "第三代半导体碳化硅功率模块的高可靠封装工艺。",
         "集成电路与第三代半导体", "小试", "", "合作开发"],
    ])  # fmt: skip
    with factory() as session:
        book = compilation(
            session,
            Kind.ACHIEVEMENTS,
            ItemFilters(industry_field="hydrogen_storage"),
            region="海门区",
            today=TODAY,
        )
    assert book.title == "海门区科技成果汇编（2026年11月）"
    assert [g.label for g in book.groups] == ["氢能与新型储能"]
    soup = BeautifulSoup(render_compilation(book), "html.parser")
    items = soup.select("article.item")
    assert [i.select_one(".title").get_text() for i in items] == ["双极板碳基涂层"]
    facts = {tr.th.get_text(): tr.td.get_text() for tr in items[0].select("table.facts tr")}
    assert facts["成熟度"] == "中试（TRL 6）"
    assert facts["参考价格"] == "面议"


def test_empty_booklet_says_so(factory: sessionmaker[Session], registered: Orgs) -> None:
    with factory() as session:
        book = compilation(session, Kind.NEEDS, region="海门区", today=TODAY)
    soup = BeautifulSoup(render_compilation(book), "html.parser")
    assert soup.select("article.item") == []
    assert "没有符合条件的条目" in soup.get_text()
