"""Write the demo CSVs (organizations, needs, achievements, experts) of 海门区.

Deterministic (seed 7), standard library only: `python data/demo/build_demo.py`.
Companies and people are invented; universities and institutes are real names.
After changing the data, run `matchmaking demo --no-serve` to refresh the
committed vector cache in data/demo/vectors/.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "gen"))

from orgs import ENTERPRISES, GIVEN, OTHERS, POOLS, SURNAMES, TOWNS, UNIVERSITIES  # noqa: E402
from topics_a import TOPICS_A  # noqa: E402
from topics_b import TOPICS_B  # noqa: E402
from topics_c import TOPICS_C  # noqa: E402
from topics_d import TOPICS_D  # noqa: E402

TOPICS = {**TOPICS_A, **TOPICS_B, **TOPICS_C, **TOPICS_D}
LABELS = {
    "ship_offshore": "船舶海工", "biomedicine": "生物医药与特医食品",
    "ic_semiconductor": "集成电路与第三代半导体", "new_materials": "新材料",
    "hydrogen_storage": "氢能与新型储能", "nev": "新能源汽车",
    "intelligent_manufacturing": "智能制造与工业机器人", "textiles": "纺织与家纺",
    "construction": "建筑与绿色建材", "synthetic_biology": "合成生物",
    "cell_gene": "细胞与基因技术", "electronic_info": "电子信息", "ai": "人工智能",
}
MODES = ["transfer", "licensing", "joint_development", "commissioned_development",
         "consulting", "service", "joint_platform"]
MODE_LABELS = dict(zip(MODES, ["技术转让", "技术许可", "合作开发", "委托开发", "技术咨询", "技术服务", "共建平台"]))
NEED_MODES = ["joint_development", "commissioned_development", "transfer", "licensing", "consulting", "joint_platform"]
MATURITY = [("lab", (1, 3), "处于实验室阶段"), ("pilot", (4, 5), "已完成小试"),
            ("scaleup", (6, 7), "已完成中试验证"), ("industrialized", (8, 9), "已在企业实现产业化应用")]
TITLES = ["教授", "研究员", "副教授", "高级工程师", "教授级高工", "副研究员"]
AVAILABILITY = ["每月可安排2天现场服务", "每季度可到企业现场诊断1次", "可线上咨询，每月1天现场服务",
                "寒暑假可集中到企业服务", "每月可安排1天技术巡诊", "可参加区镇组织的对接会"]
SUFFIX_1 = ["技术攻关", "技术开发", "研发合作", "关键技术研究"]
SUFFIX_2 = ["国产化替代", "工艺优化", "性能提升", "降本增效"]
TEAM_NOTES = ["课题组在该方向积累十余年", "团队拥有省级工程技术研究中心", "已与多家龙头企业开展合作",
              "依托国家重点实验室平台", "成果获省科学技术奖", "团队具备中试放大条件"]

rng = random.Random(7)


def people(n: int, taken: set[str]) -> list[str]:
    pairs = [GIVEN[i:i + 2] for i in range(0, len(GIVEN) - 1, 2)]
    out: list[str] = []
    while len(out) < n:
        name = rng.choice(SURNAMES) + rng.choice(pairs)
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


def check_char(digits: str) -> str:
    total = sum(int(d) * (2 + i % 8) for i, d in enumerate(digits))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def patent() -> str:
    digits = f"{rng.randint(2015, 2025)}{rng.choice('11112')}{rng.randint(0, 9_999_999):07d}"
    return f"ZL{digits}.{check_char(digits)}"


def write(name: str, header: list[str], rows: list[dict[str, object]]) -> None:
    with (HERE / name).open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    taken: set[str] = set()
    orgs: list[dict[str, object]] = []
    companies: dict[str, list[str]] = {}
    n = 0
    for field, names in ENTERPRISES.items():
        for name in names:
            n += 1
            key = f"ENT{n:03d}"
            town = TOWNS[(n * 5) % len(TOWNS)]
            orgs.append({"key": key, "name": name, "kind": "enterprise", "district": "海门区",
                         "town": town, "industry_field": field,
                         "description": f"位于海门区{town}，主要从事{LABELS[field]}领域产品研发、生产与销售，"
                                        f"是区内{rng.choice(['高新技术企业', '专精特新企业', '科技型中小企业'])}。"})
            companies.setdefault(field, []).append(key)
    for key, name, kind, district in UNIVERSITIES:
        fields = [f for f, pool in POOLS.items() if key in pool]
        orgs.append({"key": key, "name": name, "kind": kind, "district": district, "town": "",
                     "industry_field": "",
                     "description": f"在{'、'.join(LABELS[f] for f in fields)}等方向拥有科研团队与可转化成果。"})
    for key, name, kind, district, town, field, desc in OTHERS:
        orgs.append({"key": key, "name": name, "kind": kind, "district": district, "town": town,
                     "industry_field": field, "description": desc})
    write("organizations.csv", ["key", "name", "kind", "district", "town", "industry_field", "description"], orgs)

    needs: list[dict[str, object]] = []
    achievements: list[dict[str, object]] = []
    contacts = people(40, taken)
    leaders = people(90, taken)
    need_no = ach_no = 0
    h2_no = 0
    for field, topics in TOPICS.items():
        firms = companies[field]
        pool = POOLS[field]
        for t, (subject, problem, indicators, ach_titles, approach, keywords) in enumerate(topics):
            variants = [1, 2] if t % 3 != 2 else [1]
            for v in variants:
                firm = firms[(t + v - 1) % len(firms)]
                mode = NEED_MODES[(t + v) % len(NEED_MODES)]
                if v == 1:
                    title = f"{subject}{SUFFIX_1[t % len(SUFFIX_1)]}"
                    desc = (f"我公司主要从事{LABELS[field]}相关产品生产。目前{problem}。"
                            f"希望与高校院所以{MODE_LABELS[mode]}方式合作，攻克{subject}关键技术，"
                            f"形成可在生产线上稳定应用的方案。")
                else:
                    title = f"{subject}{SUFFIX_2[t % len(SUFFIX_2)]}"
                    desc = (f"现有{subject}方案主要依赖外部采购或进口，成本高、交货周期长；同时{problem}。"
                            f"计划通过{MODE_LABELS[mode]}引进成熟技术，实现{subject}的自主可控与降本。")
                if field == "hydrogen_storage" and v == 1 and t < 4 and h2_no < 3:
                    h2_no += 1
                    ext = f"N-H2-{h2_no:03d}"
                else:
                    need_no += 1
                    ext = f"N{need_no:04d}"
                needs.append({"external_id": ext, "org_key": firm, "title": title, "description": desc,
                              "indicators": indicators, "industry_field": field,
                              "budget_wan": rng.choice([20, 30, 50, 80, 100, 120, 150, 200, 300, 500, 800]),
                              "deadline": f"2027-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                              "cooperation_mode": mode, "status": "open",
                              "contact_name": rng.choice(contacts)})
            for a, ach_title in enumerate(ach_titles):
                ach_no += 1
                uni = pool[(t + a) % len(pool)]
                maturity, (lo, hi), phrase = MATURITY[(t + 2 * a) % len(MATURITY)]
                trl = rng.randint(lo, hi)
                mode = MODES[(t + a) % len(MODES)]
                picks = [p.strip() for p in indicators.split("；")]
                result = "，".join(rng.sample(picks, k=min(2, len(picks))))
                n_pat = rng.choice([0, 1, 1, 2])
                abstract = (f"针对{subject}中{problem.split('，')[0]}的问题，{approach}。"
                            f"经测试，{result}。该成果{phrase}，{rng.choice(TEAM_NOTES)}，"
                            f"可通过{MODE_LABELS[mode]}方式与企业合作。")
                achievements.append({"external_id": f"A{ach_no:04d}", "org_key": uni, "title": ach_title,
                                     "abstract": abstract, "industry_field": field, "maturity": maturity,
                                     "trl": trl, "patent_numbers": ";".join(patent() for _ in range(n_pat)),
                                     "cooperation_mode": mode,
                                     "price_wan": rng.choice([0, 10, 20, 30, 50, 80, 100, 150, 200, 300, 500]),
                                     "team_leader": rng.choice(leaders), "keywords": keywords})

    # Deadlines passed, closed and solved needs: the rules leave them out of recommendations.
    plain = [n for n in needs if not str(n["external_id"]).startswith("N-H2")]
    for need in plain[5:9]:
        need["deadline"] = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    for need in plain[20:25]:
        need["status"] = "closed"
    for need in plain[40:43]:
        need["status"] = "solved"
    for need in plain[60:64]:
        need["status"] = "in_docking"
    write("needs.csv", ["external_id", "org_key", "title", "description", "indicators", "industry_field",
                        "budget_wan", "deadline", "cooperation_mode", "status", "contact_name"], needs)
    write("achievements.csv", ["external_id", "org_key", "title", "abstract", "industry_field", "maturity",
                               "trl", "patent_numbers", "cooperation_mode", "price_wan", "team_leader",
                               "keywords"], achievements)

    experts: list[dict[str, object]] = []
    names = people(60, taken)
    fields = list(TOPICS)
    e = 0
    # Every field gets experts; hydrogen (fuel cells) and ships get a few more.
    quota = {f: 4 for f in fields}
    quota.update({"hydrogen_storage": 7, "ship_offshore": 6, "biomedicine": 5, "new_materials": 5,
                  "intelligent_manufacturing": 5, "synthetic_biology": 3, "cell_gene": 3,
                  "nev": 4, "electronic_info": 4, "ai": 4, "textiles": 5, "construction": 5})
    for field in fields:
        topics = TOPICS[field]
        for j in range(quota[field]):
            if e >= 60:
                break
            picked = [topics[(j * 2 + k) % len(topics)] for k in range(2)]
            if field == "hydrogen_storage" and j < 3:
                picked = [topics[j], topics[(j + 1) % 4]]  # fuel-cell experts
            subjects = "、".join(p[0] for p in picked)
            kws = "；".join(picked[0][5].split(";")[:3])
            second = [] if j % 3 else [rng.choice([f for f in fields if f != field])]
            experts.append({"external_id": f"E{e + 1:03d}", "name": names[e],
                            "org_key": POOLS[field][j % len(POOLS[field])],
                            "title": TITLES[(e * 7) % len(TITLES)],
                            "fields": ";".join([field, *second]),
                            "expertise": f"长期从事{LABELS[field]}领域研究，主要方向为{subjects}，"
                                         f"擅长{kws}等关键技术，{picked[0][4]}，主持国家及省部级项目多项，"
                                         f"熟悉企业生产一线的技术问题。",
                            "availability": rng.choice(AVAILABILITY)})
            e += 1
    write("experts.csv", ["external_id", "name", "org_key", "title", "fields", "expertise", "availability"],
          experts)
    print(f"organizations {len(orgs)}, needs {len(needs)}, achievements {len(achievements)}, "
          f"experts {len(experts)}")


if __name__ == "__main__":
    main()
