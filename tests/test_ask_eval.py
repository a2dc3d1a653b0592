"""The evaluation set (tests/ask_eval/*.yml, one file per company, every pack's sample company
among them): over 150 questions, each with the plan written by hand from the catalogue. The
built-in reader must read at least 95% of them exactly (the plan, the readings asked back, or
the refusal and why), and every number an answer gives must be the metric layer's for the
same periods and slice: all of them, computed here straight from `MetricComputer.compute`;
and, for a company whose file names an oracle, the plain-Python oracle's, worked out from the
raw tables without the pack's SQL."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from ask_fixture import companies as eval_companies
from ask_fixture import evaluation, open_company, sample_tables, spec
from northstar.ask.core import Answer, Asker, answer_plan, ask
from northstar.ask.plan import Clarification, Plan, Refusal, Slice
from northstar.packs import get_pack, pack_names
from northstar.project import Project

COMPANIES = tuple(eval_companies())
CLI = Asker("eval")
LATER: set[str] = set()
"""Packs whose questions are still to be written (their sample company is being built)."""


@pytest.fixture(scope="module")
def companies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Project]]:
    root = tmp_path_factory.getbasetemp() / "ask-companies"
    root.mkdir(exist_ok=True)
    opened = {c: open_company(c, root) for c in COMPANIES}
    yield opened
    for p in opened.values():
        p.close()


def expected_plan(spec: dict[str, Any]) -> Plan:
    period = spec.get("period")
    return Plan(metrics=spec["metrics"], period=None if period is None else str(period),
                last=spec.get("last", 1),
                slice=Slice(by=spec.get("by"), filters=spec.get("filters", {})),
                comparison=spec.get("comparison"), why=spec.get("why", False),
                rank=spec.get("rank"), limit=spec.get("limit"), person=spec.get("person"))


def outcome(result: Any) -> Any:
    """What a reading came to, in the evaluation file's terms."""
    if isinstance(result, Answer):
        return ("plan", result.plan)
    if isinstance(result, Clarification):
        return ("clarify", sorted(c.plan.metrics[0] for c in result.choices))
    assert isinstance(result, Refusal)
    return ("refused", result.reason)


def wanted(case: dict[str, Any]) -> Any:
    if "plan" in case:
        return ("plan", expected_plan(case["plan"]))
    if "clarify" in case:
        return ("clarify", sorted(case["clarify"]))
    return ("refused", case["refused"])


def test_the_set_is_large_and_covers_every_pack_and_kind_of_question() -> None:
    cases = [c for company in COMPANIES for c in evaluation(company)[1]]
    assert len(cases) >= 150
    sampled = {spec(c)["pack"] for c in COMPANIES if "sample" in spec(c)}
    assert sampled >= set(pack_names()) - LATER  # every pack's sample company
    for company in COMPANIES:
        mine = evaluation(company)[1]
        assert sum("plan" in c for c in mine) >= 30, company
        assert any("clarify" in c for c in mine) and any("refused" in c for c in mine)
        if "sample" in spec(company):
            kinds = {c["refused"] for c in mine if "refused" in c}
            assert kinds >= {"write", "sql", "private", "unknown", "invalid"}, company
            plans = [expected_plan(c["plan"]) for c in mine if "plan" in c]
            assert any(p.slice.by for p in plans) and any(p.slice.filters for p in plans)
            assert any(p.rank for p in plans) and any(p.comparison for p in plans)
            assert any(p.why for p in plans) and any(p.last > 1 for p in plans)
            assert any(c.get("typo") for c in mine), company
    plans = [expected_plan(c["plan"]) for c in cases if "plan" in c]
    assert sum(c.get("typo", False) for c in cases) >= 15
    assert sum(p.slice.by is not None for p in plans) >= 15
    assert sum(bool(p.slice.filters) for p in plans) >= 8
    assert sum(p.rank is not None for p in plans) >= 8
    assert sum(p.comparison is not None for p in plans) >= 15
    assert sum(p.why for p in plans) >= 6
    assert sum(p.last > 1 for p in plans) >= 6
    assert {c["refused"] for c in cases if "refused" in c} == {
        "write", "sql", "private", "unknown", "invalid"}


def test_the_reader_reads_at_least_95_percent_of_the_questions_exactly(
        companies: dict[str, Project]) -> None:
    misses: list[str] = []
    total = 0
    for company in COMPANIES:
        p = companies[company]
        for case in evaluation(company)[1]:
            total += 1
            got, want = outcome(ask(p, case["q"], CLI)), wanted(case)
            if got != want:
                misses.append(f"{company}: {case['q']!r}\n    wanted {want}\n    got    {got}")
    share = 1 - len(misses) / total
    print(f"\nask evaluation: {total - len(misses)}/{total} read exactly ({share:.1%})")
    assert share >= 0.95, "\n".join(misses)


