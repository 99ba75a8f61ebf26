"""Read the written CSVs back and check them against the brief; raise on any problem."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date
from pathlib import Path

from common import FIELDS, MATURITIES, MODES, NEED_STATUSES, ORG_KINDS, TRL_RANGE, patent_check

PATENT = re.compile(r"^ZL(20(1[5-9]|2[0-5])[12]\d{7})\.([\dX])$")


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        assert f.read(1) != "\ufeff", f"{path.name} has a BOM"
        f.seek(0)
        return list(csv.DictReader(f))


def check(demo: Path, today: date) -> dict[str, int]:
    problems: list[str] = []

    def need(cond: bool, msg: str) -> None:
        if not cond:
            problems.append(msg)

    orgs = read(demo / "organizations.csv")
    needs = read(demo / "needs.csv")
    achs = read(demo / "achievements.csv")
    experts = read(demo / "experts.csv")
    kinds = {o["key"]: o["kind"] for o in orgs}
    need(len(kinds) == len(orgs), "duplicate org keys")
    need(len({o["name"] for o in orgs}) == len(orgs), "duplicate org names")
    kc = Counter(o["kind"] for o in orgs)
    need(kc["enterprise"] == 60, f"enterprises {kc['enterprise']}")
    need(kc["university"] + kc["institute"] == 15 and kc["bureau"] == 1 and kc["intermediary"] == 2,
         f"org kinds {kc}")
    for o in orgs:
        need(o["kind"] in ORG_KINDS, f"org kind {o}")
        need(o["industry_field"] in FIELDS or o["industry_field"] == "", f"org field {o['key']}")
        need(30 <= len(o["description"]) <= 80, f"org desc length {o['key']} {len(o['description'])}")

    # needs
    need(len(needs) >= 160, f"needs {len(needs)}")
    need(len({n["external_id"] for n in needs}) == len(needs), "need ids not unique")
    need(len({(n["org_key"], n["title"]) for n in needs}) == len(needs), "need titles not unique")
    need({n["org_key"] for n in needs} == {k for k, v in kinds.items() if v == "enterprise"},
         "not every enterprise has a need / needs from non-enterprises")
    need({n["industry_field"] for n in needs} == set(FIELDS), "needs miss a field")
    for n in needs:
        need(kinds.get(n["org_key"]) == "enterprise", f"need org {n['external_id']}")
        need(n["industry_field"] in FIELDS and n["cooperation_mode"] in MODES
             and n["status"] in NEED_STATUSES, f"need codes {n['external_id']}")
        need(80 <= len(n["description"]) <= 250, f"need desc {n['external_id']} {len(n['description'])}")
        need(10 <= int(n["budget_wan"]) <= 800, f"budget {n['external_id']}")
        need(bool(n["indicators"]) and bool(n["contact_name"]), f"need fields {n['external_id']}")
    deadlines = [date.fromisoformat(n["deadline"]) for n in needs]
    need(sum(d < today for d in deadlines) == 4, "expired needs != 4")
    need(sum(d.year == 2025 for d in deadlines) == 4, "2025 deadlines != 4")
    need(sum(d.year == 2027 for d in deadlines) > len(needs) * 0.8, "not mostly 2027")
    sc = Counter(n["status"] for n in needs)
    need(sc["closed"] == 5 and sc["solved"] == 3, f"statuses {sc}")
    h2 = [n for n in needs if n["external_id"] in ("N-H2-001", "N-H2-002", "N-H2-003")]
    need(len(h2) == 3 and all("燃料电池" in n["title"] for n in h2), "fuel-cell needs")

    # achievements
    need(len(achs) >= 300, f"achievements {len(achs)}")
    need(len({a["external_id"] for a in achs}) == len(achs), "ach ids not unique")
    need(len({(a["org_key"], a["title"]) for a in achs}) == len(achs), "ach titles not unique")
    for a in achs:
        aid = a["external_id"]
        need(kinds.get(a["org_key"]) in ("university", "institute"), f"ach org {aid}")
        need(a["industry_field"] in FIELDS and a["maturity"] in MATURITIES
             and a["cooperation_mode"] in MODES, f"ach codes {aid}")
        lo, hi = TRL_RANGE[a["maturity"]]
        need(lo <= int(a["trl"]) <= hi, f"trl {aid}")
        need(100 <= len(a["abstract"]) <= 300, f"abstract {aid} {len(a['abstract'])}")
        need(0 <= int(a["price_wan"]) <= 500, f"price {aid}")
        need(3 <= len(a["keywords"].split(";")) <= 6, f"keywords {aid}")
        pats = [p for p in a["patent_numbers"].split(";") if p]
        need(len(pats) <= 2, f"patents count {aid}")
        for p in pats:
            m = PATENT.match(p)
            need(bool(m) and patent_check(m.group(1)) == m.group(3), f"patent {aid} {p}")
    fuel = [a for a in achs if "燃料电池" in a["title"] + a["keywords"]]
    need(len(fuel) >= 8, f"fuel-cell achievements {len(fuel)}")

    # experts
    need(len(experts) == 60, f"experts {len(experts)}")
    need(len({(e["org_key"], e["name"]) for e in experts}) == len(experts), "expert names")
    for e in experts:
        need(kinds.get(e["org_key"]) in ("university", "institute"), f"expert org {e['external_id']}")
        fs = e["fields"].split(";")
        need(1 <= len(fs) <= 2 and all(f in FIELDS for f in fs), f"expert fields {e['external_id']}")
        need(e["title"] in ("教授", "研究员", "副教授", "高级工程师"), f"title {e['external_id']}")
        need(60 <= len(e["expertise"]) <= 150, f"expertise {e['external_id']} {len(e['expertise'])}")
    need(sum("燃料电池" in e["expertise"] for e in experts) >= 3, "fuel-cell experts")

    if problems:
        raise SystemExit("demo data check failed:\n  " + "\n  ".join(problems[:40]))
    return {"organizations": len(orgs), "needs": len(needs), "achievements": len(achs),
            "experts": len(experts)}
