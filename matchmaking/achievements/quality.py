"""Quality check of an achievement draft: hints before publishing (advice, not a wall).

Companies find an achievement by its words: an abstract without indicators or an
application says little to them, and without maturity, TRL, IP or a price they cannot
judge whether to ask. The form shows these hints and lets the user publish anyway.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from matchmaking.needs.quality import Hint, field_text

MIN_ABSTRACT = 80
_NUMBER = re.compile(r"\d")
# Words that say where an achievement is used.
APPLICATION_WORDS = ("应用", "用于", "适用", "场景", "领域", "行业", "企业", "产品", "市场")
# Cooperation modes that sell the technology itself: a price helps the buyer.
PRICED_MODES = ("transfer", "licensing")


def check(data: Mapping[str, Any] | BaseModel) -> list[Hint]:
    """Hints for an achievement draft (form values or a schema), most important first."""
    values: Mapping[str, Any] = data.model_dump() if isinstance(data, BaseModel) else data
    hints: list[Hint] = []
    abstract = field_text(values, "abstract")
    if len(abstract) < MIN_ABSTRACT:
        hints.append(
            Hint(
                "abstract",
                f"成果简介只有 {len(abstract)} 个字，建议至少 {MIN_ABSTRACT} 字。"
                "好的简介写清：技术原理、主要技术指标、应用领域、与现有技术相比的优势。",
            )
        )
    if abstract and not _NUMBER.search(abstract):
        hints.append(
            Hint(
                "abstract",
                "成果简介中没有任何技术指标数值。建议写出带数值和单位的指标，"
                "例如“接触电阻 < 5 mΩ·cm²”“处理能力 500 m³/h”，企业据此判断是否适用。",
            )
        )
    if abstract and not any(w in abstract for w in APPLICATION_WORDS):
        hints.append(
            Hint(
                "abstract",
                "成果简介没有说明应用领域。建议写明可用于哪些产品、工艺或行业，"
                "例如“可用于燃料电池电堆、储能设备”。",
            )
        )
    if not field_text(values, "industry_field"):
        hints.append(Hint("industry_field", "未选择行业领域：企业按行业浏览时将找不到这项成果。"))
    if not field_text(values, "maturity"):
        hints.append(
            Hint("maturity", "未选择成熟度（实验室、小试、中试、产业化），企业难以判断投入。")
        )
    if not field_text(values, "trl"):
        hints.append(
            Hint(
                "trl",
                "未评估技术就绪度（TRL）。填写 1–9 级有助于企业判断离产业化还有多远。",
            )
        )
    if not field_text(values, "patent_numbers"):
        hints.append(
            Hint(
                "patent_numbers",
                "未填写知识产权信息。如有专利，请填写专利号（如 ZL202110345678.3）；"
                "转让和许可需要明确的权属。",
            )
        )
    mode = field_text(values, "cooperation_mode")
    if mode in PRICED_MODES and not field_text(values, "price_wan"):
        label = "技术转让" if mode == "transfer" else "技术许可"
        hints.append(
            Hint(
                "price_wan",
                f"合作方式为“{label}”但未填写价格。给出参考价格（万元）有助于企业决策；"
                "确实需要面议可留空。",
            )
        )
    return hints
