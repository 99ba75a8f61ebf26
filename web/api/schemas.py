from __future__ import annotations

from pydantic import BaseModel, Field

from matchmaking.achievements.schemas import AchievementRead
from matchmaking.experts.schemas import ExpertRead
from matchmaking.needs.schemas import NeedRead

ItemRead = NeedRead | AchievementRead | ExpertRead


class MatchRead(BaseModel):
    kind: str
    item: ItemRead
    relevance: float = Field(
        ge=0,
        le=1,
        description="相关度（0–1，经过校准的绝对估计，不随其他结果变化）：页面上显示的百分比",
    )
    band: str = Field(
        description="相关度档次：高度相关 / 相关 / 可能相关 / 不足（仅在 include_weak 时出现）"
    )
    reason: str = Field(
        default="", description="一句话推荐理由（依据成熟度、指标、合作方式、预算与报价）"
    )
    score: float = Field(description="融合得分 fused score: orders this list only")
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


class FieldProblem(BaseModel):
    field: str = Field(description="出错的字段（如 title、org_id；整个请求为 request）")
    message: str = Field(description="可读的中文说明")
    type: str = Field(default="", description="校验规则的代码（如 missing、string_too_long）")


class ErrorBody(BaseModel):
    """Every error the API answers with: a message a person can act on, and for bad
    input the field(s) at fault."""

    message: str = Field(description="可读的中文说明")
    detail: list[FieldProblem] | None = Field(default=None, description="出错的字段（输入有误时）")


# The errors any operation of the API may answer with, and their one body.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "请求格式有误，无法解析（如不是有效的 JSON）"},
    401: {"model": ErrorBody, "description": "未登录或 API 令牌无效（修改数据需要登录）"},
    403: {"model": ErrorBody, "description": "无权进行此操作"},
    404: {"model": ErrorBody, "description": "对象不存在，或无权查看"},
    409: {"model": ErrorBody, "description": "与当前状态冲突（如重复、状态已变化）"},
    413: {"model": ErrorBody, "description": "请求内容过大"},
    422: {"model": ErrorBody, "description": "输入有误（detail 指出字段）"},
}
