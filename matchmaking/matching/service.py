"""Recommendations and free-text search: dense + lexical candidates, fused, explained.

Candidates come from the FAISS and BM25 caches; the database has the last
word on every candidate (status, expiry, organization, filters), so a cache
that is a little behind can never show a closed item or break a rule.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    any_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, joinedload

from embeddings.fusion import fuse
from embeddings.lexical import LexicalScores
from matchmaking import clock
from matchmaking.common.filters import ItemFilters
from matchmaking.enums import Kind
from matchmaking.exceptions import InvalidInput
from matchmaking.matching import explain, relevance, translate
from matchmaking.matching.embedding import from_blob
from matchmaking.matching.indexes import IndexManager, KindIndex
from matchmaking.matching.kinds import SERVICES
from matchmaking.matching.text import item_text
from matchmaking.models import Embedding

MAX_LIMIT = 100

# Which kinds can be recommended for which source kinds.
TARGETS = {
    Kind.NEEDS: (Kind.ACHIEVEMENTS, Kind.EXPERTS),
    Kind.ACHIEVEMENTS: (Kind.NEEDS,),
    Kind.EXPERTS: (Kind.NEEDS,),
}


@dataclass
class Match:
    item: Any
    score: float  # the fused ranking score: orders a list, means nothing across lists
    dense_score: float | None
    lexical_score: float
    shared_terms: list[str]
    relevance: float = 0.0  # calibrated 0–1 (matching.relevance): the number shown
    lexical_share: float = 0.0  # the lexical signal the relevance reads (0–1)
    reason: str = ""  # one sentence from the structured fields (matching.explain)

    @property
    def band(self) -> str | None:
        return relevance.band(self.relevance)


@dataclass
class Query:
    vector: np.ndarray | None
    tokens: list[str]
    exclude_org_id: int | None = None
    exclude_ids: frozenset[int] = frozenset()
    # "query": typed by a person, encoded as a query; "document": a stored item's vector.
    pair: relevance.PairType = "query"


def recommend(
    session: Session,
    manager: IndexManager,
    *,
    source_kind: Kind,
    source_id: int,
    target_kind: Kind,
    limit: int = 10,
    filters: ItemFilters | None = None,
    include_weak: bool = False,
) -> list[Match]:
    """Items of ``target_kind`` that fit the source item, best first, with reasons.

    Matches below the relevance line are left out unless ``include_weak``."""
    if target_kind not in TARGETS[source_kind]:
        allowed = " / ".join(k.value for k in TARGETS[source_kind])
        raise InvalidInput(f"target 应为 {allowed}", field="target")
    service = SERVICES[source_kind]
    # The row alone (its organization is not needed): one query instead of two, none when
    # the request already loaded it (refreshing it would unload the page's ``org``).
    source = session.get(service.repo.model, source_id) or service.get(session, source_id)
    manager.sync()
    query = _source_query(session, manager, source_kind, source)
    if source_kind is Kind.NEEDS:
        # Items the company marked "not relevant" to this need are not recommended to it again.
        from matchmaking.feedback.service import excluded_ids

        query.exclude_ids = query.exclude_ids | excluded_ids(session, source_id, target_kind)
    matches = rank(
        session,
        manager,
        target_kind,
        query,
        limit=limit,
        filters=filters or ItemFilters(),
        include_weak=include_weak,
    )
    for m in matches:
        m.reason = explain.sentence(source, m.item, m.shared_terms)
    return matches


def search(
    session: Session,
    manager: IndexManager,
    *,
    q: str,
    kind: Kind,
    limit: int = 10,
    filters: ItemFilters | None = None,
    include_weak: bool = False,
) -> list[Match]:
    """Free-text search in Chinese or English over one kind (matches below the
    relevance line left out unless ``include_weak``)."""
    text = q.strip()
    if not text:
        raise InvalidInput("请输入搜索内容", field="q")
    manager.sync()
    # English words the domain glossary knows also search as their Chinese terms: the
    # encoder aligns the two languages loosely, and the lexical index is Chinese.
    terms = translate.chinese_terms(text)
    read = f"{text} {terms}" if terms else text
    lexical_only = manager.settings.fusion == "lexical"
    vector = None if lexical_only else manager.encoder.encode_queries([read])[0]
    query = Query(vector=vector, tokens=manager.tokenizer.tokens(read))
    return rank(
        session,
        manager,
        kind,
        query,
        limit=limit,
        filters=filters or ItemFilters(),
        include_weak=include_weak,
    )


def _source_query(session: Session, manager: IndexManager, kind: Kind, source: Any) -> Query:
    ki = manager.get(kind)
    with ki.lock:
        vector = ki.vectors.vector(source.id)
        vector = None if vector is None else vector.copy()
        tokens = (
            ki.lexical.tokens(source.id) if ki.lexical.tag(source.id) == source.text_hash else []
        )
    text = item_text(kind, source)
    if vector is None:
        blob = session.scalar(
            select(Embedding.vector).where(
                Embedding.kind == kind.value,
                Embedding.item_id == source.id,
                Embedding.model_id == manager.model_id,
                Embedding.text_hash == source.text_hash,
            )
        )
        if blob is not None:
            vector = from_blob(blob, manager.encoder.dim)
        else:
            # Not embedded yet (the worker is behind): encode this one text now.
            vector = manager.encoder.encode_documents([text])[0]
    if not tokens:
        tokens = manager.tokenizer.tokens(text)
    # Never recommend an item of the source's own organization.
    return Query(vector=vector, tokens=tokens, exclude_org_id=source.org_id, pair="document")


def rank(
    session: Session,
    manager: IndexManager,
    kind: Kind,
    query: Query,
    *,
    limit: int,
    filters: ItemFilters,
    include_weak: bool = False,
) -> list[Match]:
    """The best ``limit`` items of ``kind`` for ``query`` that pass every rule and filter
    (and, unless ``include_weak``, are above the relevance line)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit 应在 1 到 {MAX_LIMIT} 之间", field="limit")
    repo = SERVICES[kind].repo
    ki = manager.get(kind)
    day = clock.local_today()
    statements = _statements(
        kind, day, filters, query.exclude_org_id is not None, session.get_bind().dialect.name
    )
    # No lock: the lexical index is swapped on rebuild, never changed in place (with
    # 16 request threads, the lock held during BM25's numpy work made them queue).
    lex = ki.lexical.query(query.tokens)

    # Candidates: the dense top n and the BM25 top n; the database applies every
    # rule and filter to them, returning only their ids (ORM rows of ~230
    # candidates were 60 % of a recommendation at 30k). Too few survivors: widen
    # n. A filter that stays too selective after a few rounds: score every item
    # that passes it instead.
    n = max(limit * 5, 50) * (4 if filters.any() else 1)
    size = max(len(ki.vectors), len(ki.lexical))
    rounds = 3 if filters.any() else 64
    for _ in range(rounds):
        with ki.lock:
            dense_hits = ki.vectors.search(query.vector, n) if query.vector is not None else []
        cand = {i for i, _ in dense_hits}
        cand.update(lex.top(n))
        cand -= query.exclude_ids
        pool = _passing_ids(session, statements, cand, query.exclude_org_id)
        if len(pool) >= limit or n >= size:
            break
        n *= 4
    else:
        # The filter stays too selective: score every item that passes it.
        ids = repo.matching_ids(
            session, today=day, filters=filters, exclude_org_id=query.exclude_org_id
        )
        pool = sorted(i for i in ids if i not in query.exclude_ids)
    scored = _score(ki, query, pool, lex, manager)
    return _matches(session, ki, query, pool, scored, limit, statements, include_weak)


