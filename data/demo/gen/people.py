"""Organizations and experts of the demo."""

from __future__ import annotations

from common import BIZ, ENTERPRISES, FIELD_LABELS, FIELDS, POOLS, TOWNS, UNIVERSITIES
from texts import AVAILABILITY, COMPANY_TAGS, expertise_text

ORG_COLUMNS = ["key", "name", "kind", "district", "town", "industry_field", "description"]
EXPERT_COLUMNS = ["external_id", "name", "org_key", "title", "fields", "expertise", "availability"]

OTHER_ORGS = [
    ("BUR001", "海门区科学技术局", "bureau", "海门区", "海门街道",
     "负责全区科技创新政策落实、产学研合作组织、技术专家巡诊与技术合同认定登记等工作。"),
    ("INT001", "海门区技术转移中心", "intermediary", "海门区", "海门街道",
     "提供技术需求挖掘、科技成果评价、技术经纪和技术合同登记辅导等技术转移服务。"),
    ("INT002", "南通江海技术经纪有限公司", "intermediary", "崇川区", "",
     "专业技术经纪机构，为企业与高校院所提供成果推介、对接洽谈和知识产权运营服务。"),
]
# Fields an expert in one field often also covers.
RELATED = {
    "hydrogen_storage": "nev", "nev": "hydrogen_storage", "ship_offshore": "intelligent_manufacturing",
    "intelligent_manufacturing": "ai", "ic_semiconductor": "electronic_info",
    "electronic_info": "ic_semiconductor", "ai": "intelligent_manufacturing",
    "synthetic_biology": "biomedicine", "cell_gene": "biomedicine", "biomedicine": "synthetic_biology",
    "new_materials": "construction", "construction": "new_materials", "textiles": "new_materials",
}
EXPERT_COUNT = {
    "hydrogen_storage": 6, "ship_offshore": 5, "biomedicine": 5, "ic_semiconductor": 5,
    "new_materials": 5, "intelligent_manufacturing": 5, "electronic_info": 5, "nev": 4,
    "textiles": 4, "construction": 4, "synthetic_biology": 4, "cell_gene": 4, "ai": 4,
}


def build_enterprises(rng) -> tuple[list[dict], dict[str, list[tuple[str, str]]]]:
    """Enterprise rows, and per field the (key, business line) of its enterprises."""
    towns = [t for t in TOWNS for _ in range(5)]
    rng.shuffle(towns)
    rows, by_field, n = [], {f: [] for f in FIELDS}, 0
    for field, names in ENTERPRISES.items():
        for j, name in enumerate(names):
            n += 1
            key, biz = f"ENT{n:03d}", BIZ[field][j]
            short = name.replace("有限公司", "")
            desc = (f"{short}成立于{rng.randint(2003, 2021)}年，主要从事{biz}的研发、生产与销售，"
                    f"是{rng.choice(COMPANY_TAGS)}。")
            rows.append(dict(key=key, name=name, kind="enterprise", district="海门区",
                             town=towns[n - 1], industry_field=field, description=desc))
            by_field[field].append((key, biz))
    return rows, by_field


def build_universities() -> list[dict]:
    rows = []
    for key, name, kind, district in UNIVERSITIES:
        fields = [f for f in FIELDS if key in POOLS[f]][:3]
        labels = "、".join(FIELD_LABELS[f] for f in fields)
        what = "国家级科研机构" if kind == "institute" else "高等院校"
        desc = f"{name}是{what}，在{labels}等方向具有较强科研实力，与海门企业建立了长期产学研合作关系。"
        rows.append(dict(key=key, name=name, kind=kind, district=district, town="",
                         industry_field="", description=desc))
    return rows


def build_others() -> list[dict]:
    return [dict(key=k, name=n, kind=kind, district=d, town=t, industry_field="", description=desc)
            for k, n, kind, d, t, desc in OTHER_ORGS]


def expert_title(rng, org_kind: str) -> str:
    if org_kind == "institute":
        return rng.choice(["研究员", "研究员", "高级工程师"])
    return rng.choices(["教授", "副教授", "高级工程师", "研究员"], weights=[50, 33, 12, 5])[0]


def build_experts(rng, names, topics) -> tuple[list[dict], dict[tuple[str, str], list[str]]]:
    """Expert rows, and (org_key, field) -> expert names, for team leaders."""
    kinds = {k: kind for k, _, kind, _ in UNIVERSITIES}
    rows, by_org_field, n = [], {}, 0
    for field in FIELDS:
        pool = POOLS[field]
        fuel = [t for t in topics[field] if "燃料电池" in t.subject]
        for i in range(EXPERT_COUNT[field]):
            n += 1
            org = pool[i % len(pool)]
            if field == "hydrogen_storage" and i < 3:
                subjects = [fuel[i].subject] + [t.subject for t in rng.sample(fuel, 2) if t is not fuel[i]]
            else:
                subjects = [t.subject for t in rng.sample(topics[field], rng.randint(2, 3))]
            fields = [field] + ([RELATED[field]] if rng.random() < 0.4 else [])
            name = names.new()
            rows.append(dict(external_id=f"E{n:03d}", name=name, org_key=org,
                             title=expert_title(rng, kinds[org]), fields=";".join(fields),
                             expertise=expertise_text(rng, subjects[:3]),
                             availability=rng.choice(AVAILABILITY)))
            for f in fields:
                by_org_field.setdefault((org, f), []).append(name)
    return rows, by_org_field
