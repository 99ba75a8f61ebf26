"""The expert-visit assignment: every hard constraint on random instances, the stage 1
optimum against independent computations, the senior rule, kept assignments, the
pre-check wording and the issue's JSON example. No timing assertions."""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter, defaultdict

import pytest
from ortools.linear_solver import pywraplp  # type: ignore[import-untyped]

from matchmaking.exceptions import InvalidInput
from matchmaking.visits.assignment import (
    Affinity,
    Assignment,
    Expert,
    Instance,
    Status,
    Visit,
    day_of,
    from_json,
    greedy,
    metrics,
    precheck,
    solution_from_json,
    solution_to_json,
    solve,
    to_json,
    validate,
)
from matchmaking.visits.assignment.generate import generate

ISSUE_EXAMPLE = """
{"format": "visits/1", "half_days": ["d1am", "d1pm"],
 "visits": [{"id": "v1", "town": "正余镇", "experts_needed": 1, "windows": ["d1am"], "needs_senior": false}],
 "experts": [{"id": "e1", "min": 0, "max": 5, "senior": true, "town": "海门街道", "available": ["d1am"]}],
 "affinity": [{"visit": "v1", "expert": "e1", "score": 0.72}],
 "conflicts": [{"visit": "v1", "expert": "e3"}]}
"""

ALL = frozenset({"d1am", "d1pm", "d2am", "d2pm"})


def visit(id: str, k: int = 1, *, senior: bool = False, town: str = "正余镇",
          windows: frozenset[str] = ALL) -> Visit:  # fmt: skip
    return Visit(id, town, k, windows, senior)


def expert(id: str, hi: int = 3, *, lo: int = 0, senior: bool = False,
           available: frozenset[str] = ALL) -> Expert:  # fmt: skip
    return Expert(id, lo, hi, senior, "海门街道", available)


def instance(visits: list[Visit], experts: list[Expert], scores: dict[tuple[str, str], float],
             conflicts: frozenset[tuple[str, str]] = frozenset(), half_days: tuple[str, ...] = tuple(sorted(ALL))) -> Instance:  # fmt: skip
    return Instance(
        half_days=half_days,
        visits=tuple(visits),
        experts=tuple(experts),
        affinity=tuple(Affinity(v, e, s) for (v, e), s in scores.items()),
        conflicts=conflicts,
    )


def small_random(seed: int, *, timed: bool = True) -> Instance:
    rng = random.Random(seed)
    return generate(rng.randint(4, 14), rng.randint(3, 7), rng.choice((4, 6)) if timed else 0,
                    seed=seed, candidates=rng.randint(2, 5))  # fmt: skip


# --- JSON ------------------------------------------------------------------------------


def test_the_issues_example_round_trips_and_solves() -> None:
    doc = json.loads(ISSUE_EXAMPLE)
    inst = from_json(doc)
    back = to_json(inst)
    # The conflict with e3 (not in this campaign) is kept; it only excludes a pair.
    assert back == doc
    assert from_json(json.loads(json.dumps(back, ensure_ascii=False))) == inst

    result = solve(inst)
    assert solution_to_json(result) == {
        "assignments": [{"visit": "v1", "expert": "e1", "half_day": "d1am"}]
    }
    assert solution_from_json(solution_to_json(result)) == list(result.assignments)
    assert result.status is Status.COMPLETE


def test_without_half_days_stage_2_is_skipped_and_half_day_is_null() -> None:
    doc = json.loads(ISSUE_EXAMPLE)
    doc["half_days"] = []
    for v in doc["visits"]:
        v["windows"] = []
    for e in doc["experts"]:
        e["available"] = []
    result = solve(from_json(doc))
    assert solution_to_json(result)["assignments"] == [
        {"visit": "v1", "expert": "e1", "half_day": None}
    ]
    assert result.stage2_status == "skipped"
    assert metrics(from_json(doc), result).scheduled_share is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.update(format="visits/2"), "format"),
        (lambda d: d["visits"][0].update(experts_needed="2"), "experts_needed"),
        (lambda d: d["visits"][0].update(experts_needed=0), "至少为 1"),
        (lambda d: d["experts"][0].update(min=6), "最少 ≤ 最多"),
        (lambda d: d["experts"][0].update(max=-1), "max"),
        (lambda d: d["affinity"][0].update(expert="nobody"), "不存在"),
        (lambda d: d["affinity"][0].update(score=float("nan")), "0 到 100"),
        (lambda d: d["affinity"][0].update(score=-0.1), "0 到 100"),
        (lambda d: d["affinity"][0].update(score=1e300), "0 到 100"),
        (lambda d: d["affinity"][0].update(score=True), "数字"),
        (lambda d: d["visits"][0].update(windows=["d9am"]), "不在活动日期内"),
        (lambda d: d["visits"].append(dict(d["visits"][0])), "重复"),
        (lambda d: d.update(visits="v1"), "列表"),
        (lambda d: d["visits"][0].update(id=""), "非空"),
    ],
)
def test_malformed_instances_are_refused_in_chinese(change, words: str) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(ISSUE_EXAMPLE)
    change(doc)
    with pytest.raises(InvalidInput) as caught:
        from_json(doc)
    assert words in caught.value.message


