"""Three years of outcomes for the demo district: agreements, contracts, payments.

In proportion to the bureau's own figures (../shared/seeds): about 160–200 new
cooperation projects a year; technology-contract turnover in the tens of 亿元 a year
(60.69 亿元 in ten months of 2023; 输出 28.02 亿 in a half year), most of it from a few
large contracts of the shipbuilding and biomedicine leaders. Deterministic: its own
random.Random(14), so adding it changes none of the other files.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

END = date(2026, 11, 30)  # the last day with data (the demo's "now" is December 2026)
YEARS = (2024, 2025, 2026)
AGREEMENTS_PER_YEAR = {2024: 176, 2025: 194, 2026: 181}
CONTRACTS_PER_YEAR = {2024: 310, 2025: 340, 2026: 320}
DISTRICT = "320684"

AGREEMENT_COLUMNS = [
    "key",
    "kind",
    "title",
    "company_key",
    "partner_key",
    "signed_on",
    "summary",
    "planned_amount_wan",
    "origin",
    "status",
]
CONTRACT_COLUMNS = [
    "key",
    "registration_no",
    "name",
    "contract_type",
    "contract_subtype",
    "seller_name",
    "seller_nature",
    "seller_region",
    "seller_key",
    "buyer_name",
    "buyer_nature",
    "buyer_region",
    "buyer_key",
    "signed_on",
    "valid_from",
    "valid_to",
    "amount_wan",
    "tech_amount_wan",
    "tech_field",
    "ip_type",
    "town",
    "registered_on",
    "authority",
    "not_registered_reason",
    "status",
    "agreement_key",
    "origin",
]
PAYMENT_COLUMNS = ["contract_key", "received_on", "amount_wan", "evidence"]

KIND_WEIGHTS = [("project", 55), ("framework", 20), ("intent", 15), ("joint_platform", 10)]
AGREEMENT_ORIGINS = [
    ("direct", 46),
    ("event", 26),
    ("visit", 16),
    ("recommendation", 9),
    ("search", 3),
]
SUBTYPES = [
    ("development", "dev_commissioned", 34),
    ("development", "dev_cooperative", 12),
    ("service", "service", 24),
    ("service", "service_training", 3),
    ("service", "service_intermediary", 2),
    ("consulting", "consulting", 8),
    ("transfer", "transfer_patent", 8),
    ("transfer", "transfer_know_how", 3),
    ("transfer", "transfer_other", 1),
    ("licensing", "license_ordinary", 3),
    ("licensing", "license_exclusive", 2),
]
FIELD_OF_INDUSTRY = {
    "ship_offshore": "advanced_manufacturing",
    "biomedicine": "biomed_devices",
    "ic_semiconductor": "electronic_info",
    "new_materials": "new_materials",
    "hydrogen_storage": "new_energy",
    "nev": "modern_transport",
    "intelligent_manufacturing": "advanced_manufacturing",
    "textiles": "new_materials",
    "construction": "urban_social",
    "synthetic_biology": "biomed_devices",
    "cell_gene": "biomed_devices",
    "electronic_info": "electronic_info",
    "ai": "electronic_info",
}
IP_TYPES = [
    ("none", 40),
    ("know_how", 20),
    ("invention_patent", 18),
    ("utility_patent", 10),
    ("software", 10),
    ("design_patent", 2),
]
REGIONS = {  # universities' 行政区划代码
    "南通大学": "320602",
    "江苏大学": "321102",
    "东南大学": "320102",
    "南京工业大学": "320113",
    "江南大学": "320214",
    "河海大学": "320106",
    "上海交通大学": "310112",
    "同济大学": "310110",
    "南京航空航天大学": "320104",
    "苏州大学": "320508",
    "中国科学院苏州纳米技术与纳米仿生研究所": "320571",
    "江苏科技大学": "321102",
    "扬州大学": "321002",
    "常州大学": "320412",
    "南通理工学院": "320612",
}
OUTSIDE_BUYERS = [  # large buyers of the district's leaders' technology (输出)
    ("招商局重工（深圳）有限公司", "440305"),
    ("中远海运重工有限公司", "310115"),
    ("上海外高桥造船有限公司", "310115"),
    ("广船国际有限公司", "440115"),
    ("大连船舶重工集团有限公司", "210203"),
    ("苏州某生物医药有限公司", "320571"),
    ("浙江某新能源科技有限公司", "330106"),
    ("中国船舶集团物资有限公司", "110108"),
]
TITLES = {
    "development": ["{t}关键技术联合研发", "{t}工艺优化技术开发", "{t}新产品研制"],
    "service": ["{t}检测分析技术服务", "{t}生产线技术改造服务", "{t}工艺咨询与现场技术服务"],
    "consulting": ["{t}可行性论证咨询", "{t}技术路线评估咨询"],
    "transfer": ["{t}专利技术转让", "{t}技术秘密转让"],
    "licensing": ["{t}专利实施许可"],
}
REASONS = ["not_technical", "unclear_terms", "bad_documents", "seals", "name_mismatch"]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def _day(rng: random.Random, year: int) -> date:
    last = END if year == END.year else date(year, 12, 31)
    start = date(year, 1, 1)
    # Fewer in January–February (Spring Festival), more towards the year's end.
    while True:
        d = start + timedelta(days=rng.randrange((last - start).days + 1))
        if d.month > 2 or rng.random() < 0.55:
            return d


def _money(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def build_outcomes(
    rng: random.Random, orgs: list[dict[str, str]]
) -> tuple[list[dict], list[dict], list[dict]]:
    enterprises = [o for o in orgs if o["kind"] == "enterprise" and o.get("town")]
    partners = [o for o in orgs if o["kind"] in ("university", "institute")]
    leaders = [
        o for o in enterprises if o.get("industry_field") in ("ship_offshore", "biomedicine")
    ]
    agreements: list[dict] = []
    by_company: dict[str, list[dict]] = {}
    for year in YEARS:
        for _ in range(AGREEMENTS_PER_YEAR[year]):
            company, partner = rng.choice(enterprises), rng.choice(partners)
            kind = _pick(rng, KIND_WEIGHTS)
            subject = company["name"].removeprefix("南通").removeprefix("海门")[:6]
            noun = {
                "project": "产学研合作项目协议",
                "framework": "产学研合作框架协议",
                "intent": "合作意向书",
                "joint_platform": "共建联合研发中心协议",
            }[kind]
            signed = _day(rng, year)
            amount = "" if kind == "intent" else _money(rng.lognormvariate(3.4, 0.9))
            row = {
                "key": f"AG{len(agreements) + 1:04d}",
                "kind": kind,
                "title": f"{subject}—{partner['name']}{noun}",
                "company_key": company["key"],
                "partner_key": partner["key"],
                "signed_on": signed.isoformat(),
                "summary": f"围绕{company['name']}的技术难题，与{partner['name']}开展联合攻关。",
                "planned_amount_wan": amount,
                "origin": _pick(rng, AGREEMENT_ORIGINS),
                "status": "performing" if signed.year < 2026 and rng.random() < 0.6 else "signed",
            }
            agreements.append(row)
            by_company.setdefault(company["key"], []).append(row)

    contracts: list[dict] = []
    payments: list[dict] = []
    seq: dict[int, int] = {}
    for year in YEARS:
        n = CONTRACTS_PER_YEAR[year]
        big = {rng.randrange(n) for _ in range(14)}
        for i in range(n):
            ctype_sub = rng.choices(SUBTYPES, [s[2] for s in SUBTYPES])[0]
            ctype, sub = ctype_sub[0], ctype_sub[1]
            signed = _day(rng, year)
            if i in big:  # a leader sells its technology out of the district (输出)
                seller = rng.choice(leaders)
                b_name, buyer_region = rng.choice(OUTSIDE_BUYERS)
                amount = rng.uniform(12_000, 90_000)
                s_name, s_nature, s_region, s_key = (
                    seller["name"],
                    "enterprise",
                    DISTRICT,
                    seller["key"],
                )
                b_nature, b_key = "enterprise", ""
                local = seller
                ctype, sub = rng.choice(
                    [
                        ("development", "dev_cooperative"),
                        ("transfer", "transfer_know_how"),
                        ("service", "service"),
                    ]
                )
            else:
                local = rng.choice(enterprises)
                partner = rng.choice(partners)
                amount = min(rng.lognormvariate(3.2, 1.1), 3_000)
                if rng.random() < 0.78:  # the company buys from a university (吸纳)
                    s_name, s_nature, s_region, s_key = (
                        partner["name"],
                        "research_institute" if partner["kind"] == "institute" else "university",
                        REGIONS.get(partner["name"], "320602"),
                        partner["key"],
                    )
                    b_name, b_nature, buyer_region, b_key = (
                        local["name"],
                        "enterprise",
                        DISTRICT,
                        local["key"],
                    )
                else:  # the company sells a service out of the district (输出)
                    s_name, s_nature, s_region, s_key = (
                        local["name"],
                        "enterprise",
                        DISTRICT,
                        local["key"],
                    )
                    b_name, buyer_region = rng.choice(OUTSIDE_BUYERS)
                    b_nature, b_key = "enterprise", ""
            tech_share = rng.uniform(0.55, 0.95) if ctype != "service" else rng.uniform(0.7, 1.0)
            topic = local["name"].removeprefix("南通").removeprefix("海门")[:6]
            name = rng.choice(TITLES[ctype]).format(t=topic)
            # Where it is now: older contracts are registered and performed; recent ones
            # are still on their way (a few in every status).
            age = (END - signed).days
            r = rng.random()
            if age > 200:
                status = (
                    "completed"
                    if r < 0.45
                    else "performing"
                    if r < 0.9
                    else "registered"
                    if r < 0.95
                    else "terminated"
                    if r < 0.975
                    else "not_registered"
                )
            elif age > 45:
                status = (
                    "registered"
                    if r < 0.45
                    else "performing"
                    if r < 0.8
                    else "submitted"
                    if r < 0.88
                    else "signed"
                    if r < 0.94
                    else "not_registered"
                    if r < 0.97
                    else "terminated"
                )
            else:
                status = (
                    "draft"
                    if r < 0.2
                    else "signed"
                    if r < 0.5
                    else "submitted"
                    if r < 0.75
                    else "registered"
                )
            registered = status in ("registered", "performing", "completed") or (
                status == "terminated" and r < 0.97 and age > 200
            )
            reg_on = signed + timedelta(days=rng.randint(6, 40)) if registered else None
            if reg_on is not None and reg_on > END:
                reg_on = END
            reg_no = ""
            if reg_on is not None:
                seq[reg_on.year] = seq.get(reg_on.year, 0) + 1
                reg_no = f"{reg_on.year % 100:02d}320684{seq[reg_on.year]:06d}"
            agreement = ""
            origin = _pick(rng, AGREEMENT_ORIGINS)
            linked = [
                a for a in by_company.get(local["key"], []) if a["signed_on"] <= signed.isoformat()
            ]
            if linked and rng.random() < 0.35:
                agreement = rng.choice(linked)["key"]
                origin = next(a["origin"] for a in agreements if a["key"] == agreement)
            key = f"TC{len(contracts) + 1:05d}"
            months = rng.choice([6, 12, 12, 24, 36])
            contracts.append(
                {
                    "key": key,
                    "registration_no": reg_no,
                    "name": name,
                    "contract_type": ctype,
                    "contract_subtype": sub,
                    "seller_name": s_name,
                    "seller_nature": s_nature,
                    "seller_region": s_region,
                    "seller_key": s_key,
                    "buyer_name": b_name,
                    "buyer_nature": b_nature,
                    "buyer_region": buyer_region,
                    "buyer_key": b_key,
                    "signed_on": signed.isoformat(),
                    "valid_from": signed.isoformat(),
                    "valid_to": (signed + timedelta(days=30 * months)).isoformat(),
                    "amount_wan": _money(amount),
                    "tech_amount_wan": _money(amount * tech_share) if registered else "",
                    "tech_field": FIELD_OF_INDUSTRY.get(
                        local.get("industry_field", ""), "advanced_manufacturing"
                    ),
                    "ip_type": _pick(rng, IP_TYPES),
                    "town": local["town"],
                    "registered_on": reg_on.isoformat() if reg_on else "",
                    "authority": "海门区技术合同登记站" if reg_on else "",
                    "not_registered_reason": rng.choice(REASONS)
                    if status == "not_registered"
                    else "",
                    "status": status,
                    "agreement_key": agreement,
                    "origin": origin,
                }
            )
            if registered and rng.random() < 0.8:  # money received, in one to three parts
                parts = rng.choice([1, 1, 2, 3])
                share = rng.uniform(0.3, 1.0) if status != "completed" else 1.0
                day = signed
                for part in range(parts):
                    day = day + timedelta(days=rng.randint(10, 120))
                    if day > END:
                        break
                    payments.append(
                        {
                            "contract_key": key,
                            "received_on": day.isoformat(),
                            "amount_wan": _money(amount * share / parts),
                            "evidence": f"银行回单 {key}-{part + 1}",
                        }
                    )
    return agreements, contracts, payments
