"""How well two participants of an event fit: the best match between one side's needs and
the other side's achievements (or the expert), scored by ``matching.pairs`` (the same
calibrated 0–1 fit as a visit's expert), with its shared terms.

The scheduler's candidates and the participants' "suggested meetings" both come from
here, so the page shows the same score and terms the scheduler weighed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking.enums import OPEN_NEED_STATUSES, ItemStatus, Kind
from matchmaking.matching import pairs
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import Achievement, Expert, Need, Registration

# A participant brings at most this many items of its own when it named none.
DEFAULT_ITEMS = 30


@dataclass
class Items:
    """What one participant brings: needs to solve, achievements or expertise to offer."""

    needs: list[Need] = field(default_factory=list)
    offers: list[tuple[Kind, Achievement | Expert]] = field(default_factory=list)


@dataclass(frozen=True)
class Fit:
    score: float  # the pair's calibrated fit, 0–1 (``matching.pairs``)
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


def _title(kind: Kind, item: Achievement | Expert) -> str:
    if isinstance(item, Expert):
        return f"专家{item.name}"
    return f"成果“{item.title}”" if kind is Kind.ACHIEVEMENTS else item.title


def fits(
    session: Session, manager: IndexManager, regs: Sequence[Registration]
) -> dict[frozenset[int], Fit]:
    """The fit of every pair of registrations where one side's need meets the other's offer."""
    manager.sync()
    items = items_of(session, regs)
    needs = {n.id: n for it in items.values() for n in it.needs}
    offers: dict[Kind, dict[int, Achievement | Expert]] = {}
    for it in items.values():
        for kind, offer in it.offers:
            offers.setdefault(kind, {})[offer.id] = offer
    need_sides = pairs.item_sides(session, manager, Kind.NEEDS, needs.values())
    offer_sides = {k: pairs.item_sides(session, manager, k, o.values()) for k, o in offers.items()}
    indexes = {kind: manager.get(kind) for kind in offers}
    calibration = manager.calibration
    # Every need against every offer of each kind, once; pairs of participants pick from it.
    scored = {
        (need_id, kind): pairs.score_pairs(indexes[kind], side, offer_sides[kind], calibration)
        for need_id, side in need_sides.items()
        for kind in offers
    }

    best: dict[frozenset[int], tuple[float, Need, Kind, Achievement | Expert]] = {}
    for a in regs:
        for b in regs:
            if a.id == b.id:
                continue
            pair = frozenset((a.id, b.id))
            for need in items[a.id].needs:
                for kind, offer in items[b.id].offers:
                    score = scored[(need.id, kind)][offer.id].score
                    if pair not in best or score > best[pair][0]:
                        best[pair] = (score, need, kind, offer)
    out: dict[frozenset[int], Fit] = {}
    for pair, (score, need, kind, offer) in best.items():
        terms = pairs.pair_terms(indexes[kind], need_sides[need.id], offer_sides[kind][offer.id])
        out[pair] = Fit(
            score,
            tuple(terms),
            need.title,
            _title(kind, offer),
            need.id,
            kind.value,
            offer.id,
        )
    return out
