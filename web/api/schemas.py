from __future__ import annotations

from pydantic import BaseModel, Field

from matchmaking.achievements.schemas import AchievementRead
from matchmaking.experts.schemas import ExpertRead
from matchmaking.needs.schemas import NeedRead

ItemRead = NeedRead | AchievementRead | ExpertRead


class MatchRead(BaseModel):
    kind: str
    item: ItemRead
    score: float = Field(description="融合得分 fused score (the ranking)")
    dense_score: float | None = Field(
        description="语义相似度 cosine; null until the item has a vector"
    )
    lexical_score: float = Field(description="BM25 关键词得分")
    shared_terms: list[str] = Field(description="双方共有的关键技术词，最有区分度的在前")


class MatchList(BaseModel):
    source: dict[str, object] | None = None
    target: str
    fusion: str
    model_id: str
    items: list[MatchRead]
