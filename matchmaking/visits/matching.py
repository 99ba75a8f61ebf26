"""What the hybrid matcher says about a diagnosis request: experts that fit its problem
(the assignment's affinity) and the achievements and experts it would recommend."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from matchmaking.common.filters import ItemFilters
from matchmaking.enums import Kind
from matchmaking.matching import pairs
from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.service import MAX_LIMIT, Match, Query, rank
from matchmaking.models import DiagnosisRequest

# The assignment needs an absolute score, not the fused RRF score (rank-based): the
# pair's calibrated fit (``matching.pairs``), offered from this threshold on.
AFFINITY_THRESHOLD = pairs.FIT_THRESHOLD


@dataclass(frozen=True)
class Fit:
    score: float  # 0–1
    shared_terms: list[str]


def request_text(request: DiagnosisRequest) -> str:
    return f"{request.problem}\n{request.tried}".strip()


def _query(manager: IndexManager, request: DiagnosisRequest) -> Query:
    text = request_text(request)
    lexical_only = manager.settings.fusion == "lexical"
    vector = None if lexical_only else manager.encoder.encode_queries([text])[0]
    # Never the company's own experts (a conflict of interest, and no diagnosis).
    return Query(
        vector=vector, tokens=manager.tokenizer.tokens(text), exclude_org_id=request.org_id
    )


def recommend_for(
    session: Session, manager: IndexManager, request: DiagnosisRequest, kind: Kind, limit: int
) -> list[Match]:
    """What the platform would recommend for this problem (published items only)."""
    manager.sync()
    return rank(
        session, manager, kind, _query(manager, request), limit=limit, filters=ItemFilters()
    )


def expert_fits(
    session: Session,
    manager: IndexManager,
    request: DiagnosisRequest,
    pool: Mapping[int, pairs.Side],
    *,
    threshold: float = AFFINITY_THRESHOLD,
) -> dict[int, Fit]:
    """Pool experts (id -> their side, from ``pairs.item_sides``) the matcher ranks for the
    request's problem whose fit reaches ``threshold``. The caller syncs the indexes."""
    # The problem is scored as a need is, as a document like the experts it meets
    # (``matching.pairs``): the same pair gets the same fit at an event.
    side = pairs.text_side(manager, request_text(request))
    # Candidates: the experts the matcher ranks for it (never the company's own: a
    # conflict of interest, and no diagnosis).
    query = Query(
        vector=side.vector,
        tokens=list(side.tokens),
        exclude_org_id=request.org_id,
        pair="document",
    )
    matches = rank(
        session,
        manager,
        Kind.EXPERTS,
        query,
        limit=MAX_LIMIT,
        filters=ItemFilters(),
        include_weak=True,  # the threshold below decides
    )
    docs = {m.item.id: pool[m.item.id] for m in matches if m.item.id in pool}
    ki = manager.get(Kind.EXPERTS)
    out: dict[int, Fit] = {}
    for expert_id, f in pairs.score_pairs(ki, side, docs, manager.calibration).items():
        if f.score >= threshold:
            terms = pairs.pair_terms(ki, side, docs[expert_id])
            out[expert_id] = Fit(score=f.score, shared_terms=terms)
    return out
