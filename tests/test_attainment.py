"""Attainment (value against target, the right way round) as every tile shows it: the rules,
the rounding, and the values the metric layer gives, worked out by hand on the small company
of tests/alerts_fixture.py (New MRR: March $300 against $300; April so far $185 against $150
by today)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from alerts_fixture import build, copy, open_at
from northstar.formatting import format_attainment
from northstar.metrics.attainment import attainment, judged_attainment
from northstar.project import Project


def test_higher_is_better_is_value_over_target() -> None:
    # the seed's example: automation success 88% against a 99% goal: 0.88 / 0.99 = 0.8889
    assert attainment(0.88, 0.99, "higher") == pytest.approx(0.888889, abs=1e-6)
    assert format_attainment(attainment(0.88, 0.99, "higher")) == "89%"
    assert attainment(550, 500, "higher") == pytest.approx(1.1)  # beyond the target
    assert attainment(Decimal("120"), 300.0, "higher") == pytest.approx(0.4)


def test_lower_is_better_is_target_over_value() -> None:
    assert attainment(10, 8, "lower") == pytest.approx(0.8)  # 10 hours against a ceiling of 8
    assert attainment(4, 5, "lower") == pytest.approx(1.25)  # under the ceiling: beyond it
    assert format_attainment(attainment(4.2, 4, "lower")) == "95%"  # 4 / 4.2 = 0.952


def test_no_attainment_where_the_division_says_nothing() -> None:
    assert attainment(None, 500, "higher") is None  # no value
    assert attainment(10, None, "higher") is None  # no target
    assert attainment(10, 0, "higher") is None  # a target of 0: any value is infinitely far
    assert attainment(0, 0, "lower") is None
    # a negative target turns the ratio round: -25 beats -50, yet -25 / -50 would read 50%
    assert attainment(-25, -50, "higher") is None
    assert attainment(0, 4, "lower") is None  # better than any ratio can say
    assert attainment(-3, 4, "lower") is None


def test_a_negative_value_against_a_positive_target_is_a_negative_share() -> None:
    # a loss of $50 against a $500 profit goal: -50 / 500 = -0.1
    assert attainment(-50, 500, "higher") == pytest.approx(-0.1)
    assert format_attainment(-0.1) == "-10%"


def test_words_and_ungraded_values_have_no_attainment() -> None:
    assert judged_attainment(36, 18, "higher", label="not burning") is None
    assert judged_attainment(0.2, 0.3, "higher", graded=False) is None
    assert judged_attainment(0.2, 0.3, "higher") == pytest.approx(2 / 3)


@pytest.mark.parametrize(("share", "text"), [
    (0.8889, "89%"), (0.885, "89%"), (0.125, "13%"),  # halves go up, as people round
    (0.995, "100%"),  # shown 100% though short of it: the colour says which side it is on
    (-0.125, "-13%"), (-0.004, "0%"),  # away from zero; never "-0%"
    (12.5, "1,250%"), (1.0, "100%"), (0.0, "0%"), (None, None),
])
def test_attainment_reads_in_whole_percent(share: float | None, text: str | None) -> None:
    assert format_attainment(share) == text


# -- the metric layer ------------------------------------------------------------------------
PRICE = """\
name: {name}
title: {title}
description: New MRR per new subscription; the plan is $20.
department: sales
unit: usd
direction: lower
grain: month
expression: new_mrr / new_subscriptions
target:
  value: 20
{extra}"""
LABELS = """\
labels:
  - at_least: 24
    text: above the plan price
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build(tmp_path_factory.mktemp("attain") / "tpl")
    metrics = root / "metrics"
    (metrics / "price.yml").write_text(
        PRICE.format(name="price", title="Price per subscription", extra=""))
    (metrics / "price_words.yml").write_text(
        PRICE.format(name="price_words", title="Price in words", extra=LABELS))
    return root


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Iterator[Project]:
    p = open_at(copy(template, tmp_path / "p"))
    yield p
    p.close()


def _one(p: Project, metric: str, period: str) -> tuple[float | None, str | None]:
    v = p.compute([metric], [period])[0]
    return v.attainment, v.status


def test_a_closed_month_on_target_is_100_percent(project: Project) -> None:
    # March: $300 against $300
    assert _one(project, "new_mrr", "2025-03") == (pytest.approx(1.0), "green")


def test_an_open_total_is_against_the_target_by_today(project: Project) -> None:
    # April, 15 of 30 days gone: $185 against $300 x 15/30 = $150 by today: 185 / 150
    share, status = _one(project, "new_mrr", "2025-04")
    assert share == pytest.approx(185 / 150) and status == "green"
    assert format_attainment(share) == "123%"


def test_a_metric_without_a_target_has_no_attainment(project: Project) -> None:
    assert _one(project, "new_subscriptions", "2025-03") == (None, None)


def test_lower_is_better_inverts_and_words_have_none(project: Project) -> None:
    # March: $300 / 12 subscriptions = $25 against a ceiling of $20: 20 / 25 = 0.8
    assert _one(project, "price", "2025-03")[0] == pytest.approx(0.8)
    # the same $25 shown in words ("above the plan price", at $24 or more): no attainment
    v = project.compute(["price_words"], ["2025-03"])[0]
    assert v.label == "above the plan price" and v.attainment is None
    # April so far: $185 / 8 = $23.125, a rate judged against $20 itself: 20 / 23.125 = 0.865
    assert _one(project, "price_words", "2025-04")[0] == pytest.approx(20 / 23.125)


def test_a_manual_value_moves_the_attainment_and_handing_it_back_restores_it(
        project: Project) -> None:
    project.set_manual("new_mrr", "2025-03", Decimal("240"), author="test", note="check")
    # $240 against $300: 0.8, and yellow (yellow from 80% of the target)
    assert _one(project, "new_mrr", "2025-03") == (pytest.approx(0.8), "yellow")
    project.set_manual("new_mrr", "2025-03", None, author="test", note=None, release=True)
    assert _one(project, "new_mrr", "2025-03") == (pytest.approx(1.0), "green")


def test_the_json_of_a_value_carries_the_attainment(project: Project) -> None:
    from northstar.web.views import value_dict

    v = project.compute(["new_mrr"], ["2025-04"])[0]
    out = value_dict(project, v)
    assert out["attainment"] == pytest.approx(185 / 150)
    assert out["formatted"]["attainment"] == "123%"
