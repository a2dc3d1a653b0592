"""Ask on the agency pack: a person's name is a slice, and the evaluation set's answers against
the plain-Python oracles.

On the six-client book of tests/test_agency_clients.py (every figure worked out by hand in the
comments below): "client health for Marcus Bell's clients" is the average of his clients' scores,
not the company's; "Hannah Lee's NRR" is the company's NRR, and the answer says so, because NRR
cannot be split by person and it is the metric she owns; any other metric with no split by
person is refused with the person named.

On the sample company (tests/ask_eval/agency.yml): every closed month, quarter and year answered
equals tests/agency_oracle/'s figure, worked out from the raw rows; an answer for a person, a
client, a funnel or a campaign (a filter, or each row of a split) equals the oracle's figure
from only the raw rows tagged with it."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from agency_oracle.clients import ClientsOracle
from agency_oracle.money import MoneyOracle, rows_of
from agency_oracle.sales import SalesOracle
from ask_fixture import evaluation, open_company, spec
from northstar.ask.core import Answer, Asker, answer_plan, ask
from northstar.ask.plan import Plan, Refusal, Slice
from northstar.packs import get_pack
from northstar.packs.agency import PACK
from northstar.project import Project
from test_agency_clients import METRICS as CLIENT_METRICS
from test_agency_clients import automation_runs, snapshots
from test_agency_money import MONEY_METRICS
from test_agency_sales import SALES_METRICS
from test_agency_sales import tables as sales_tables
from test_ask_eval import expected_plan

CLI = Asker("eval")


# -- the six-client book, by hand ----------------------------------------------------------
@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    project = Project.init(tmp_path_factory.mktemp("book") / "agency", pack=PACK,
                           timezone="America/Denver")
    project.append("client_snapshots", snapshots(), source="delivery")
    project.append("automation_runs", automation_runs(), source="automations")
    project.metrics.now = datetime(2025, 6, 15, tzinfo=UTC)
    yield project
    project.close()


# At the end of February 2025 (the clients active on 1 March):
#   marcus_bell: A (health 70 from February, MRR 2,500 from December), C (90, 2,000 from
#     January; lost on 5 March, so still active), E (onboarded 12 February: 75, 2,000);
#   tessa_grant: D (50 until March's 55, 1,000), F (onboarded 20 February: 65, 1,200); B was
#     lost on 10 February.
# Client health: Marcus (70 + 90 + 75) / 3 = 78.33; Tessa (50 + 65) / 2 = 57.5; the company
#   (70 + 90 + 75 + 50 + 65) / 5 = 70.
# MRR: Marcus 2,500 + 2,000 + 2,000 = 6,500; Tessa 1,000 + 1,200 = 2,200.
# Logo churn, Tessa: 1 lost (B) over her clients on 1 February (B and D; F came later) = 0.5.
# NRR (the company's; NRR has no split): the clients active at the end of February 2024, A
#   (2,000) and B (1,500), had 3,500; a year later A has 2,500 and B is gone: 2,500 / 3,500.
def _one(result: Any) -> tuple[Plan, float | None, str]:
    assert isinstance(result, Answer), result
    [item] = result.items
    return result.plan, item.value, item.text


def test_a_persons_name_filters_a_metric_split_by_person_to_their_rows(book: Project) -> None:
    plan, value, text = _one(ask(book, "client health for Marcus Bell's clients in February 2025",
                                 CLI))
    assert plan == Plan(metrics=["client_health"], period="2025-02",
                        slice=Slice(filters={"owner_id": "marcus_bell"}))
    assert value == pytest.approx((70 + 90 + 75) / 3)
    assert text.startswith("Client health score for Marcus Bell, Feb 2025: 78.3.")
    _, whole, _ = _one(ask(book, "client health in February 2025", CLI))
    assert whole == pytest.approx(70)

    plan, value, _ = _one(ask(book, "Tessa Grant's logo churn in February 2025", CLI))
    assert plan.slice.filters == {"owner_id": "tessa_grant"} and value == pytest.approx(0.5)
    plan, value, _ = _one(ask(book, "Marcus's MRR in February 2025", CLI))
    assert plan.slice.filters == {"owner_id": "marcus_bell"} and value == 6500
    plan, value, _ = _one(ask(book, "Marcus Bell's clients in February 2025", CLI))
    assert plan.metrics == ["active_clients"] and value == 3  # A, C, E


def test_which_of_a_persons_clients_ranks_their_clients_by_name(book: Project) -> None:
    result = ask(book, "which of Marcus Bell's clients has the highest health in February 2025",
                 CLI)
    assert isinstance(result, Answer)
    assert result.plan == Plan(metrics=["client_health"], period="2025-02",
                               slice=Slice(by="client_id", filters={"owner_id": "marcus_bell"}),
                               rank="highest", limit=1)
    [row] = result.items[0].slices
    assert (row.slice, row.label, row.value) == ("C", "Client C", 90)  # A 70, C 90, E 75
    plan, value, _ = _one(ask(book, "mrr for Client E in February 2025", CLI))
    assert plan.slice.filters == {"client_id": "E"} and value == 2000


def test_the_owners_metric_with_no_split_by_person_is_the_company_figure_said_so(
        book: Project) -> None:
    plan, value, text = _one(ask(book, "Hannah Lee's NRR in February 2025", CLI))
    assert plan == Plan(metrics=["nrr"], period="2025-02", person="hannah_lee")
    assert value == pytest.approx(2500 / 3500)
    assert text.startswith("Net revenue retention (NRR) cannot be split by person, so this is "
                           "the company's figure, the one Hannah Lee owns. ")
    result = ask(book, "Hannah Lee's NRR in February 2025", CLI)
    assert isinstance(result, Answer)
    assert result.items[0].value == _one(ask(book, "NRR in February 2025", CLI))[1]


def test_a_metric_with_no_split_by_person_that_is_not_theirs_is_refused(book: Project) -> None:
    for question in ("NRR for Marcus Bell", "Tessa's EBITDA margin", "hook rate for Ravi Shah"):
        result = ask(book, question, CLI)
        assert isinstance(result, Refusal) and result.reason == "invalid", question
        assert "cannot be split by person, so Ask has no figure of" in result.message


def test_a_plan_names_a_person_of_people_yml_and_never_with_their_filter(book: Project) -> None:
    refused = answer_plan(book, {"metrics": ["nrr"], "person": "nobody_here"}, CLI)
    assert isinstance(refused, Refusal) and "not a person in people.yml" in refused.message
    refused = answer_plan(book, {"metrics": ["mrr"], "person": "marcus_bell",
                                 "slice": {"filters": {"owner_id": "marcus_bell"}}}, CLI)
    assert isinstance(refused, Refusal) and "person is for a metric" in refused.message


# -- the funnel of tests/test_agency_sales.py, by hand -------------------------------------
@pytest.fixture(scope="module")
def funnel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    project = Project.init(tmp_path_factory.mktemp("funnel") / "agency", pack=PACK,
                           timezone="America/Denver")
    for name, source, data in sales_tables():
        project.append(name, data, source=source)
    project.metrics.now = datetime(2025, 6, 15, 18, tzinfo=UTC)
    yield project
    project.close()


# February 2025's calls (tests/test_agency_sales.py works each out): the setters' triage calls
# tagged team setters, the closers' sessions team closers. Show rate by rep: maya_chen 3 / 4
# (T1 T2 T7 showed, T3 no-show), luis_ortega 2 / 3 (T4 cancelled), derek_holt 2 / 3 (S3
# no-show), sofia_ramirez 1 / 1. Close rate: derek_holt 2 / 2 (O1, O3), sofia_ramirez 0 / 1.
def _ranked(result: Any) -> tuple[Plan, list[tuple[str | None, float | None]]]:
    assert isinstance(result, Answer), result
    [item] = result.items
    return result.plan, [(r.slice, r.value) for r in item.slices]


def test_a_role_in_a_ranking_ranks_only_that_team(funnel: Project) -> None:
    # every rep: sofia_ramirez, a closer, has the highest show rate (1 / 1)
    _, rows = _ranked(ask(funnel, "which rep has the highest show rate in February 2025", CLI))
    assert rows == [("sofia_ramirez", 1.0)]
    plan, rows = _ranked(ask(funnel, "which setter has the highest show rate in February 2025",
                             CLI))
    assert plan == Plan(metrics=["show_rate"], period="2025-02",
                        slice=Slice(by="owner_id", filters={"team": "setters"}),
                        rank="highest", limit=1)
    assert rows == [("maya_chen", pytest.approx(3 / 4))]
    _, rows = _ranked(ask(funnel, "which closer has the lowest show rate in February 2025",
                          CLI))
    assert rows == [("derek_holt", pytest.approx(2 / 3))]
    _, rows = _ranked(ask(funnel, "rank the setters by show rate in February 2025", CLI))
    assert rows == [("maya_chen", pytest.approx(3 / 4)), ("luis_ortega", pytest.approx(2 / 3))]


def test_a_role_in_a_split_splits_only_that_team(funnel: Project) -> None:
    plan, rows = _ranked(ask(funnel, "close rate by closer in February 2025", CLI))
    assert plan.slice == Slice(by="owner_id", filters={"team": "closers"})
    assert sorted(rows) == [("derek_holt", 1.0), ("sofia_ramirez", 0.0)]
    plan, _ = _ranked(ask(funnel, "show rate by rep in February 2025", CLI))
    assert plan.slice == Slice(by="owner_id")  # "rep" is no role: every rep


def test_a_setters_own_sales_numbers(funnel: Project) -> None:
    plan, value, _ = _one(ask(funnel, "Maya Chen's show rate in February 2025", CLI))
    assert plan.slice.filters == {"owner_id": "maya_chen"} and value == pytest.approx(3 / 4)
    plan, value, _ = _one(ask(funnel, "show-up rate in February 2025", CLI))
    assert plan.metrics == ["show_rate"] and value == pytest.approx(8 / 11)
    plan, value, _ = _one(ask(funnel, "cpl for vsl story in February 2025", CLI))
    assert plan.slice.filters == {"utm_campaign": "vsl_story"} and value == pytest.approx(80)


# -- the sample company against the oracles ------------------------------------------------
@pytest.fixture(scope="module")
def summit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    root = tmp_path_factory.getbasetemp() / "ask-companies"
    root.mkdir(exist_ok=True)
    project = open_company("agency", root)
    yield project
    project.close()


@pytest.fixture(scope="module")
def tables() -> dict[str, list[dict[str, Any]]]:
    sample = spec("agency")["sample"]
    return rows_of(get_pack("agency").sample(sample["rows"], seed=sample["seed"],
                                             end=date.fromisoformat(str(sample["end"]))))


def _oracle(tables: dict[str, list[dict[str, Any]]], metric: str, period: str,
            only: dict[str, str]) -> Decimal | None:
    """The oracle's figure from the raw rows carrying every tag value of `only`."""
    rows = {name: [r for r in table if all(r.get(t) == v for t, v in only.items())]
            for name, table in tables.items()}
    if metric in CLIENT_METRICS:
        return ClientsOracle(rows).value(metric, period)
    end = date.fromisoformat(str(spec("agency")["sample"]["end"]))
    if metric in SALES_METRICS:
        with (PACK.root / "reference" / "calendars.csv").open() as f:
            calendars = {r["calendar_id"]: r["kind"] for r in csv.DictReader(f)}
        return SalesOracle(rows, calendars, "America/Denver", end).value(metric, period)
    assert metric in MONEY_METRICS, metric
    return MoneyOracle(rows, "America/Denver", end).value(metric, period)