def test_a_document_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidInput):
        from_json([1, 2, 3])


def test_day_of_is_the_id_without_am_or_pm() -> None:
    assert day_of("d1am") == day_of("d1pm") == "d1"
    assert day_of("2026-12-03上午") == "2026-12-03"
    assert day_of("d3") == "d3"
    assert day_of("am") == "am"


# --- validity on random instances ------------------------------------------------------


@pytest.mark.parametrize("seed", range(30))
def test_both_stages_respect_every_hard_constraint(seed: int) -> None:
    inst = small_random(seed)
    experts = {e.id: e for e in inst.experts}
    visits = {v.id: v for v in inst.visits}
    solved = (solve(inst, time_limit_s=5), solve(inst, fair=False, time_limit_s=5))
    for result in (*solved, greedy(inst)):
        assert validate(inst, result.assignments) == []
        # What validate checks, spelled out once more independently.
        listed = {(a.visit, a.expert) for a in inst.affinity}
        pairs = [(a.visit, a.expert) for a in result.assignments]
        assert len(pairs) == len(set(pairs))
        assert set(pairs) <= listed
        assert not set(pairs) & inst.conflicts
        loads = Counter(a.expert for a in result.assignments)
        assert all(loads[e] <= experts[e].max for e in loads)
        teams = defaultdict(list)
        for a in result.assignments:
            teams[a.visit].append(a)
        slots = Counter((a.expert, a.half_day) for a in result.assignments if a.half_day)
        assert all(n == 1 for n in slots.values())
        for v, team in teams.items():
            assert len(team) <= visits[v].experts_needed
            assert len({a.half_day for a in team}) == 1
            if visits[v].needs_senior:
                assert any(experts[a.expert].senior for a in team)
            if team[0].half_day is not None:
                assert team[0].half_day in visits[v].windows
                assert all(team[0].half_day in experts[a.expert].available for a in team)
        # Every shortfall is explained.
        short = {u.visit for u in result.unstaffed}
        for v in inst.visits:
            if len(teams[v.id]) < v.experts_needed or (
                teams[v.id] and teams[v.id][0].half_day is None
            ):
                assert v.id in short
        assert metrics(inst, result).conflict_violations == 0
    # The optimum puts staffing and minimums first, as solve does: solve never beats
    # it (greedy may, by staffing fewer or skipping minimums).
    for result in solved:
        assert result.total_score <= result.optimum + 1e-6


# --- the stage 1 optimum ---------------------------------------------------------------


def lp_optimum(inst: Instance) -> tuple[float, float]:
    """Most expert-visits, then the best total: the LP (GLOP) of the plain problem."""
    pairs = [a for a in inst.affinity if (a.visit, a.expert) not in inst.conflicts]
    solver = pywraplp.Solver.CreateSolver("GLOP")
    x = {(a.visit, a.expert): solver.NumVar(0, 1, f"x{i}") for i, a in enumerate(pairs)}
    for v in inst.visits:
        solver.Add(sum(x[p] for p in x if p[0] == v.id) <= v.experts_needed)
    for e in inst.experts:
        solver.Add(sum(x[p] for p in x if p[1] == e.id) <= e.max)
    count = sum(x.values())
    solver.Maximize(count)
    assert solver.Solve() == pywraplp.Solver.OPTIMAL
    most = solver.Objective().Value()
    solver.Add(count >= most - 1e-6)
    solver.Maximize(sum(a.score * x[(a.visit, a.expert)] for a in pairs))
    assert solver.Solve() == pywraplp.Solver.OPTIMAL
    return most, solver.Objective().Value()


def plain(seed: int) -> Instance:
    """No half-days, minimums or senior rule: the plain (totally unimodular) problem."""
    inst = small_random(seed, timed=False)
    return Instance(
        half_days=(),
        visits=tuple(
            Visit(v.id, v.town, v.experts_needed, frozenset(), False) for v in inst.visits
        ),
        experts=tuple(Expert(e.id, 0, e.max, e.senior, e.town, frozenset()) for e in inst.experts),
        affinity=inst.affinity,
        conflicts=inst.conflicts,
    )


