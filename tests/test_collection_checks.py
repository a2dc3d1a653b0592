"""The suspicious-data rules on metric values (a metric file's `non_negative` and `checks:
{expect_nonzero, max_change}`), judged after every collection run over the months it collected,
on the metrics that read what it collected. What they find goes to the findings table beside
the raw tables' findings; a closed period whose value breaks `non_negative` or
`expect_nonzero` is not frozen, so the fix shows at once.

Numbers worked out by hand from the ConnectWise fake (tests/fakes/connectwise.py), read in
Chicago: reactive tickets created (Help Desk parent tickets 0, 3, 6) are 1 in December 2023
(ticket 0, entered 1 Jan 00:00 UTC) and 2 in January 2024, none after; the reactive time
entries (0, 3, 6 and 10, on tickets 1001, 1004, 1007) are 1.5 hours each, all in January."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fakes.cli import run
from fakes.connectwise import CLIENT_ID, PRIVATE, PUBLIC, ConnectWiseFake, sources_toml
from fakes.project import FAST_RETRY, OPEN, make_project
from northstar.collection.metric_checks import METRICS_SOURCE
from northstar.collection.run import collect
from northstar.project import Project
from northstar.sources.quality import FINDINGS

TOML = sources_toml("psa") + FAST_RETRY.format(name="psa")
SECRETS = {"psa": {"public_key": PUBLIC, "private_key": PRIVATE, "client_id": CLIENT_ID}}
NOW = datetime(2024, 3, 15, 17, tzinfo=UTC)
"""15 March 2024 in Chicago: the window is March 2023 to March 2024, March still open."""
REACTIVE_ENTRIES = (5001, 5004, 5007, 5011)



@pytest.fixture
def fake() -> Iterator[ConnectWiseFake]:
    with ConnectWiseFake() as server:
        yield server


def msp(tmp_path: Path, fake: ConnectWiseFake) -> Project:
    return make_project(tmp_path, TOML.replace("{url}", fake.url), secrets=SECRETS,
                        pack="msp", timezone="America/Chicago")


def shown(p: Project, metric: str, period: str) -> tuple[object, str]:
    p.metrics.now = NOW
    [v] = p.compute([metric], [period])
    return v.value, v.origin


def metric_findings(p: Project) -> list[tuple[str, str, str, str]]:
    return sorted(p.engine.rows(
        f"SELECT table_name, period, kind, severity FROM {FINDINGS} WHERE source = ?",
        [METRICS_SOURCE]))


def test_a_run_judges_the_metrics_it_fed_and_keeps_what_it_found(
        tmp_path: Path, fake: ConnectWiseFake) -> None:
    p = msp(tmp_path, fake)
    rules = p.catalog.get("reactive_tickets_created").checks
    assert (rules.expect_nonzero, rules.max_change) == (True, 0.5)
    outcome = collect(p, "psa", now=NOW)
    # 1 -> 2 tickets is +100%, more than 50%; February has none after January's 2; March is
    # open, so it is not judged yet; the endpoint metrics read NinjaOne, which this run did
    # not collect
    assert sorted((f.metric, f.period, f.kind, f.severity) for f in outcome.findings) == [
        ("reactive_tickets_created", "2024-01", "change", "warning"),
        ("reactive_tickets_created", "2024-02", "zero", "review"),
    ]
    messages = {f.kind: f.message for f in outcome.findings}
    assert messages["change"] == ("Reactive tickets created moved +100% from 2023-12 (1) to "
                                  "2024-01 (2), more than 50%: check it is real")
    assert messages["zero"] == ("Reactive tickets created is 0 for 2024-02, after 2 "
                                "for 2024-01: check that the source is still sending data "
                                "before trusting it")
    assert metric_findings(p) == [
        ("reactive_tickets_created", "2024-01", "change", "warning"),
        ("reactive_tickets_created", "2024-02", "zero", "review"),
    ]
    collect(p, "psa", now=NOW)  # found again: kept once
    assert len(metric_findings(p)) == 2
    root = p.root
    p.close()
    status = " ".join(run("status", cwd=root).stdout.split())
    assert "review │ metrics │ reactive_tickets_created │ Reactive tickets created is 0 for" \
        in status


def test_a_negative_value_is_not_frozen_and_is_reported_until_fixed(
        tmp_path: Path, fake: ConnectWiseFake) -> None:
    p = msp(tmp_path, fake)
    fake.touch("time_entries", 5001, actualHours=-9)  # January: 3 x 1.5 - 9 = -4.5 hours
    outcome = collect(p, "psa", now=NOW)
    [negative] = [f for f in outcome.findings if f.metric == "reactive_hours"]
    assert (negative.period, negative.kind, negative.severity) == ("2024-01", "negative", "error")
    assert negative.message.startswith("Reactive hours is negative for 2024-01 (-4.5)")
    value, origin = shown(p, "reactive_hours", "2024-01")
    assert (float(value), origin) == (-4.5, "computed")  # type: ignore[arg-type]
    # service hours read the same entries (9 x 1.5 - 9 = 4.5, not negative): frozen
    value, origin = shown(p, "service_hours", "2024-01")
    assert (float(value), origin) == (4.5, "frozen")  # type: ignore[arg-type]

    fake.touch("time_entries", 5001, actualHours=1.5)  # fixed in ConnectWise
    collect(p, "psa", now=NOW)
    value, origin = shown(p, "reactive_hours", "2024-01")
    assert (float(value), origin) == (6.0, "frozen")  # type: ignore[arg-type]


def test_a_zero_where_the_file_expects_none_is_not_frozen(tmp_path: Path,
                                                          fake: ConnectWiseFake) -> None:
    p = msp(tmp_path, fake)
    (p.root / "metrics" / "help_desk_hours.yml").write_text(
        "name: help_desk_hours\ntitle: Help Desk hours\ndescription: Hours on Help Desk "
        "tickets.\ndepartment: service\ndecimals: 1\nmodel: service_time_entries\nmeasure: "
        "sum(actual_hours)\ntime_column: date_entered\nfilter: is_reactive\nchecks:\n"
        "  expect_nonzero: true\n")
    p.close()
    p = Project.open(p.root)
    OPEN.append(p)
    # one reactive entry moves to February, with no hours: January 3 x 1.5 = 4.5, February 0
    entry = fake.records["time_entries"][REACTIVE_ENTRIES[-1]]
    fake.touch("time_entries", REACTIVE_ENTRIES[-1], actualHours=0,
               _info={**entry["_info"], "dateEntered": "2024-02-05T16:30:00Z"})
    outcome = collect(p, "psa", now=NOW)
    [zero] = [f for f in outcome.findings if f.metric == "help_desk_hours"]
    assert (zero.period, zero.kind, zero.message) == (
        "2024-02", "zero", "Help Desk hours is 0 for 2024-02, after 4.5 for 2024-01: check "
        "that the source is still sending data before trusting it")
    value, origin = shown(p, "help_desk_hours", "2024-02")
    assert (float(value), origin) == (0.0, "computed")  # type: ignore[arg-type]
    value, origin = shown(p, "reactive_hours", "2024-02")  # no such rule: frozen at zero
    assert (float(value), origin) == (0.0, "frozen")  # type: ignore[arg-type]
    # before January the source had nothing: December is empty and not reported
    assert shown(p, "help_desk_hours", "2023-12") == (None, "computed")

    fake.touch("time_entries", REACTIVE_ENTRIES[-1], actualHours=2)  # the hours are entered
    collect(p, "psa", now=NOW)
    value, origin = shown(p, "help_desk_hours", "2024-02")
    assert (float(value), origin) == (2.0, "frozen")  # type: ignore[arg-type]


@pytest.mark.parametrize(("body", "line", "message"), [
    ("manual: true\nchecks:\n  expect_nonzero: true\n", 6,
     "checks judge collected values after each collection run, and this metric's values are "
     "typed in (manual), so they would never run: remove them, or put them on the metric that "
     "collects the number"),
    ("manual: true\nchecks:\n  expect_zero: true\n", 7, "unknown key 'checks.expect_zero'"),
    ("manual: true\nchecks:\n  max_change: 50\n", 7,
     "checks.max_change: max_change is a share of the period before (0.5 = 50%); 50 would "
     "allow a 5,000% change. Write 0.5 for 50%"),
    ("manual: true\nchecks:\n  max_change: -1\n", 7, "checks.max_change: Input should be "
     "greater than 0"),
])
def test_a_wrong_checks_block_is_one_clear_line(tmp_path: Path, body: str, line: int,
                                                message: str) -> None:
    p = Project.init(tmp_path / "p")
    path = p.root / "metrics" / "sales_dials.yml"
    path.write_text("name: sales_dials\ntitle: Dials\ndescription: Calls made.\n"
                    "department: sales\n" + body)
    p.close()
    with Project.open(p.root) as again:
        [error] = again.catalog.errors
    assert str(error) == f"{path}:{line}: {message}"


def test_checks_on_an_expression_of_typed_in_metrics_only_are_refused(tmp_path: Path) -> None:
    p = Project.init(tmp_path / "p")
    metrics = p.root / "metrics"
    (metrics / "dials.yml").write_text("name: dials\ntitle: Dials\ndescription: d.\n"
                                       "department: sales\nmanual: true\n")
    (metrics / "per_dial.yml").write_text(
        "name: per_dial\ntitle: Per dial\ndescription: d.\ndepartment: sales\n"
        "expression: dials / 2\nchecks:\n  max_change: 0.5\n")
    p.close()
    with Project.open(p.root) as again:
        assert [str(e).split(": ", 1)[1] for e in again.catalog.errors] == [
            "checks judge collected values after each collection run, and this metric's "
            "values are typed in (manual), so they would never run: remove them, or put them "
            "on the metric that collects the number"]
