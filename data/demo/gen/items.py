"""Achievements (from universities) and technical needs (from enterprises)."""

from __future__ import annotations

from datetime import date

from common import FIELDS, POOLS, TRL_RANGE, patent_number, random_date
from texts import (DERIVED_SUFFIX, achievement_abstract, achievement_keywords, need_description,
                   need_indicators, need_title)

ACH_COLUMNS = ["external_id", "org_key", "title", "abstract", "industry_field", "maturity", "trl",
               "patent_numbers", "cooperation_mode", "price_wan", "team_leader", "keywords"]
NEED_COLUMNS = ["external_id", "org_key", "title", "description", "indicators", "industry_field",
                "budget_wan", "deadline", "cooperation_mode", "status", "contact_name"]

ACH_MODES = {
    "lab": (["joint_development", "commissioned_development", "consulting"], [50, 35, 15]),
    "pilot": (["joint_development", "commissioned_development", "licensing"], [45, 30, 25]),
    "scaleup": (["licensing", "transfer", "joint_development", "joint_platform"], [30, 30, 25, 15]),
    "industrialized": (["transfer", "licensing", "service"], [50, 35, 15]),
}
PRICE = {"consulting": (0, 30), "service": (5, 50), "joint_development": (20, 200),
         "commissioned_development": (20, 200), "licensing": (30, 300), "transfer": (50, 500),
         "joint_platform": (100, 500)}
BUDGET = {"consulting": (10, 40), "service": (15, 80), "joint_development": (50, 500),
          "commissioned_development": (40, 400), "licensing": (30, 300), "transfer": (50, 400),
          "joint_platform": (200, 800)}
NEED_MODES = (["joint_development", "commissioned_development", "consulting", "service", "transfer",
               "licensing", "joint_platform"], [34, 25, 8, 8, 10, 8, 7])
# Fuel-cell needs with fixed ids and titles (topic subject -> id, title).
FUEL_NEEDS = {
    "燃料电池金属双极板耐腐蚀涂层": ("N-H2-001", "氢燃料电池金属双极板耐腐蚀涂层开发"),
    "质子交换膜燃料电池低铂催化剂": ("N-H2-002", "质子交换膜燃料电池低铂催化剂开发"),
    "燃料电池膜电极批量化制备": ("N-H2-003", "燃料电池膜电极批量化制备工艺开发"),
}
# Topics that enterprises of another field also post.
CROSS = {"布面瑕疵智能检测": "textiles", "工厂能耗智能调度": "intelligent_manufacturing", "动力电池回收利用": "hydrogen_storage"}
DERIVED_NEEDS = 28


def round5(x: int) -> int:
    return max(5, 5 * round(x / 5)) if x >= 5 else x


def build_achievements(rng, names, topics, experts_by) -> list[dict]:
    rows, n = [], 0
    for field in FIELDS:
        pool = POOLS[field]
        for topic in topics[field]:
            owners = rng.sample(pool, min(3, len(pool)))
            for idx, title in enumerate(topic.titles):
                n += 1
                org = owners[idx % len(owners)]
                maturity = rng.choices(["lab", "pilot", "scaleup", "industrialized"], [25, 30, 25, 20])[0]
                trl = rng.randint(*TRL_RANGE[maturity])
                k = rng.choices([0, 1, 2], [45, 40, 15] if maturity == "lab" else [25, 45, 30])[0]
                patents = ";".join(patent_number(rng) for _ in range(k))
                modes, weights = ACH_MODES[maturity]
                mode = rng.choices(modes, weights)[0]
                price = round5(rng.randint(*PRICE[mode]))
                known = experts_by.get((org, field), [])
                leader = rng.choice(known) if known and rng.random() < 0.6 else names.new()
                rows.append(dict(
                    external_id=f"A{n:04d}", org_key=org, title=title,
                    abstract=achievement_abstract(rng, topic, title, idx, maturity, k),
                    industry_field=field, maturity=maturity, trl=trl, patent_numbers=patents,
                    cooperation_mode=mode, price_wan=price, team_leader=leader,
                    keywords=achievement_keywords(rng, topic, title)))
    return rows


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _pick_owner(topic, by_field, load) -> tuple[str, str]:
    cands = list(by_field[topic.field])
    if topic.subject in CROSS:
        cands += by_field[CROSS[topic.subject]]
    text = _bigrams(topic.subject + topic.problem + "".join(topic.keywords))
    return max(cands, key=lambda c: len(_bigrams(c[1]) & text) - 1.5 * load[c[0]])


def _need(rng, key, biz, topic, title, contact, derived=None, mode=None) -> dict:
    mode = mode or rng.choices(*NEED_MODES)[0]
    if rng.random() < 0.92:
        deadline = random_date(rng, date(2027, 1, 10), date(2027, 12, 31))
    else:
        deadline = random_date(rng, date(2028, 1, 5), date(2028, 6, 30))
    return dict(external_id="", org_key=key, title=title,
                description=need_description(rng, biz, topic, mode, derived),
                indicators=need_indicators(rng, topic, derived is not None),
                industry_field=topic.field, budget_wan=round5(rng.randint(*BUDGET[mode])),
                deadline=deadline.isoformat(), cooperation_mode=mode, status="open",
                contact_name=contact)


def build_needs(rng, names, topics, by_field) -> list[dict]:
    contacts = {key: names.new() for f in FIELDS for key, _ in by_field[f]}
    load = {key: 0 for key in contacts}
    rows = []
    for field in FIELDS:
        for topic in topics[field]:
            key, biz = _pick_owner(topic, by_field, load)
            load[key] += 1
            fixed = FUEL_NEEDS.get(topic.subject)
            title = fixed[1] if fixed else need_title(rng, topic.subject)
            row = _need(rng, key, biz, topic, title, contacts[key])
            if fixed:
                row["external_id"] = fixed[0]
            rows.append(row)
    # Derived needs: first for enterprises still without a need, then spread at random.
    owners = [(k, b, f) for f in FIELDS for k, b in by_field[f] if load[k] == 0]
    all_ents = [(k, b, f) for f in FIELDS for k, b in by_field[f]]
    while len(owners) < DERIVED_NEEDS:
        owners.append(rng.choice(all_ents))
    used = set()
    for key, biz, field in owners:
        topic = rng.choice([t for t in topics[field] if t.subject not in used])
        used.add(topic.subject)
        source = topic.titles[rng.choice([1, 2])]
        suffix = rng.choice(DERIVED_SUFFIX)
        mode = {"技术引进": rng.choice(["transfer", "licensing"]),
                "中试验证": rng.choice(["joint_development", "service"])}.get(suffix)
        rows.append(_need(rng, key, biz, topic, source + suffix, contacts[key], source, mode))
        load[key] += 1
    return rows


def assign_ids_and_statuses(rng, rows: list[dict]) -> None:
    """Sort by enterprise, number the needs, and set the few special statuses and deadlines."""
    rows.sort(key=lambda r: (r["org_key"], r["external_id"] == ""))
    n = 0
    for r in rows:
        if not r["external_id"]:
            n += 1
            r["external_id"] = f"N{n:04d}"
    free = [r for r in rows if not r["external_id"].startswith("N-H2")]
    special = rng.sample(free, 4 + 5 + 3 + 8)
    for r in special[:4]:  # still marked open, but the deadline has passed
        r["deadline"] = random_date(rng, date(2025, 3, 1), date(2025, 10, 31)).isoformat()
    for r in special[4:9]:
        r["status"] = "closed"
    for r in special[9:12]:
        r["status"] = "solved"
    for r in special[12:]:
        r["status"] = "in_docking"
