"""What the hybrid matcher says about a diagnosis request: experts that fit its problem
(the assignment's affinity) and the achievements and experts it would recommend."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from matchmaking.common.filters import ItemFilters
from matchmaking.enums import Kind
from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.service import MAX_LIMIT, Match, Query, rank
from matchmaking.models import DiagnosisRequest

# The assignment needs an absolute score: the fused RRF score is rank-based (in a pool
# of six experts the last one still scores 0.59), so it cannot be thresholded. The
# affinity is the mean of the two signals the fusion reads, each on 0–1: the cosine
# rescaled from the range unrelated and closely related texts fall in (0.80–0.95 with
# the platform's encoder: unrelated expert/problem pairs measured 0.845–0.87, related
# ones 0.90–0.94), and BM25 capped at 3 (one or two rare shared terms). Pairs below
# the threshold are not offered (measured: related ≥ 0.78, unrelated ≤ 0.25).
DENSE_FLOOR, DENSE_TOP = 0.80, 0.95
LEXICAL_CAP = 3.0
AFFINITY_THRESHOLD = 0.35


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
    pool: set[int],
    *,
    threshold: float = AFFINITY_THRESHOLD,
) -> dict[int, Fit]:
    """Pool experts whose fused score for the request's problem reaches ``threshold``."""
    matches = recommend_for(session, manager, request, Kind.EXPERTS, MAX_LIMIT)
    out: dict[int, Fit] = {}
    for m in matches:
        score = affinity(m)
        if m.item.id in pool and score >= threshold:
            out[m.item.id] = Fit(score=score, shared_terms=list(m.shared_terms))
    return out


def affinity(m: Match) -> float:
    """An expert's fit to a problem on 0–1, comparable across requests (see above)."""
    lexical = min(max(m.lexical_score, 0.0) / LEXICAL_CAP, 1.0)
    if m.dense_score is None:
        return round(lexical, 4)
    dense = (m.dense_score - DENSE_FLOOR) / (DENSE_TOP - DENSE_FLOOR)
    return round((min(max(dense, 0.0), 1.0) + lexical) / 2, 4)