def _rules(
    repo: Any, day: date, filters: ItemFilters, exclude_org: bool
) -> list[ColumnElement[bool]]:
    """The conditions of ``repo.get_many``: active, organization active, filters, and
    with ``exclude_org`` another organization than ``:exclude_org``."""
    clauses = [repo.active_clause(day), *repo.filter_clauses(filters)]
    if exclude_org:
        clauses.append(repo.model.org_id != bindparam("exclude_org", type_=Integer))
    return clauses


class _Statements(NamedTuple):
    ids: Select[Any]  # the ids among :ids that pass every rule
    rows: Select[Any]  # their rows, with the organization
    dialect: str  # the database they are written for (how :ids is bound: ``_among``)

    def params(self, ids: list[int], exclude_org_id: int | None) -> dict[str, Any]:
        """Their parameters: the ids (an array on PostgreSQL, JSON text on SQLite) and
        the organization left out, if any."""
        out: dict[str, Any] = {"ids": ids if self.dialect == "postgresql" else json.dumps(ids)}
        if exclude_org_id is not None:
            out["exclude_org"] = exclude_org_id
        return out


@lru_cache(maxsize=512)
def _statements(
    kind: Kind, day: date, filters: ItemFilters, exclude_org: bool, dialect: str
) -> _Statements:
    """The two queries of a ranking, built once per rule set and shared by threads
    (statements are immutable): building them cost as much as running them. The
    organization left out is a parameter: as part of the key, half the recommendations
    at 50k built their statements anew (one source organization each)."""
    repo = SERVICES[kind].repo
    model = repo.model
    rules = _rules(repo, day, filters, exclude_org)
    among = _among(model.__table__.c.id, dialect)
    return _Statements(
        ids=select(model.id).where(among, *rules),
        # The organization in the same query: selectinload's second query was 2 ms.
        rows=select(model).where(among, *rules).options(joinedload(model.org)),
        dialect=dialect,
    )


