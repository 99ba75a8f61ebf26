"""The demo data set: it loads cleanly, its vectors are cached, and it matches sensibly."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from embeddings.encoders import Encoder
from matchmaking import demo
from matchmaking.config import Settings
from matchmaking.db import make_engine, make_sessionmaker
from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.runtime import get_tokenizer
from matchmaking.migrate import upgrade
from matchmaking.models import Need


@pytest.fixture(scope="module")
def demo_client(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder):  # noqa: ANN201
    from web.app import create_app

    data_dir: Path = tmp_path_factory.mktemp("demo")
    settings = Settings(data_dir=data_dir)
    upgrade(settings.db_url)
    factory = make_sessionmaker(make_engine(settings.db_url))
    manager = IndexManager(settings, factory, encoder, get_tokenizer())
    report = demo.load(factory, manager)
    app = create_app(settings, session_factory=factory, encoder=encoder,
                     dispatcher=lambda _n, _a: None)  # fmt: skip
    with TestClient(app) as client:
        yield client, report, factory


def test_demo_loads_without_errors_and_from_the_vector_cache(demo_client) -> None:  # noqa: ANN001
    client, report, _ = demo_client
    assert report.organizations >= 75
    for kind, rep in report.imports.items():
        assert rep.errors == [], (kind, rep.errors[:3])
    assert report.imports["needs"].created >= 150
    assert report.imports["achievements"].created >= 300
    assert report.imports["experts"].created >= 60
    # Every demo text's vector is in the committed cache: `make demo` encodes nothing.
    assert report.encoded == 0
    status = client.get("/api/v1/status").json()
    for kind in ("needs", "achievements", "experts"):
        assert status["embeddings"][kind]["stale_or_missing"] == 0


def test_demo_covers_the_districts_industries(demo_client) -> None:  # noqa: ANN001
    client, _, _ = demo_client
    fields = set()
    page = client.get("/api/v1/needs", params={"page_size": 100}).json()
    for p in range(1, page["pages"] + 1):
        for need in client.get("/api/v1/needs", params={"page_size": 100, "page": p}).json()[
            "items"
        ]:
            fields.add(need["industry_field"])
    assert {
        "ship_offshore",
        "biomedicine",
        "ic_semiconductor",
        "new_materials",
        "hydrogen_storage",
        "intelligent_manufacturing",
        "textiles",
        "construction",
    } <= fields


@pytest.mark.parametrize("external_id", ["N-H2-001", "N-H2-002", "N-H2-003"])
def test_fuel_cell_needs_get_fuel_cell_matches_first(demo_client, external_id: str) -> None:  # noqa: ANN001
    client, _, factory = demo_client
    with factory() as session:
        need_id = session.scalar(select(Need.id).where(Need.external_id == external_id))
    assert need_id is not None
    achievements = client.get(
        f"/api/v1/needs/{need_id}/recommendations", params={"target": "achievements", "limit": 3}
    ).json()["items"]
    for match in achievements:
        text = match["item"]["title"] + match["item"]["abstract"]
        assert "燃料电池" in text or "氢" in text, match["item"]["title"]
    assert achievements[0]["shared_terms"]
    experts = client.get(
        f"/api/v1/needs/{need_id}/recommendations", params={"target": "experts", "limit": 1}
    ).json()["items"]
    assert "燃料电池" in experts[0]["item"]["expertise"]


def test_demo_has_three_years_of_outcomes_like_a_real_district(demo_client) -> None:  # noqa: ANN001
    from collections import Counter
    from decimal import Decimal

    from matchmaking.enums import ContractStatus
    from matchmaking.models import ContractPayment, CooperationAgreement, Docking, TechContract
    from matchmaking.outcomes import demo as outcomes_demo

    client, report, factory = demo_client
    assert report.outcomes["dockings"] >= 5
    with factory() as session:
        agreements = session.scalars(select(CooperationAgreement)).all()
        contracts = session.scalars(select(TechContract)).all()
        paid = session.scalars(select(ContractPayment.contract_id)).all()
        signed = session.scalars(select(Docking).where(Docking.status == "signed")).all()
        # Loading again adds nothing.
        assert outcomes_demo.load(session, demo.DEMO_DIR, {}) == {}
    per_year = Counter(a.signed_on.year for a in agreements)
    assert all(160 <= per_year[y] <= 210 for y in (2024, 2025)), per_year
    turnover: dict[int, Decimal] = {}
    for c in contracts:
        if c.registered_on is not None:
            turnover[c.registered_on.year] = turnover.get(c.registered_on.year, 0) + c.amount_wan
    for year in (2024, 2025):
        assert 200_000 <= turnover[year] <= 1_000_000, turnover  # tens of 亿元 (in 万元)
        top = sorted(
            (c.amount_wan for c in contracts if c.registered_on and c.registered_on.year == year),
            reverse=True,
        )
        assert sum(top[:15]) > turnover[year] / 2  # most of it from a few large contracts
    assert {c.status for c in contracts} == set(ContractStatus)
    assert paid
    traced = [c for c in contracts if c.docking_id is not None]
    assert traced
    assert all(any(a.docking_id == d.id for a in agreements) for d in signed)
    # The pages show them.
    assert client.get("/api/v1/contracts?registered=true").status_code in (401, 200)


def test_demo_gives_the_event_and_visit_indicators_a_history(demo_client) -> None:  # noqa: ANN001
    import random

    from matchmaking import clock
    from matchmaking.accounts.permissions import DISTRICT
    from matchmaking.events import demo as events_demo
    from matchmaking.kpi import service
    from matchmaking.models import KpiTarget, User

    _, _, factory = demo_client
    last_year = clock.local_today().year - 1
    with factory() as session:
        view = service.View(year=last_year, month=12, scope=DISTRICT)
        monthly = service.all_monthly(session, view)
        # Loading the history again adds nothing.
        staff = session.scalars(select(User).where(User.username == "staff")).one()
        again = events_demo._history(session, staff, clock.local_today(), random.Random(1))
        assert again == 0
        targets = set(session.scalars(select(KpiTarget.indicator)))
    for code, months, towns in (
        ("events_held", 12, 4),
        ("event_participants", 12, 4),
        ("visits_made", 4, 3),
        ("visit_needs", 2, 2),
    ):
        by_town = monthly[code]
        active = [m for m in range(12, 24) if any(v[m] > 0 for v in by_town.values())]
        in_towns = [t for t, v in by_town.items() if t is not None and sum(v[12:]) > 0]
        assert len(active) >= months, (code, active)
        assert len(in_towns) >= towns, (code, in_towns)
        assert code in targets
    # A few events had no host town: the district total counts them.
    assert None in monthly["events_held"]


def test_the_demo_expert_is_asked_for_free_half_days_on_the_planned_campaign(
    demo_client,  # noqa: ANN001
) -> None:
    from matchmaking.models import Campaign, DiagnosisRequest, Organization
    from matchmaking.visits import demo as visits_demo
    from tests.web.pages_helpers import login, soup

    client, _, factory = demo_client
    with factory() as session:
        planned = session.scalar(select(Campaign).where(Campaign.title == visits_demo.PLANNED))
        assert planned is not None
        asked = session.scalars(
            select(Organization.name)
            .join(DiagnosisRequest, DiagnosisRequest.org_id == Organization.id)
            .where(DiagnosisRequest.campaign_id == planned.id)
        ).all()
    # Enough requests for a real run; the demo company is left to ask for itself.
    assert len(asked) >= 10
    assert visits_demo.DEMO_COMPANY not in asked
    expert = TestClient(client.app)  # its own cookies
    login(expert, "zhuanjia", demo.DEMO_PASSWORD)
    page = soup(expert.get(f"/visits/{planned.id}").text)
    form = page.select_one(f"form[action='/visits/{planned.id}/availability']")
    assert form is not None, "the demo expert is in the planned campaign's pool"
    assert len(form.select("input[name=available][checked]")) == len(planned.half_days)
    company = TestClient(client.app)
    login(company, "qiye", demo.DEMO_PASSWORD)
    ask = soup(company.get(f"/visits/{planned.id}").text)
    assert ask.select_one(f"form[action='/visits/{planned.id}/ask']") is not None


def _search(client: TestClient, q: str, **params: object) -> list[dict]:
    return client.get("/api/v1/search", params={"q": q, "kind": "achievements", **params}).json()[
        "items"
    ]


def test_the_fuel_cell_need_shows_honest_relevance_and_a_reason(demo_client) -> None:  # noqa: ANN001
    client, _, factory = demo_client
    with factory() as session:
        need_id = session.scalar(select(Need.id).where(Need.external_id == "N-H2-001"))
    experts = client.get(
        f"/api/v1/needs/{need_id}/recommendations",
        params={"target": "experts", "limit": 20, "include_weak": "true"},
    ).json()["items"]
    by_focus = {e["item"]["name"]: e for e in experts}
    assert by_focus
    for e in experts:
        assert 0 <= e["relevance"] <= 1
        text = e["item"]["expertise"]
        # Experts of other trades (battery separators, by-wire chassis) are not shown as
        # matches any more: the users saw them at 72–73 %.
        if "燃料电池" not in text and "氢" not in text and "双极板" not in text:
            assert e["band"] in ("可能相关", "不足"), (text[:30], e["relevance"])
    fuel = [e for e in experts if "燃料电池" in e["item"]["expertise"]]
    assert fuel
    assert fuel[0]["band"] in ("高度相关", "相关")
    achievements = client.get(
        f"/api/v1/needs/{need_id}/recommendations", params={"target": "achievements", "limit": 5}
    ).json()["items"]
    # Not everything is 100 %: the top match is an estimate, not the list's best.
    assert achievements
    assert all(a["reason"] for a in achievements)
    assert len({round(a["relevance"], 2) for a in achievements}) > 1


@pytest.mark.parametrize("q", ["qwzxq 飞天猫咪披萨", "周末去哪里吃火锅", "xkcd qwertyuiop"])
def test_a_nonsense_query_shows_no_match(demo_client, q: str) -> None:  # noqa: ANN001
    client, _, _ = demo_client
    assert _search(client, q) == []
    weak = _search(client, q, include_weak="true")
    assert weak
    assert all(m["band"] == "不足" for m in weak)


def test_an_english_query_finds_the_ballast_water_achievements_first(demo_client) -> None:  # noqa: ANN001
    client, _, _ = demo_client
    hits = _search(client, "ballast water treatment", limit=5)
    assert len(hits) >= 3
    top3 = [h["item"]["title"] for h in hits[:3]]
    assert all("压载水" in t for t in top3), top3


def test_demo_home_and_search_pages_browse_by_industry_and_town(demo_client) -> None:  # noqa: ANN001
    from bs4 import BeautifulSoup

    client, _, _ = demo_client
    home = BeautifulSoup(client.get("/").text, "html.parser")
    for section in (".browse-industry", ".browse-town"):
        links = home.select(f"{section} a")
        assert len(links) >= 3, section
        first = links[0]
        shown = int(first.get_text().split()[-1])
        page = BeautifulSoup(client.get(str(first["href"])).text, "html.parser")
        count = page.select_one(".count")
        assert count is not None
        assert f"共 {shown} 条" in count.get_text(), (section, first["href"])
        assert page.select("ol.results > li")
    assert home.select(".latest-needs li")
    assert home.select(".latest-achievements li")
    assert home.select_one(".bureau") is not None
    # A query within one industry: ranked, explained, all of that industry.
    found = client.get(
        "/search",
        params={"q": "燃料电池 双极板", "kind": "achievements", "industry": "氢能与新型储能"},
    )
    hits = BeautifulSoup(found.text, "html.parser").select("ol.results > li")
    assert hits
    assert all("氢能与新型储能" in h.select_one(".meta").get_text() for h in hits)
    assert "匹配度" in hits[0].get_text()
