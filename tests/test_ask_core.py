"""The answering core on the marketplace sample company: what the asker's role may see, "why"
(the slices that moved most, worked out here from the metric layer; the corrections on the
number), asked-back readings that run, nothing written, synonyms from the metric files."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import northstar.ask.core as core
from ask_fixture import build, evaluation
from northstar.ask.core import Answer, Asker, answer_plan, ask
from northstar.ask.plan import Clarification, Plan, Refusal
from northstar.project import Project

NORA = Asker("vic", "viewer", "nora_fitzgerald")


@pytest.fixture
def p(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[Project]:
    """A copy of the evaluation's marketplace company, writable, its clock fixed."""
    root = tmp_path_factory.getbasetemp() / "ask-companies"
    root.mkdir(exist_ok=True)
    shutil.copytree(build("marketplace", root), tmp_path / "mk")
    project = Project.open(tmp_path / "mk")
    project.metrics.now = evaluation("marketplace")[0]
    yield project
    project.close()


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_every_role_sees_every_metric_as_the_pages_show_them(p: Project, role: str) -> None:
    asker = Asker("someone", role, None)  # type: ignore[arg-type]
    assert core.visible_metrics(p, asker) == set(p.catalog.metrics)
    result = ask(p, "ebitda last month", asker)
    assert isinstance(result, Answer) and result.items[0].metric == "ebitda"


def test_a_metric_the_role_may_not_see_is_refused_by_question_and_by_plan(
        p: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core, "visible_metrics",
                        lambda project, asker: set(project.catalog.metrics) - {"ebitda"})
    for result in (ask(p, "ebitda last month", NORA),
                   answer_plan(p, {"metrics": ["gmv", "ebitda"]}, NORA)):
        assert isinstance(result, Refusal)
        assert result.message == "Your role does not let you see EBITDA."
    assert isinstance(ask(p, "gmv last month", NORA), Answer)


def test_my_metric_is_the_askers_own(p: Project) -> None:
    result = ask(p, "what's my metric this quarter", NORA)
    assert isinstance(result, Answer)
    assert [i.metric for i in result.items] == ["win_rate"]
    refused = ask(p, "what's my metric", Asker("cli"))
    assert isinstance(refused, Refusal) and "which person" in refused.message


def test_why_names_the_slices_that_moved_most_and_the_corrections(p: Project) -> None:
    period = "2025-10"
    p.adjust_metric("net_revenue", period, "-1250", author="eve", reason="credit memo late")
    result = ask(p, "why did net revenue change last month", NORA)
    assert isinstance(result, Answer)
    [item] = result.items
    assert item.why is not None
    # worked out here: every slice of every dimension, its move against September
    moves = []
    for tag in p.catalog.get("net_revenue").dimensions:
        for v in p.metrics.compute(["net_revenue"], [p.period(period)], by=tag):
            moved = float(v.value or 0) - float(v.previous or 0)
            if moved:
                moves.append((abs(moved), tag, v.slice[tag]))
    moves.sort(key=lambda t: t[0], reverse=True)  # ties: in the metric file's order
    assert [(r.tag, r.slice) for r in item.why.movers] == [(t, s) for _, t, s in moves[:3]]
    assert "A correction of -$1.25K by eve: credit memo late" in item.why.corrections
    assert item.compared is not None and item.compared.kind == "previous"
    whole = p.compute(["net_revenue"], [period])[0]
    assert whole.adjustment == Decimal("-1250")
    assert item.value == pytest.approx(float(whole.value))
    assert "Includes a correction of -$1.25K." in item.why.findings


def test_why_on_a_ratio_gives_its_parts(p: Project) -> None:
    result = ask(p, "why did take rate move last month", NORA)
    assert isinstance(result, Answer)
    why = result.items[0].why
    assert why is not None
    assert [x.metric for x in why.parts] == ["net_revenue", "gmv"]
    gmv = p.compute(["gmv"], ["2025-10"])[0]
    assert why.parts[1].value == pytest.approx(float(gmv.value))


def test_every_asked_back_reading_runs(p: Project) -> None:
    result = ask(p, "retention last year", NORA)
    assert isinstance(result, Clarification)
    assert len(result.choices) >= 2
    for choice in result.choices:
        assert choice.plan.period == "2024"
        assert isinstance(answer_plan(p, choice.plan, NORA), Answer)


def test_slices_are_labelled_with_names_and_ranked(p: Project) -> None:
    result = ask(p, "top 3 customers by gmv this year", NORA)
    assert isinstance(result, Answer)
    rows = result.items[0].slices
    assert len(rows) == 3
    assert rows[0].label == "Bluehaven Tea Co." and rows[0].slice == "CUS-00001"
    assert [r.value for r in rows] == sorted((r.value or 0 for r in rows), reverse=True)
    result = ask(p, "collection rate by account manager last month", NORA)
    assert isinstance(result, Answer)
    assert {r.label for r in result.items[0].slices} <= {
        x.name for x in p.catalog.people.values()} | {"no person"}


def test_asking_freezes_nothing_and_a_page_read_still_does(p: Project) -> None:
    p.metrics.state()
    head = p.metrics.state().head
    for question in ("gmv in 2024-03", "net revenue by department in March 2024",
                     "take rate the last 6 months", "why did win rate fall in 2024-Q2"):
        assert isinstance(ask(p, question, NORA), Answer), question
    assert p.metrics.state().head == head
    p.compute(["gmv"], ["2024-03"])  # what a page does: the closed month is frozen
    assert p.metrics.state().head > head


def test_a_synonym_in_a_metric_file_is_a_word_ask_knows(p: Project) -> None:
    path = p.root / "metrics" / "ebitda.yml"
    text = path.read_text()
    assert "synonyms: [earnings, operating profit]\n" in text
    path.write_text(text.replace("synonyms: [earnings, operating profit]\n",
                                 "synonyms: [earnings, cash profit after all]\n"))
    with Project.open(p.root) as fresh:
        fresh.metrics.now = p.metrics.now
        assert fresh.catalog.errors == ()
        result = ask(fresh, "cash proft after all in september", NORA)
        assert isinstance(result, Answer)
        assert result.plan == Plan(metrics=["ebitda"], period="2025-09")


def test_answers_carry_what_a_tile_carries(p: Project) -> None:
    result = ask(p, "net revenue this month vs target", NORA)
    assert isinstance(result, Answer)
    item = result.items[0]
    v = p.compute(["net_revenue"], ["2025-11"])[0]
    assert item.open and v.open
    assert item.status == v.status and item.target == v.target
    assert item.tile["formatted"]["value"] == item.formatted
    assert item.compared is not None and item.compared.label == "target to date"
    assert item.compared.value == pytest.approx(v.pace_target)
    assert item.description.startswith("What we keep")
    assert item.formula == "sum(amount) over revenue_lines, by txn_date"
    assert "so far" in item.text


WORDS = ["net", "revenue", "gmv", "by", "rep", "last", "month", "q3", "2024", "why", "top",
         "3", "customers", "vs", "target", "which", "lowest", "win", "rate", "nora", "the",
         "supply", "trend", "so", "far", "ytd", "per", "client", "compare", "to", "quarter",
         "march", "ebitda", "take", "13", "weeks", "bluehaven", "tea", "my", "metric"]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=80),
                      st.lists(st.sampled_from(WORDS), max_size=10).map(" ".join)))
def test_any_text_is_answered_asked_back_or_refused_never_an_error(p: Project,
                                                                   text: str) -> None:
    result = ask(p, text, NORA)
    assert isinstance(result, Answer | Clarification | Refusal)
    if isinstance(result, Clarification):
        assert result.choices