def _among(column: ColumnElement[int], dialect: str) -> ColumnElement[bool]:
    """``column`` is one of the ids bound as the single parameter ``:ids``.

    One value, not one parameter per id: an expanding IN of a 400-id pool cost more
    than the rest of the query (SQLAlchemy renders 400 placeholders, SQLite builds a
    temporary index of them): 14 ms against 2 ms a query at 50k (docs/benchmarks.md).
    """
    if dialect == "postgresql":
        return column == any_(bindparam("ids", type_=postgresql.ARRAY(Integer)))
    # SQLite: a JSON array of the ids, read as a table by json_each.
    ids = select(literal_column("value", Integer)).select_from(
        func.json_each(bindparam("ids", type_=String))
    )
    return column.in_(ids)


def _passing_ids(
    session: Session, statements: _Statements, ids: set[int], exclude_org_id: int | None
) -> list[int]:
    """The ids among ``ids`` that pass every rule, sorted (ids only: no ORM rows)."""
    if not ids:
        return []
    params = statements.params(sorted(ids), exclude_org_id)
    return sorted(session.scalars(statements.ids, params))


def _rows(
    session: Session, statements: _Statements, ids: list[int], exclude_org_id: int | None
) -> dict[int, Any]:
    """Rows (with their organization) of the ids that still pass every rule."""
    params = statements.params(ids, exclude_org_id)
    return {row.id: row for row in session.scalars(statements.rows, params)}


def _score(
    ki: KindIndex,
    query: Query,
    pool: list[int],
    lex: LexicalScores,
    manager: IndexManager,
) -> dict[str, np.ndarray]:
    if query.vector is not None:
        with ki.lock:
            dense = ki.vectors.scores_for(query.vector, pool)
    else:
        dense = np.full(len(pool), np.nan, dtype=np.float32)
    lexical = lex.of(pool)
    # What the lexical side can say about this query (English over Chinese items: little).
    ranks, scores = (
        (True, True)
        if query.vector is None
        else relevance.lexical_roles(query.tokens, ki.lexical.coverage(query.tokens))
    )
    ranked_lexical = lexical if ranks else np.zeros_like(lexical)
    s = manager.settings
    fused = fuse(s.fusion, dense, ranked_lexical, k=s.rrf_k, dense_weight=s.fusion_dense_weight)
    calibration = manager.calibration
    shares = lex.shares(lexical)
    rel = calibration.relevances(query.pair, dense, shares, trust_lexical=scores)
    scored = {
        "dense": dense,
        "lexical": lexical,
        "fused": fused,
        "relevance": rel,
        "share": shares,
    }
    if (
        query.vector is not None
        and s.query_expansion_k > 0
        and len(pool) > 1
        and lead(fused) >= s.query_expansion_min_margin
    ):
        # The pool's vectors are already in the index: a few lookups and one more
        # product over the pool; the database rules still decide every row.
        top = [pool[p] for p in pool_order(scored, s.query_expansion_k)]
        with ki.lock:
            expanded = expand_query(
                query.vector, [ki.vectors.vector(i) for i in top], s.query_expansion_beta
            )
            dense_x = ki.vectors.scores_for(expanded, pool)
        scored["fused"] = fuse(
            s.fusion, dense_x, ranked_lexical, k=s.rrf_k, dense_weight=s.fusion_dense_weight
        )
    return scored


