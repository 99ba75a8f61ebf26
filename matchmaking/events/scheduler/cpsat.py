"""The CP-SAT pair model: which pairs meet and when, x[pair, slot] booleans, maximising the
first tier (requested, scores, minimums, kept published meetings). No idle terms: measured,
they made the model several times harder and its bound useless; idle slots are minimised
afterwards with the pairs fixed (`compact`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from matchmaking.events.scheduler.core import ordered
from matchmaking.events.scheduler.formulation import SHORT, Formulation
from matchmaking.events.scheduler.model import Meeting


@dataclass
class Model:
    keys: list[tuple[frozenset[str], str]]
    model: cp_model.CpModel
    x: list[cp_model.IntVar]

    def meetings(self, values: Sequence[bool]) -> list[Meeting]:
        return [Meeting(*ordered(p), s) for (p, s), on in zip(self.keys, values, strict=True) if on]


def _hint(m: Model, hint: Sequence[Meeting]) -> None:
    placed = {(h.pair, h.slot) for h in hint}
    for k, key in enumerate(m.keys):
        m.model.add_hint(m.x[k], key in placed)


def pair_model(f: Formulation, hint: Sequence[Meeting] = ()) -> Model:
    idx = f.idx
    model = cp_model.CpModel()
    x = [model.new_bool_var("") for _ in f.keys]
    for k in f.fixed:
        model.add(x[k] == 1)
    for ks in f.by_pair.values():
        if len(ks) > 1:
            model.add_at_most_one(x[k] for k in ks)
    for ks in f.by_person_slot.values():
        if len(ks) > 1:
            model.add_at_most_one(x[k] for k in ks)
    for slot, ks in f.by_slot.items():
        if len(ks) > idx.tables(slot):
            model.add(sum(x[k] for k in ks) <= idx.tables(slot))
    terms: list[cp_model.LinearExprT] = [
        f.value[k] * x[k] for k in range(len(f.keys)) if f.value[k]
    ]
    covers: list[tuple[cp_model.IntVar, list[int]]] = []
    for pid, person in idx.people.items():
        ks = f.by_person.get(pid, [])
        count = sum(x[k] for k in ks)
        if ks and person.max < len(ks):
            model.add(count <= person.max)
        if person.min > 0:
            short = model.new_int_var(0, person.min, "")
            model.add(count + short >= person.min)
            terms.append(-SHORT * short)
        if ks and f.cover:
            covered = model.new_bool_var("")
            model.add(covered <= count)
            terms.append(f.cover * covered)
            covers.append((covered, ks))
    model.maximize(sum(terms))
    m = Model(list(f.keys), model, x)
    _hint(m, hint)
    placed = {(h.pair, h.slot) for h in hint}
    for covered, ks in covers:
        model.add_hint(covered, any(f.keys[k] in placed for k in ks))
    return m
