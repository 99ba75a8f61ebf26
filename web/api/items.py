"""CRUD and recommendations for needs, achievements and experts (one router each)."""

# No "from __future__ import annotations": the routes are built per kind and
# FastAPI must see the real request-body classes, not strings.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from matchmaking.accounts.permissions import ANONYMOUS, Principal
from matchmaking.achievements.schemas import AchievementCreate, AchievementUpdate
from matchmaking.common.filters import ItemFilters
from matchmaking.common.schemas import Page, make_page
from matchmaking.enums import CooperationMode, IndustryField, Kind
from matchmaking.experts.schemas import ExpertCreate, ExpertUpdate
from matchmaking.matching import service as matching
from matchmaking.matching.kinds import SERVICES
from matchmaking.needs.schemas import NeedCreate, NeedUpdate
from web.api.idempotency import IdempotencyDep
from web.api.schemas import MatchList, MatchRead
from web.deps import FiltersDep, IndexDep, PageSize, PrincipalDep, SessionDep, item_filters
from web.deps import Page as PageQ
from web.params import Id

SPECS: dict[Kind, tuple[type[BaseModel], type[BaseModel], str]] = {
    Kind.NEEDS: (NeedCreate, NeedUpdate, "needs 技术需求"),
    Kind.ACHIEVEMENTS: (AchievementCreate, AchievementUpdate, "achievements 科技成果"),
    Kind.EXPERTS: (ExpertCreate, ExpertUpdate, "experts 专家"),
}
Limit = Annotated[int, Query(ge=1, le=matching.MAX_LIMIT, description="返回条数")]
IncludeWeak = Annotated[
    bool,
    Query(description="是否一并返回相关度低于阈值（不算匹配）的结果；默认不返回"),
]
# The band of a match below the line, returned only when include_weak asks for it.
WEAK_BAND = "不足"
FieldQ = Annotated[IndustryField | None, Query(description="行业领域")]
TownQ = Annotated[str | None, Query(description="所在区镇")]
DistrictQ = Annotated[str | None, Query(description="所在区县")]
ModeQ = Annotated[CooperationMode | None, Query(description="合作方式")]


async def _need_filters(
    industry_field: FieldQ = None,
    town: TownQ = None,
    district: DistrictQ = None,
    cooperation_mode: ModeQ = None,
) -> ItemFilters:
    return ItemFilters(
        industry_field=industry_field,
        town=town,
        district=district,
        cooperation_mode=cooperation_mode,
    )


async def _expert_filters(
    industry_field: FieldQ = None, town: TownQ = None, district: DistrictQ = None
) -> ItemFilters:
    return ItemFilters(industry_field=industry_field, town=town, district=district)


# Each list offers only the filters its kind has (maturity was offered on needs and
# experts and then refused). Recommendations and search keep them all: their target
# kind is a parameter, and a filter that does not apply to it is refused with a 422.
LIST_FILTERS = {
    Kind.NEEDS: _need_filters,
    Kind.ACHIEVEMENTS: item_filters,  # all of them: maturity is the achievements' own
    Kind.EXPERTS: _expert_filters,
}


def match_list(
    manager: Any,
    matches: list[matching.Match],
    target: Kind,
    source: dict[str, object] | None,
    session: Any,
    principal: Principal = ANONYMOUS,
) -> MatchList:
    """Matches as JSON; each item is its read model as ``principal`` may see it."""
    return MatchList(
        source=source,
        target=target.value,
        fusion=manager.settings.fusion,
        model_id=manager.model_id,
        items=[
            MatchRead(
                kind=target.value,
                item=SERVICES[target].read(session, principal, m.item),
                relevance=m.relevance,
                band=m.band or WEAK_BAND,
                reason=m.reason,
                score=m.score,
                dense_score=m.dense_score,
                lexical_score=m.lexical_score,
                shared_terms=m.shared_terms,
            )
            for m in matches
        ],
    )