@pytest.mark.parametrize("seed", range(25))
def test_stage_1_total_equals_the_lp_optimum_on_plain_instances(seed: int) -> None:
    inst = plain(seed)
    result = solve(inst, fair=False)
    most, best = lp_optimum(inst)
    assert len(result.assignments) == round(most)
    assert result.total_score == pytest.approx(best, abs=1e-6)
    assert result.optimum == pytest.approx(best, abs=1e-6)
    # Fairness never gives up a staffed place, and never beats the optimum.
    fair = solve(inst, fair=True)
    assert len(fair.assignments) == len(result.assignments)
    assert fair.total_score <= best + 1e-6


def brute_force(inst: Instance) -> tuple[int, float]:
    pairs = [a for a in inst.affinity if (a.visit, a.expert) not in inst.conflicts]
    need = {v.id: v.experts_needed for v in inst.visits}
    cap = {e.id: e.max for e in inst.experts}
    best = (0, 0.0)
    for n in range(len(pairs) + 1):
        for chosen in itertools.combinations(pairs, n):
            if all(Counter(a.visit for a in chosen)[v] <= k for v, k in need.items()) and all(
                Counter(a.expert for a in chosen)[e] <= c for e, c in cap.items()
            ):
                best = max(best, (n, round(sum(a.score for a in chosen), 9)))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_stage_1_matches_a_brute_force_on_tiny_instances(seed: int) -> None:
    rng = random.Random(seed)
    visits = [
        visit(f"v{i}", rng.randint(1, 2), windows=frozenset()) for i in range(rng.randint(2, 4))
    ]
    experts = [expert(f"e{i}", rng.randint(1, 2), available=frozenset()) for i in range(3)]
    scores = {
        (v.id, e.id): round(rng.random(), 4) for v in visits for e in experts if rng.random() < 0.7
    }
    scores = dict(itertools.islice(scores.items(), 11))
    inst = instance(visits, experts, scores, half_days=())
    result = solve(inst, fair=False)
    n, total = brute_force(inst)
    assert len(result.assignments) == n
    assert result.total_score == pytest.approx(total, abs=1e-6)


def test_fairness_raises_the_worst_visit_and_reports_the_cost() -> None:
    # Plain optimum: v1-e1 (1.0) + v2-e2 (0.2) = 1.2, worst visit 0.2.
    # Fairer: v1-e2 (0.5) + v2-e1 (0.6) = 1.1, worst visit 0.5.
    inst = instance(
        [visit("v1"), visit("v2")],
        [expert("e1", 1), expert("e2", 1)],
        {("v1", "e1"): 1.0, ("v2", "e2"): 0.2, ("v1", "e2"): 0.5, ("v2", "e1"): 0.6},
        half_days=(),
    )
    unfair = solve(inst, fair=False)
    fair = solve(inst, fair=True)
    assert unfair.total_score == pytest.approx(1.2)
    assert metrics(inst, unfair).min_visit_score == pytest.approx(0.2)
    assert fair.total_score == pytest.approx(1.1)
    assert metrics(inst, fair).min_visit_score == pytest.approx(0.5)
    assert fair.optimum == pytest.approx(1.2)  # the cost: 1.1 / 1.2
    assert fair.plain_min_visit_score == pytest.approx(0.2)


# --- conflicts, senior rule, minimums ---------------------------------------------------


def test_a_conflict_is_never_assigned_even_when_it_is_the_best_pair() -> None:
    inst = instance(
        [visit("v1")],
        [expert("e1"), expert("e2")],
        {("v1", "e1"): 0.99, ("v1", "e2"): 0.3},
        conflicts=frozenset({("v1", "e1")}),
    )
    for result in (solve(inst), greedy(inst)):
        assert [(a.visit, a.expert) for a in result.assignments] == [("v1", "e2")]
        assert result.alternates["v1"] == []  # e1 is no alternate either


def test_a_visit_asking_for_a_senior_gets_one_even_at_a_lower_score() -> None:
    inst = instance(
        [visit("v1", 2, senior=True)],
        [expert("e1"), expert("e2"), expert("e3", senior=True)],
        {("v1", "e1"): 0.9, ("v1", "e2"): 0.8, ("v1", "e3"): 0.2},
    )
    for result in (solve(inst), greedy(inst)):
        assert {a.expert for a in result.assignments} == {"e1", "e3"}
        assert result.alternates["v1"] == [("e2", 0.8)]