def _close(want: Decimal | None, have: float | None) -> bool:
    if want is None or have is None:
        return want is None and have is None
    return abs(Decimal(str(have)) - want) <= max(Decimal("0.005"), abs(want) * Decimal("1e-9"))


def test_every_metric_asked_about_is_one_an_oracle_works_out(summit: Project) -> None:
    asked = {m for c in evaluation("agency")[1] if "plan" in c for m in c["plan"]["metrics"]}
    oracles = set(CLIENT_METRICS) | set(MONEY_METRICS) | set(SALES_METRICS)
    assert asked <= oracles <= set(summit.catalog.metrics)
    assert len(asked) >= 30
    assert len(asked & set(SALES_METRICS)) >= 10  # the sales metrics too


def test_every_closed_number_answered_is_the_oracles_for_the_rows_asked_about(
        summit: Project, tables: dict[str, list[dict[str, Any]]]) -> None:
    checked, wrong = {"whole": 0, "filtered": 0, "split": 0}, []
    for case in evaluation("agency")[1]:
        if "plan" not in case:
            continue
        plan = expected_plan(case["plan"])
        result = answer_plan(summit, plan, CLI, question=case["q"])
        assert isinstance(result, Answer), (case["q"], result)
        only = dict(plan.slice.filters)
        for item in result.items:
            for x in item.series or [item]:
                if x.open or "-W" in x.period:
                    continue
                checked["filtered" if only else "whole"] += 1
                want = _oracle(tables, item.metric, x.period, only)
                if not _close(want, x.value):
                    wrong.append((case["q"], item.metric, x.period, want, x.value))
            if plan.slice.by is None or item.open or "-W" in item.period:
                continue
            for row in item.slices:
                if row.slice is None:
                    continue
                checked["split"] += 1
                want = _oracle(tables, item.metric, item.period, {**only, row.tag: row.slice})
                if not _close(want, row.value):
                    wrong.append((case["q"], row.slice, item.period, want, row.value))
    assert wrong == []
    # not vacuous: the company's figures, a person's, a client's or a funnel's, and splits
    assert checked["whole"] >= 40 and checked["filtered"] >= 6 and checked["split"] >= 6, checked