def _router(kind: Kind) -> APIRouter:
    create_model, update_model, tag = SPECS[kind]
    service = SERVICES[kind]
    read_model = service.read_schema
    router = APIRouter(prefix=f"/{kind.value}", tags=[tag])
    list_filters = LIST_FILTERS[kind]

    def list_items(
        session: SessionDep,
        principal: PrincipalDep,
        filters: Annotated[ItemFilters, Depends(list_filters)],
        org_id: int | None = None,
        status: str | None = None,
        external_id: Annotated[str | None, Query(description="外部编号（导入时的编号）")] = None,
        include_closed: bool = False,
        page: PageQ = 1,
        page_size: PageSize = 20,
    ) -> Any:
        extra = {"org_id": org_id, "status": status, "external_id": external_id}
        merged = ItemFilters(**{**filters.__dict__, **extra})
        found = service.list_as(
            session,
            principal,
            filters=merged,
            page=page,
            page_size=page_size,
            include_closed=include_closed,
        )
        return make_page(found)

    def create_item(
        session: SessionDep,
        principal: PrincipalDep,
        data: create_model,  # type: ignore[valid-type]
        idempotent: IdempotencyDep,
    ) -> Any:
        def create() -> Any:
            return service.read(session, principal, service.create_as(session, principal, data))

        return idempotent.run(session, create, status_code=201)

    def read_item(session: SessionDep, principal: PrincipalDep, item_id: Id) -> Any:
        return service.read_as(session, principal, item_id)

    def update_item(
        session: SessionDep,
        principal: PrincipalDep,
        item_id: Id,
        data: update_model,  # type: ignore[valid-type]
    ) -> Any:
        item = service.update_as(session, principal, item_id, data)
        return service.read(session, principal, item)

    def close_item(session: SessionDep, principal: PrincipalDep, item_id: Id) -> Any:
        return service.read(session, principal, service.close_as(session, principal, item_id))

    noun = service.noun
    router.add_api_route(
        "",
        list_items,
        methods=["GET"],
        response_model=Page[read_model],  # type: ignore[valid-type]
        summary=f"List {kind.value}",
        description=f"分页列出{noun}，可按领域、区镇等筛选；默认只列出有效的。",
    )
    router.add_api_route(
        "",
        create_item,
        methods=["POST"],
        response_model=read_model,
        status_code=201,
        summary=f"Create a {kind.value[:-1]}",
        description=f"新建{noun}：立即保存，向量由后台任务计算。",
    )
    router.add_api_route(
        "/{item_id}",
        read_item,
        methods=["GET"],
        response_model=read_model,
        summary=f"Read a {kind.value[:-1]}",
    )
    router.add_api_route(
        "/{item_id}",
        update_item,
        methods=["PATCH"],
        response_model=read_model,
        summary=f"Update a {kind.value[:-1]}",
        description=f"修改{noun}；文本变化后会重新计算向量。",
    )
    router.add_api_route(
        "/{item_id}/close",
        close_item,
        methods=["POST"],
        response_model=read_model,
        summary=f"Close a {kind.value[:-1]}",
        description=f"关闭{noun}：不再展示和推荐。",
    )
    _add_recommendations(router, kind)
    return router


def _add_recommendations(router: APIRouter, kind: Kind) -> None:
    targets = matching.TARGETS[kind]

    async def recommendations(
        session: SessionDep,
        principal: PrincipalDep,
        manager: IndexDep,
        filters: FiltersDep,
        item_id: Id,
        target: Annotated[Kind, Query(description=" / ".join(t.value for t in targets))] = targets[
            0
        ],
        limit: Limit = 10,
        include_weak: IncludeWeak = False,
    ) -> MatchList:
        def work() -> MatchList:
            # Held, not dropped: the session's identity map is weak, and recommend()
            # would otherwise read the row again.
            item = SERVICES[kind].get_visible(session, principal, item_id)
            matches = matching.recommend(
                session,
                manager,
                source_kind=kind,
                source_id=item_id,
                target_kind=target,
                limit=limit,
                filters=filters,
                include_weak=include_weak,
            )
            source = {"kind": kind.value, "id": item.id}
            return match_list(manager, matches, target, source, session, principal)

        # The busiest route: all its blocking work in one trip to the thread pool. (A
        # plain ``def`` route costs a second trip, to check the response model.)
        return await run_in_threadpool(work)

    router.add_api_route(
        "/{item_id}/recommendations",
        recommendations,
        methods=["GET"],
        response_model=MatchList,
        summary=f"Recommendations for a {kind.value[:-1]}",
        description=(
            "推荐结果：相关度（经过校准的 0–1 估计）与档次、推荐理由、共有关键词，"
            "以及融合、语义、关键词得分。相关度低于阈值的结果默认省略"
            "（include_weak=true 一并返回）；同一单位的条目和已关闭、已过期的条目不会被推荐。"
        ),
    )


def routers() -> list[APIRouter]:
    return [_router(kind) for kind in Kind]
