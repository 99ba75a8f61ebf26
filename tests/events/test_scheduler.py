"""The event scheduler: every hard constraint holds on random instances, the bound is never below
the objective, locks stay, forbidden pairs never meet, repair keeps published meetings, the
pre-checks speak the bureau's language, and the issue's JSON format round-trips."""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from matchmaking.events.scheduler import (
    Candidate,
    Instance,
    InstanceError,
    Meeting,
    Participant,
    Progress,
    Slot,
    figures,
    from_json,
    greedy,
    index,
    precheck,
    solution_to_json,
    solve,
    to_json,
    validate,
)
from matchmaking.events.scheduler.compact import compact, neighbourhood_search
from matchmaking.events.scheduler.core import Index, idle_slots
from matchmaking.events.scheduler.generate import SIZES, Size, cancel, generate

CHINA = timezone(timedelta(hours=8))
ISSUE_EXAMPLE: dict[str, Any] = {
    "format": "schedule/1",
    "slots": [{"id": "s1", "start": "2026-05-20T09:00:00+08:00", "minutes": 20}],
    "tables": {"s1": 40},
    "participants": [{"id": "p1", "side": "enterprise", "min": 2, "max": 6, "unavailable": ["s3"]}],
    "candidates": [{"a": "p1", "b": "p7", "score": 0.83, "requested": True}],
    "locked": [{"a": "p1", "b": "p7", "slot": "s2"}],
    "forbidden": [{"a": "p2", "b": "p9"}],
}


def slots(n: int) -> tuple[Slot, ...]:
    start = datetime(2026, 5, 20, 9, tzinfo=CHINA)
    return tuple(Slot(f"s{i + 1}", start + timedelta(minutes=20 * i), 20) for i in range(n))


def random_instance(seed: int) -> Instance:
    rng = random.Random(seed)
    size = Size(
        people=rng.randint(6, 30),
        slots=rng.randint(2, 6),
        tables=rng.randint(1, 6),
        candidates=rng.randint(5, 60),
    )
    inst = generate(size, seed, locks=0.1, forbidden=0.1, unavailable=rng.choice((0.0, 0.15, 0.4)))
    # Forbidden pairs are also listed as candidates sometimes: they must still never meet.
    return inst


def check(inst: Instance, result_meetings: list[Meeting]) -> None:
    assert validate(inst, result_meetings) == []
    placed = {(m.pair, m.slot) for m in result_meetings}
    for m in inst.locked:
        assert (m.pair, m.slot) in placed
    assert not {m.pair for m in result_meetings} & inst.forbidden
    for m in result_meetings:  # tables numbered from 1 within each slot
        assert 1 <= m.table <= inst.tables[m.slot]


@pytest.mark.parametrize("seed", range(25))
def test_schedules_keep_every_hard_constraint_on_random_instances(seed: int) -> None:
    inst = random_instance(seed)
    for result in (greedy(inst), solve(inst, time_limit_s=5)):
        assert result.status in ("optimal", "feasible")
        check(inst, result.meetings)
        assert result.objective <= result.bound + 1e-6
        assert result.objective == pytest.approx(figures(index(inst), result.meetings).objective)
        assert result.gap >= 0.0


def test_the_solver_is_never_worse_than_the_greedy_baseline() -> None:
    for seed in range(8):
        inst = random_instance(100 + seed)
        assert solve(inst, time_limit_s=5).objective >= greedy(inst).objective - 1e-6


def test_validate_names_each_broken_rule() -> None:
    inst = Instance(
        slots=slots(2),
        tables={"s1": 1, "s2": 1},
        participants=(
            Participant("a", "enterprise", max=1),
            Participant("b", "university", unavailable=frozenset({"s2"})),
            Participant("c", "expert"),
        ),
        candidates=(Candidate("a", "b", 0.5), Candidate("a", "c", 0.4)),
        locked=(Meeting("b", "a", "s1"),),
        forbidden=frozenset({frozenset({"b", "c"})}),
    )
    assert validate(inst, [Meeting("a", "b", "s1", 1)]) == []
    errors = validate(
        inst,
        [
            Meeting("a", "c", "s1", 1),  # lock dropped, a over max once more below
            Meeting("c", "b", "s1", 2),  # forbidden, c twice in s1, table 2 of 1
            Meeting("a", "b", "s2"),  # b unavailable, a over max
        ],
    )
    text = "\n".join(errors)
    for fragment in (
        "被禁止",
        "不止一场",
        "超出",
        "没空",
        "超过上限",
        "锁定的会谈",
        "只有 1 张桌子",
    ):
        assert fragment in text


