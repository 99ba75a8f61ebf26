"""Write the demo data set of the Haimen matchmaking platform as CSVs in this folder.

    python data/demo/build_demo.py

Standard library only and deterministic (random.Random(7)): the same files every run.
The topic tables and templates live in ``gen/``; the CSVs are checked after writing.
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "gen"))

from checks import check  # noqa: E402
from common import Names, load_topics  # noqa: E402
from items import (ACH_COLUMNS, NEED_COLUMNS, assign_ids_and_statuses,  # noqa: E402
                   build_achievements, build_needs)
from outcomes import (AGREEMENT_COLUMNS, CONTRACT_COLUMNS,  # noqa: E402
                      PAYMENT_COLUMNS, build_outcomes)
from people import (EXPERT_COLUMNS, ORG_COLUMNS, build_enterprises, build_experts,  # noqa: E402
                    build_others, build_universities)


def write(name: str, columns: list[str], rows: list[dict]) -> None:
    with (HERE / name).open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def write_outcomes(orgs: list[dict]) -> None:
    """Agreements, contracts and payments (their own random.Random: the rest is unchanged)."""
    agreements, contracts, payments = build_outcomes(random.Random(14), orgs)
    write("agreements.csv", AGREEMENT_COLUMNS, agreements)
    write("contracts.csv", CONTRACT_COLUMNS, contracts)
    write("payments.csv", PAYMENT_COLUMNS, payments)


def main() -> None:
    rng = random.Random(7)
    names = Names(rng)
    topics = load_topics()

    enterprises, by_field = build_enterprises(rng)
    orgs = enterprises + build_universities() + build_others()
    experts, experts_by = build_experts(rng, names, topics)
    achievements = build_achievements(rng, names, topics, experts_by)
    needs = build_needs(rng, names, topics, by_field)
    assign_ids_and_statuses(rng, needs)

    write("organizations.csv", ORG_COLUMNS, orgs)
    write("needs.csv", NEED_COLUMNS, needs)
    write("achievements.csv", ACH_COLUMNS, achievements)
    write("experts.csv", EXPERT_COLUMNS, experts)
    write_outcomes(orgs)

    counts = check(HERE, today=date.today())
    print("  ".join(f"{k}: {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