def lead(fused: np.ndarray) -> float:
    """How far the first item is ahead of the second, as a share of its score."""
    if len(fused) < 2:
        return 1.0
    second, first = np.partition(fused, len(fused) - 2)[-2:]
    return float((first - second) / first) if first > 0 else 0.0


def expand_query(
    vector: np.ndarray, neighbours: list[np.ndarray | None], beta: float
) -> np.ndarray:
    """The query moved towards the mean of its top items: normalise(q + beta * mean)."""
    present = [v for v in neighbours if v is not None]
    if not present:
        return vector
    q = np.asarray(vector, dtype=np.float32) + beta * np.mean(present, axis=0, dtype=np.float32)
    norm = float(np.linalg.norm(q))
    return q / norm if norm > 0 else np.asarray(vector, dtype=np.float32)


def pool_order(scored: dict[str, np.ndarray], k: int) -> list[int]:
    fused = scored["fused"]
    if not len(fused):
        return []
    # Ties (e.g. no signal at all) fall back to the dense score, then to the id order.
    keys = (-np.nan_to_num(scored["dense"], nan=-1.0), -fused)
    order = np.lexsort(keys)
    return [int(i) for i in order[:k]]


def _matches(
    session: Session,
    ki: KindIndex,
    query: Query,
    pool: list[int],
    scored: dict[str, np.ndarray],
    limit: int,
    statements: _Statements,
    include_weak: bool = False,
) -> list[Match]:
    """Rows of the best pool items, loaded (with every rule applied again) only for the top."""
    order = pool_order(scored, len(pool))
    if not include_weak:
        order = [p for p in order if relevance.above_line(float(scored["relevance"][p]))]
    lexical = ki.lexical
    out: list[Match] = []
    qtokens = list(query.tokens)
    start = 0
    while len(out) < limit and start < len(order):
        # Normally one round of ``limit`` rows; an item closed since the id query
        # (another transaction, on PostgreSQL) drops out and the next ones are loaded.
        best = order[start : start + limit - len(out)]
        start += len(best)
        rows = _rows(session, statements, [pool[p] for p in best], query.exclude_org_id)
        for p in best:
            item_id = pool[p]
            row = rows.get(item_id)
            if row is None:
                continue
            dense = scored["dense"][p]
            tokens = lexical.tokens(item_id)  # one dict lookup: atomic, no lock needed
            out.append(
                Match(
                    item=row,
                    score=round(float(scored["fused"][p]), 6),
                    dense_score=None if np.isnan(dense) else round(float(dense), 6),
                    lexical_score=round(float(scored["lexical"][p]), 6),
                    shared_terms=shared_terms(ki, qtokens, tokens),
                    relevance=float(scored["relevance"][p]),
                    lexical_share=round(float(scored["share"][p]), 6),
                )
            )
    return out


def shared_terms(
    ki: KindIndex, query_tokens: Iterable[str], doc_tokens: Iterable[str]
) -> list[str]:
    """Key terms both texts use, as a reader can check them (``explain.shared_terms``)."""
    lexical = ki.lexical
    return explain.shared_terms(
        query_tokens,
        doc_tokens,
        idf=lexical.idf,
        df_share=lexical.df_share,
        n_items=len(lexical),
    )
