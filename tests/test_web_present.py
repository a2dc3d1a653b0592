"""The drill-through as people read it: which column a metric measures, and the CSV's
headers (the rendered table is read in the browser, tests/test_web_browser.py)."""

from __future__ import annotations

from northstar.metrics.definition import MetricDef
from northstar.web.present import csv_header, measured_column


def _metric(measure: str, unit: str = "usd") -> MetricDef:
    return MetricDef(name="m", title="M", description="d", department="finance", unit=unit,
                     model="revenue_lines", measure=measure, time_column="txn_date")


def test_the_measured_column_is_the_one_a_sum_adds_up() -> None:
    assert measured_column(_metric("sum(amount)")) == "amount"
    assert measured_column(_metric(" SUM( paid_amount ) ")) == "paid_amount"
    assert measured_column(_metric("count(*)", "count")) is None
    assert measured_column(_metric("sum(paid_amount) / nullif(sum(total), 0)")) is None


def test_csv_headers_are_words_with_the_unit_of_the_measured_column() -> None:
    assert csv_header(_metric("sum(amount)"), ["line_id", "txn_date", "amount"]) == [
        "Line ID", "Txn date", "Amount (USD)"]
    assert csv_header(_metric("sum(amount)", "number"), ["amount"]) == ["Amount"]
