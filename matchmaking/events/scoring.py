"""How well two participants of an event fit: the best match between one side's needs and
the other side's achievements (or the expert), from the stored vectors, with shared terms.

The scheduler's candidates and the participants' "suggested meetings" both come from
here, so the page shows the same score and terms the scheduler weighed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking.enums import OPEN_NEED_STATUSES, ItemStatus, Kind
from matchmaking.matching.embedding import from_blob
from matchmaking.matching.runtime import get_tokenizer
from matchmaking.matching.text import item_text
from matchmaking.models import Achievement, Embedding, Expert, Need, Registration

# A participant brings at most this many items of its own when it named none.
DEFAULT_ITEMS = 30
# Shared terms shown per pair.
TERMS = 6


@dataclass
class Items:
    """What one participant brings: needs to solve, achievements or expertise to offer."""

    needs: list[Need] = field(default_factory=list)
    offers: list[tuple[Kind, Achievement | Expert]] = field(default_factory=list)


@dataclass(frozen=True)
class Fit:
    score: float
    terms: tuple[str, ...]
    need_title: str = ""
    offer_title: str = ""
    # What the follow-up docking request pairs: the need and the offer (kind, id).
    need_id: int | None = None
    offer_kind: str = ""
    offer_id: int | None = None

    @property
    def reason(self) -> str:
        if not self.need_title:
            return ""
        terms = "、".join(self.terms[:4])
        text = f"需求“{self.need_title}”与{self.offer_title}匹配度 {self.score:.2f}"
        return text + (f"，共同关键词：{terms}" if terms else "")


def items_of(session: Session, regs: Sequence[Registration]) -> dict[int, Items]:
    """Each registration's needs and offers: those it named, else its open ones."""
    out: dict[int, Items] = {}
    for reg in regs:
        items = Items()
        if reg.expert_id is not None:
            expert = session.get(Expert, reg.expert_id)
            if expert is not None and expert.status is ItemStatus.ACTIVE:
                items.offers.append((Kind.EXPERTS, expert))
        elif reg.org_id is not None:
            needs = select(Need).where(Need.org_id == reg.org_id)
            needs = (
                needs.where(Need.id.in_(reg.need_ids))
                if reg.need_ids
                else needs.where(Need.status.in_(OPEN_NEED_STATUSES))
            )
            items.needs = list(session.scalars(needs.order_by(Need.id).limit(DEFAULT_ITEMS)))
            offers = select(Achievement).where(Achievement.org_id == reg.org_id)
            offers = (
                offers.where(Achievement.id.in_(reg.achievement_ids))
                if reg.achievement_ids
                else offers.where(Achievement.status == ItemStatus.ACTIVE)
            )
            items.offers = [
                (Kind.ACHIEVEMENTS, a)
                for a in session.scalars(offers.order_by(Achievement.id).limit(DEFAULT_ITEMS))
            ]
        out[reg.id] = items
    return out


def _vectors(
    session: Session, keys: Iterable[tuple[Kind, int]]
) -> dict[tuple[str, int], np.ndarray]:
    wanted = set(keys)
    if not wanted:
        return {}
    rows = list(
        session.execute(
            select(
                Embedding.kind,
                Embedding.item_id,
                Embedding.model_id,
                Embedding.dim,
                Embedding.vector,
            ).where(Embedding.item_id.in_({i for _k, i in wanted}))
        )
    )
    rows = [r for r in rows if (Kind(r.kind), r.item_id) in wanted]
    if not rows:
        return {}
    # Vectors of different models are not comparable: use the model most items have.
    model = Counter(r.model_id for r in rows).most_common(1)[0][0]
    return {(r.kind, r.item_id): from_blob(r.vector, r.dim) for r in rows if r.model_id == model}


def _title(kind: Kind, item: Achievement | Expert) -> str:
    if isinstance(item, Expert):
        return f"专家{item.name}"
    return f"成果“{item.title}”" if kind is Kind.ACHIEVEMENTS else item.title


def fits(session: Session, regs: Sequence[Registration]) -> dict[frozenset[int], Fit]:
    """The fit of every pair of registrations where one side's need meets the other's offer."""
    items = items_of(session, regs)
    keys: list[tuple[Kind, int]] = []
    for it in items.values():
        keys += [(Kind.NEEDS, n.id) for n in it.needs]
        keys += [(k, o.id) for k, o in it.offers]
    vectors = _vectors(session, keys)
    tokenizer = get_tokenizer()
    tokens: dict[tuple[str, int], set[str]] = {}

    def toks(kind: Kind, item: Need | Achievement | Expert) -> set[str]:
        key = (kind.value, item.id)
        if key not in tokens:
            tokens[key] = set(tokenizer.tokens(item_text(kind, item)))
        return tokens[key]

    out: dict[frozenset[int], Fit] = {}
    for a in regs:
        for b in regs:
            if a.id == b.id or not items[a.id].needs or not items[b.id].offers:
                continue
            best: Fit | None = None
            for need in items[a.id].needs:
                nv = vectors.get((Kind.NEEDS.value, need.id))
                for kind, offer in items[b.id].offers:
                    ov = vectors.get((kind.value, offer.id))
                    shared = toks(Kind.NEEDS, need) & toks(kind, offer)
                    if nv is not None and ov is not None:
                        score = float(np.dot(nv, ov))
                    else:  # no vector yet: the share of shared terms
                        score = len(shared) / max(1, len(toks(Kind.NEEDS, need)))
                    if best is None or score > best.score:
                        terms = tuple(sorted(shared, key=lambda t: (-len(t), t))[:TERMS])
                        best = Fit(
                            round(score, 4),
                            terms,
                            need.title,
                            _title(kind, offer),
                            need.id,
                            kind.value,
                            offer.id,
                        )
            if best is None:
                continue
            pair = frozenset((a.id, b.id))
            if pair not in out or best.score > out[pair].score:
                out[pair] = best
    return out