def test_without_any_senior_a_senior_visit_stays_empty_and_says_why() -> None:
    inst = instance(
        [visit("v1", 2, senior=True)],
        [expert("e1"), expert("e2")],
        {("v1", "e1"): 0.9, ("v1", "e2"): 0.8},
    )
    names = {"v1": "森达装饰材料"}
    assert "森达装饰材料 要求正高专家，但可选的专家中没有正高" in [
        p.message for p in precheck(inst, names)
    ]
    for result in (solve(inst, names=names), greedy(inst)):
        assert result.assignments == ()
        assert result.status is Status.PARTIAL
        (short,) = result.unstaffed
        assert "正高" in short.reason


def test_minimums_are_met_first_when_they_can_be() -> None:
    # e2 must make one visit: it takes v2 although e1 scores higher there.
    inst = instance(
        [visit("v1"), visit("v2")],
        [expert("e1", 2), expert("e2", 1, lo=1)],
        {("v1", "e1"): 0.9, ("v2", "e1"): 0.9, ("v2", "e2"): 0.1},
        half_days=(),
    )
    result = solve(inst)
    assert {(a.visit, a.expert) for a in result.assignments} == {("v1", "e1"), ("v2", "e2")}
    assert result.status is Status.COMPLETE


# --- stage 2 -------------------------------------------------------------------------


def test_an_experts_visits_in_one_town_go_on_the_same_day() -> None:
    inst = instance(
        [visit("v1", windows=frozenset({"d1am", "d2am"})),
         visit("v2", windows=frozenset({"d1pm", "d2pm"})),
         visit("v3", windows=frozenset({"d2am", "d1am"}), town="悦来镇")],
        [expert("e1"), expert("e2")],
        {("v1", "e1"): 0.9, ("v2", "e1"): 0.9, ("v3", "e2"): 0.9},
    )  # fmt: skip
    result = solve(inst)
    when = {a.visit: a.half_day for a in result.assignments}
    assert when["v1"] is not None
    assert when["v2"] is not None
    assert day_of(when["v1"]) == day_of(when["v2"])
    assert result.stage2_status == "optimal"


def test_a_team_with_no_common_free_half_day_is_changed_so_the_visit_can_happen() -> None:
    inst = instance(
        [visit("v1", 2)],
        [expert("e1", available=frozenset({"d1am"})), expert("e2", available=frozenset({"d2am"})),
         expert("e3", available=frozenset({"d1am", "d2am"}))],
        {("v1", "e1"): 0.9, ("v1", "e2"): 0.8, ("v1", "e3"): 0.5},
    )  # fmt: skip
    result = solve(inst)
    assert validate(inst, result.assignments) == []
    assert len(result.assignments) == 2
    assert all(a.half_day is not None for a in result.assignments)
    assert result.status is Status.COMPLETE


# --- kept (published) assignments ------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_fixed_assignments_are_kept_with_their_half_days(seed: int) -> None:
    inst = small_random(seed)
    first = solve(inst, time_limit_s=5)
    kept = [a for a in first.assignments if a.half_day is not None][::2]
    # A better expert appears for every visit afterwards (a new, free, senior expert).
    late = Expert("late", 0, 100, True, "海门街道", frozenset(inst.half_days))
    changed = Instance(
        half_days=inst.half_days,
        visits=inst.visits,
        experts=(*inst.experts, late),
        affinity=(*inst.affinity, *(Affinity(v.id, "late", 1.0) for v in inst.visits)),
        conflicts=inst.conflicts,
    )
    again = solve(changed, fixed=kept, time_limit_s=5)
    assert set(kept) <= set(again.assignments)
    assert validate(changed, again.assignments) == []


def test_a_fixed_assignment_that_breaks_a_rule_is_refused() -> None:
    inst = instance(
        [visit("v1")], [expert("e1")], {("v1", "e1"): 0.5}, conflicts=frozenset({("v1", "e1")})
    )
    with pytest.raises(InvalidInput) as caught:
        solve(inst, fixed=[Assignment("v1", "e1", "d1am")])
    assert "回避" in caught.value.message