def test_precheck_says_how_many_tables_are_missing() -> None:
    people = tuple(Participant(f"e{i}", "enterprise") for i in range(6)) + tuple(
        Participant(f"u{i}", "university") for i in range(6)
    )
    cands = tuple(Candidate(f"e{i}", f"u{i}", 0.5, requested=True) for i in range(6))
    inst = Instance(slots(3), {"s1": 1, "s2": 1, "s3": 1}, people, cands)
    assert "需要 2 张桌子，只有 1 张" in [p.message for p in precheck(inst)]


def test_precheck_names_an_over_requested_professor() -> None:
    prof = Participant("u1", "university", unavailable=frozenset({"s1", "s2"}))
    people = (prof, *(Participant(f"e{i}", "enterprise") for i in range(5)))
    cands = tuple(Candidate(f"e{i}", "u1", 0.5, requested=True) for i in range(5))
    inst = Instance(slots(5), dict.fromkeys(("s1", "s2", "s3", "s4", "s5"), 10), people, cands)
    problems = precheck(inst, {"u1": "张教授"})
    assert any(p.message == "张教授只有 3 个空闲时段，却有 5 个必见请求" for p in problems)
    assert any(p.participants == ("u1",) for p in problems)
    # Without names the id is used; solve hands the same problems back, and places 3.
    assert any(p.message.startswith("u1只有 3 个空闲时段") for p in precheck(inst))
    result = solve(inst, time_limit_s=5, names={"u1": "张教授"})
    assert any("张教授" in p.message for p in result.problems)
    assert len(result.meetings) == 3
    check(inst, result.meetings)


def test_precheck_explains_an_unreachable_minimum() -> None:
    people = (
        Participant("e1", "enterprise", min=3),
        Participant("u1", "university"),
        Participant("u2", "university"),
    )
    cands = (Candidate("e1", "u1", 0.5), Candidate("e1", "u2", 0.5))
    inst = Instance(slots(4), dict.fromkeys(("s1", "s2", "s3", "s4"), 2), people, cands)
    messages = [p.message for p in precheck(inst, {"e1": "某公司"})]
    assert "某公司至少要 3 场会谈，但只有 2 个时间对得上的候选对象" in messages


def test_minimums_are_met_when_the_instance_allows() -> None:
    # Two companies both want the one professor; the one with a minimum gets her.
    people = (
        Participant("e1", "enterprise", min=1),
        Participant("e2", "enterprise"),
        Participant("u1", "university", max=1),
    )
    cands = (Candidate("e1", "u1", 0.1), Candidate("e2", "u1", 0.9))
    inst = Instance(slots(2), {"s1": 1, "s2": 1}, people, cands)
    result = solve(inst, time_limit_s=5)
    assert [m.pair for m in result.meetings] == [frozenset({"e1", "u1"})]


def test_the_issue_example_round_trips() -> None:
    inst = from_json(ISSUE_EXAMPLE)
    assert inst.participants[0] == Participant("p1", "enterprise", 2, 6, frozenset({"s3"}))
    assert inst.candidates == (Candidate("p1", "p7", 0.83, requested=True),)
    assert inst.locked == (Meeting("p1", "p7", "s2"),)
    assert inst.forbidden == frozenset({frozenset({"p2", "p9"})})
    assert from_json(to_json(inst)) == inst
    # The dangling ids of the excerpt are reported, not silently dropped.
    messages = "\n".join(p.message for p in precheck(inst))
    assert "p7" in messages
    solution = {"meetings": [{"a": "p1", "b": "p7", "slot": "s2", "table": 3}]}
    assert solution_to_json([Meeting("p1", "p7", "s2", 3)]) == solution


def test_a_generated_instance_round_trips_through_json() -> None:
    inst = generate(SIZES["S"], 3)
    assert from_json(to_json(inst)) == inst


@pytest.mark.parametrize(
    ("patch", "fragment"),
    [
        ({"format": "schedule/2"}, "format"),
        ({"slots": "s1"}, "slots"),
        ({"slots": [{"id": "s1", "start": "明天", "minutes": 20}]}, "ISO 8601"),
        ({"slots": [{"id": "s1", "start": "2026-05-20T09:00:00", "minutes": 20}]}, "时区"),
        ({"tables": {"s1": -1}}, "桌数"),
        ({"participants": [{"id": "p1", "side": "政府"}]}, "side"),
        ({"participants": [{"id": "p1", "side": "expert", "min": "2"}]}, "min"),
        ({"candidates": [{"a": "p1", "b": "p7", "score": "高"}]}, "score"),
        ({"candidates": [{"a": "p1", "b": "p7", "score": float("nan")}]}, "score"),
        ({"candidates": [{"a": "p1", "b": "p7", "score": float("inf")}]}, "score"),
        ({"candidates": [{"a": "p1", "b": "p1", "score": 1}]}, "两人相同"),
        ({"participants": ["p1"]}, "id"),
        ({"locked": [{"a": "p1", "b": "p7"}]}, "slot"),
    ],
)
def test_malformed_instances_are_refused_in_chinese(patch: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InstanceError, match=fragment):
        from_json({**ISSUE_EXAMPLE, **patch})