def _periods(p: Project, plan: Plan, grain: str) -> list[Any]:
    """The periods a plan names, worked out from the calendar, not by the core."""
    now = p.metrics.now
    if plan.period is None:
        return p.calendar.last_n(grain, plan.last, None, now)  # type: ignore[arg-type]
    end = p.period(plan.period)
    return p.calendar.last_n(end.kind, plan.last, end, now)


def test_every_number_answered_is_the_metric_layers(companies: dict[str, Project]) -> None:
    checked = 0
    for company in COMPANIES:
        p = companies[company]
        for case in evaluation(company)[1]:
            if "plan" not in case:
                continue
            plan = expected_plan(case["plan"])
            result = answer_plan(p, plan, CLI, question=case["q"])
            assert isinstance(result, Answer), (case["q"], result)
            assert [i.metric for i in result.items] == plan.metrics, case["q"]
            for item in result.items:
                m = p.catalog.get(item.metric)
                periods = _periods(p, plan, m.grain)
                values = p.metrics.compute([m.name], periods, filters=plan.slice.filters)
                assert item.period == str(periods[-1]), case["q"]
                assert item.value == (None if values[-1].value is None
                                      else float(values[-1].value)), case["q"]
                assert item.status == values[-1].status and item.target == values[-1].target
                if plan.last > 1:
                    assert [x.value for x in item.series] == [
                        None if v.value is None else float(v.value) for v in values]
                if plan.slice.by:
                    sliced = {v.slice[plan.slice.by]: v.value for v in p.metrics.compute(
                        [m.name], [periods[-1]], by=plan.slice.by,
                        filters=plan.slice.filters)}
                    for row in item.slices:
                        got = sliced[row.slice]
                        assert row.value == (None if got is None else float(got)), case["q"]
                    if plan.rank is not None:
                        known = [r.value for r in item.slices if r.value is not None]
                        assert known == sorted(known, reverse=plan.rank == "highest")
                        assert len(item.slices) == min(plan.limit or len(sliced), len(sliced))
                if plan.comparison == "previous":
                    assert item.compared is not None
                    assert item.compared.value == (None if values[-1].previous is None
                                                   else float(values[-1].previous))
                if plan.comparison == "last_year":
                    assert item.compared is not None
                    assert item.compared.value == (None if values[-1].last_year is None
                                                   else float(values[-1].last_year))
                checked += 1
    assert checked >= 150


def _close(want: Decimal | None, have: float | None) -> bool:
    if want is None or have is None:
        return want is None and have is None
    return abs(Decimal(str(have)) - want) <= max(Decimal("0.005"), abs(want) * Decimal("1e-9"))


ORACLE_KINDS = ("day", "month", "quarter", "year")
"""The periods the oracles work out (not ISO weeks)."""


@pytest.mark.parametrize("company", [c for c in COMPANIES if "oracle" in spec(c)])
def test_every_closed_number_answered_is_the_oracles(companies: dict[str, Project],
                                                     company: str) -> None:
    """The answers against the pack's plain-Python oracle: the company's number for every
    closed period answered (each point of a trend too), and with a business unit (the team
    tag of the field-service pack) each unit's, split or kept."""
    data = spec(company)
    p = companies[company]
    oracle_module = importlib.import_module(data["oracle"])
    oracle = oracle_module.Oracle(oracle_module.rows_of(sample_tables(company)),
                                  get_pack(data["pack"]).root / "reference",
                                  get_pack(data["pack"]).sample_company.timezone)
    checked, wrong = 0, []
    for case in evaluation(company)[1]:
        if "plan" not in case:
            continue
        plan = expected_plan(case["plan"])
        filters = dict(plan.slice.filters)
        if set(filters) - {"team"}:
            continue  # the oracles work out the company's and each unit's numbers only
        result = answer_plan(p, plan, CLI, question=case["q"])
        assert isinstance(result, Answer), (case["q"], result)
        for item in result.items:
            points = item.series or [item]  # type: ignore[list-item]
            for x in points:
                if x.open or p.period(x.period).kind not in ORACLE_KINDS:
                    continue
                if "team" in filters:
                    want = oracle.by_unit(item.metric, x.period).get(filters["team"])
                else:
                    want = oracle.value(item.metric, x.period)
                checked += 1
                if not _close(want, x.value):
                    wrong.append((case["q"], item.metric, x.period, want, x.value))
            if plan.slice.by == "team" and not item.open:
                units = oracle.by_unit(item.metric, item.period)
                for row in item.slices:
                    checked += 1
                    if not _close(units.get(row.slice), row.value):
                        wrong.append((case["q"], row.slice, units.get(row.slice), row.value))
    assert wrong == []
    assert checked >= 25, checked