@pytest.mark.parametrize(
    ("fixed", "words"),
    [
        ([Assignment("v1", "e2", None)], "没有匹配度"),
        ([Assignment("v9", "e1", None)], "不存在"),
        ([Assignment("v1", "e1", "d1am"), Assignment("v1", "e1", "d1am")], "重复"),
        ([Assignment("v1", "e1", "d1am"), Assignment("v2", "e1", "d1am")], "两场"),
        ([Assignment("v1", "e1", "d1am"), Assignment("v1", "e3", "d2am")], "时间不一致"),
        ([Assignment("v1", "e1", "d9am")], "不在活动日期内"),
    ],
)
def test_kept_assignments_that_cannot_be_kept_are_refused(
    fixed: list[Assignment], words: str
) -> None:
    inst = instance(
        [visit("v1", 2), visit("v2")],
        [expert("e1"), expert("e2"), expert("e3")],
        {("v1", "e1"): 0.5, ("v2", "e1"): 0.5, ("v1", "e3"): 0.5},
    )
    with pytest.raises(InvalidInput) as caught:
        solve(inst, fixed=fixed)
    assert words in caught.value.message


# --- pre-check and validator wording ---------------------------------------------------


def test_precheck_explains_supply_and_unmatched_requests_in_the_bureaus_words() -> None:
    visits = [visit(f"v{i}", 3) for i in range(14)]  # 42 人次
    experts = [expert(f"e{i}", 5) for i in range(7)]  # 35 人次
    scores = {(v.id, e.id): 0.5 for v in visits[1:] for e in experts}
    inst = instance(visits, experts, scores, half_days=())
    messages = [p.message for p in precheck(inst, {"v0": "维柏思特衬布"})]
    assert "需要 42 人次专家，专家可提供的上限合计 35 人次" in messages
    assert "维柏思特衬布 的问题没有匹配度高于阈值的专家" in messages
    result = solve(inst, names={"v0": "维柏思特衬布"})
    assert result.status is Status.PARTIAL
    assert {p.message for p in precheck(inst, {"v0": "维柏思特衬布"})} <= {
        p.message for p in result.problems
    }
    assert any(u.visit == "v0" and "阈值" in u.reason for u in result.unstaffed)


def test_precheck_names_an_expert_who_cannot_reach_their_minimum() -> None:
    inst = instance([visit("v1")], [expert("e1", 3, lo=2)], {("v1", "e1"): 0.5}, half_days=())
    assert [p.message for p in precheck(inst, {"e1": "张教授"})] == [
        "专家最少巡诊次数合计 2 人次，超过了需要的 1 人次",
        "张教授 至少要巡诊 2 家，但只有 1 家企业可选",
    ]


def test_validate_lists_every_kind_of_violation() -> None:
    inst = instance(
        [visit("v1", 1, senior=True, windows=frozenset({"d1am"})), visit("v2")],
        [expert("e1", 1, available=frozenset({"d1am"})), expert("e2", 1)],
        {("v1", "e1"): 0.5, ("v2", "e1"): 0.5, ("v1", "e2"): 0.5},
        conflicts=frozenset({("v1", "e2")}),
    )
    bad = [
        Assignment("v1", "e1", "d1am"),
        Assignment("v1", "e2", "d1pm"),  # conflict, over the need, other time, not free window
        Assignment("v2", "e1", "d1am"),  # e1 twice at d1am, over max
        Assignment("v2", "e2", "d2am"),  # not listed
        Assignment("v9", "e1", None),
    ]
    text = "\n".join(validate(inst, bad))
    for words in ("不存在", "回避", "没有匹配度", "需要 1 位专家，安排了 2 位", "正高",
                  "不同的时间", "最多 1 次", "被安排了 2 场", "不方便接待"):  # fmt: skip
        assert words in text, words
    assert validate(inst, [Assignment("v1", "e1", "d1am")]) == [
        "v1 要求至少一位正高专家，安排中没有"
    ]


# --- progress and cancel -----------------------------------------------------------------


def test_progress_is_reported_and_cancel_stops_without_an_error() -> None:
    inst = small_random(3)
    seen: list[tuple[str, float]] = []
    done = solve(inst, on_progress=lambda m, f: seen.append((m, f)))
    assert seen[-1] == ("完成", 1.0)
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions)  # the bar never goes back
    assert done.status is not Status.CANCELLED
    stopped = solve(inst, on_progress=lambda m, f: False)
    assert stopped.status is Status.CANCELLED
    assert stopped.assignments == ()


def test_scores_on_a_percent_scale_keep_staffing_first() -> None:
    # v1 can only have e1; a high-scoring pair elsewhere must not take e1 from it.
    inst = instance(
        [visit("v1"), visit("v2")],
        [expert("e1", 1), expert("e2", 1)],
        {("v1", "e1"): 1.0, ("v2", "e1"): 100.0, ("v2", "e2"): 0.5},
        half_days=(),
    )
    result = solve(inst, fair=False)
    assert {(a.visit, a.expert) for a in result.assignments} == {("v1", "e1"), ("v2", "e2")}