def test_a_host_keeps_one_table() -> None:
    people = (Participant("u1", "university"), Participant("u2", "expert")) + tuple(
        Participant(f"e{i}", "enterprise") for i in range(4)
    )
    cands = tuple(Candidate(f"e{i}", u, 0.5) for i in range(4) for u in ("u1", "u2"))
    inst = Instance(slots(4), dict.fromkeys(("s1", "s2", "s3", "s4"), 3), people, cands)
    result = solve(inst, time_limit_s=5)
    check(inst, result.meetings)
    for host in ("u1", "u2"):
        tables = {m.table for m in result.meetings if host in m.pair}
        assert len(tables) == 1


def test_repair_keeps_published_meetings() -> None:
    inst = generate(SIZES["S"], 7)
    first = solve(inst, time_limit_s=5)
    # Nothing changed: a re-run moves nothing.
    again_instance = Instance(**{**inst.__dict__, "published": tuple(first.meetings)})
    again = solve(again_instance, time_limit_s=5)
    check(again_instance, again.meetings)
    assert figures(index(again_instance), again.meetings).moved == 0
    # A tenth of the people cancel: most of the rest keep their published meetings.
    repaired_instance = cancel(inst, first.meetings, 0.1, seed=1)
    repaired = solve(repaired_instance, time_limit_s=5)
    check(repaired_instance, repaired.meetings)
    fig = figures(index(repaired_instance), repaired.meetings)
    assert fig.keepable > 0
    assert fig.moved <= 0.2 * fig.keepable


def test_cancelling_keeps_a_valid_schedule() -> None:
    inst = generate(SIZES["S"], 2)
    seen: list[Progress] = []

    def stop(p: Progress) -> bool:
        seen.append(p)
        return False

    result = solve(inst, time_limit_s=10, on_progress=stop)
    assert result.status == "cancelled"
    assert seen
    check(inst, result.meetings)
    assert result.objective <= result.bound + 1e-6


def test_idle_slot_searches_keep_the_same_meetings_and_never_add_waits() -> None:
    def idle(idx: Index, meetings: list[Meeting]) -> int:
        slots: dict[str, list[str]] = {}
        for m in meetings:
            for p in (m.a, m.b):
                slots.setdefault(p, []).append(m.slot)
        return sum(idle_slots(idx, s) for s in slots.values())

    for seed in range(5):
        inst = random_instance(200 + seed)
        idx = index(inst)
        start = greedy(inst).meetings
        pinned = {m.pair: m.slot for m in inst.locked}
        for search in (compact, neighbourhood_search):
            moved = search(idx, start, pinned, time.perf_counter() + 2)
            assert validate(inst, moved) == []
            assert {m.pair for m in moved} == {m.pair for m in start}
            assert idle(idx, moved) <= idle(idx, start)
            slot_of = {m.pair: m.slot for m in moved}
            assert all(slot_of[p] == s for p, s in pinned.items())


def test_locks_that_cannot_stay_make_the_run_infeasible_and_say_why() -> None:
    people = (
        Participant("a", "enterprise"),
        Participant("b", "expert"),
        Participant("c", "expert"),
    )
    inst = Instance(
        slots(1),
        {"s1": 1},
        people,
        (Candidate("a", "b", 0.5), Candidate("a", "c", 0.5)),
        locked=(Meeting("a", "b", "s1"), Meeting("a", "c", "s1")),
    )
    result = solve(inst, time_limit_s=2, names={"a": "某公司"})
    assert result.status == "infeasible"
    assert result.meetings == []
    messages = [p.message for p in result.problems]
    assert "某公司在同一时段有两场锁定的会谈（s1）" in messages
    assert "时段 s1 锁定了 2 场会谈，只有 1 张桌子" in messages


def test_cancelling_later_keeps_the_best_schedule_so_far() -> None:
    inst = generate(SIZES["M"], 4)
    calls: list[Progress] = []

    def second_call_cancels(p: Progress) -> bool:
        calls.append(p)
        return len(calls) < 2

    result = solve(inst, time_limit_s=30, on_progress=second_call_cancels)
    assert result.status == "cancelled"
    check(inst, result.meetings)
    assert result.objective >= greedy(inst).objective - 1e-6
    for p in calls:
        assert p.objective is not None
        assert p.bound is not None
        assert p.objective <= p.bound + 1e-6
