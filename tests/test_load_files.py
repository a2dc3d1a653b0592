"""`northstar load`: CSV and JSON Lines files into the ledger, all rows or none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from northstar.errors import LoadError
from northstar.ledger.files import infer_type
from northstar.project import Project


@pytest.fixture
def project(tmp_path: Path, engine_url: str) -> Iterator[Project]:
    p = Project.init(tmp_path / "proj", engine_url=engine_url)
    yield p
    p.close()


def write(project: Project, name: str, text: str) -> Path:
    path = project.root / name
    path.write_text(text)
    return path


def rows(project: Project, table: str) -> list[dict[str, object]]:
    return project.engine.query(
        f"SELECT * FROM {table} ORDER BY load_id, row_seq").to_pylist()


def test_csv_types_are_inferred_from_every_value(project: Project) -> None:
    path = write(project, "deals.csv", (
        "Deal ID,Amount,Closed On,Created At,Won,Stage,Seats\n"
        "D1,1200.50,2025-01-31,2025-01-02 09:15:00,true,won,3\n"
        "D2,80,2025-02-01,2025-01-03T10:00:00Z,false,lost,\n"
    ))
    result = project.load_file("deals", path, source="hubspot", id_column="deal_id",
                               tags={"department": "sales"})
    assert (result.rows, result.load_id) == (2, 1)
    types = dict(project.engine.columns("raw_deals") or [])
    assert {k: types[k] for k in ("deal_id", "amount", "closed_on", "created_at", "won",
                                  "stage", "seats")} == {
        "deal_id": "VARCHAR", "amount": "DECIMAL(18,2)", "closed_on": "DATE",
        "created_at": "TIMESTAMP", "won": "BOOLEAN", "stage": "VARCHAR", "seats": "BIGINT"}
    first, second = rows(project, "raw_deals")
    assert first["amount"] == Decimal("1200.50")
    assert first["closed_on"] == date(2025, 1, 31)
    assert second["created_at"] == datetime(2025, 1, 3, 10, 0)
    assert second["seats"] is None
    assert first["department"] == "sales"


def test_json_lines_with_nested_values_keep_them_as_text(project: Project) -> None:
    path = write(project, "events.jsonl", (
        '{"id": 1, "kind": "signup", "props": {"plan": "pro"}, "at": "2025-03-01T12:00:00+02:00"}\n'
        "\n"
        '{"id": 2, "kind": "login", "props": null, "at": "2025-03-02T00:00:00Z"}\n'
    ))
    project.load_file("events", path, source="app")
    first, second = rows(project, "raw_events")
    assert first["props"] == '{"plan": "pro"}'
    assert first["at"] == datetime(2025, 3, 1, 10, 0)  # stored in UTC
    assert (first["source_id"], second["source_id"]) == ("1", "2")


@pytest.mark.parametrize(("text", "message"), [
    ("id,amount\n1,10.00\n2,ten\n", "bad.csv: line 3, column amount: 'ten' is not a number"),
    ("id,amount\n1,10.00\n2,5.005\n", "line 3, column amount: '5.005' has more than 2 digits"),
    ("id,when\n1,2025-01-01\n2,2025-02-30\n", "line 3, column when"),
    ("id,amount\n1,10.00\n2,3,4\n", "bad.csv: line 3: 3 fields, the header has 2"),
    ("id,amount\n1,10.00\n1,12.00\n", "id '1' appears more than once"),
    ("id,amount\n1,10.00\n,12.00\n", "record 2 has no id"),
    ("id,Amount,amount\n1,2,3\n", "line 1: column 'amount' appears twice"),
    ("", "the file is empty"),
    ("id,amount\n", "no records"),
])
def test_a_bad_file_fails_with_line_column_and_reason_and_writes_nothing(
        project: Project, text: str, message: str) -> None:
    project.load_file("sales", write(project, "good.csv", "id,amount,when\n9,1.00,2025-01-01\n"),
                      source="file")
    before = rows(project, "raw_sales")
    with pytest.raises(LoadError) as info:
        project.load_file("sales", write(project, "bad.csv", text), source="file")
    assert message in str(info.value)
    assert rows(project, "raw_sales") == before
    assert project.verify().ok


def test_a_later_file_must_fit_the_columns_types(project: Project) -> None:
    project.load_file("sales", write(project, "a.csv", "id,amount\n1,10.00\n"), source="file")
    with pytest.raises(LoadError, match="line 2, column amount: 'n/a' is not a number"):
        project.load_file("sales", write(project, "b.csv", "id,amount\n2,n/a\n"), source="file")


def test_a_later_file_may_bring_new_columns(project: Project) -> None:
    project.load_file("sales", write(project, "a.csv", "id,amount\n1,10.00\n"), source="file")
    project.load_file("sales", write(project, "b.csv", "id,amount,region\n2,5.00,west\n"),
                      source="file")
    assert [(r["source_id"], r["region"]) for r in rows(project, "raw_sales")] == [
        ("1", None), ("2", "west")]
    assert project.verify().ok


def test_bad_json_lines_name_the_line(project: Project) -> None:
    path = write(project, "e.jsonl", '{"id": 1}\n{"id": 2,\n')
    with pytest.raises(LoadError, match=r"e\.jsonl: line 2: not valid JSON"):
        project.load_file("events", path, source="app")
    path = write(project, "e.jsonl", '{"id": 1}\n[1, 2]\n')
    with pytest.raises(LoadError, match="line 2: each line must be a JSON object"):
        project.load_file("events", path, source="app")


def test_only_csv_and_json_lines_are_read(project: Project) -> None:
    with pytest.raises(LoadError, match=r"only \.csv and \.jsonl"):
        project.load_file("sales", write(project, "x.xlsx", "nope"), source="file")
    with pytest.raises(LoadError, match="cannot read"):
        project.load_file("sales", project.root / "missing.csv", source="file")


@pytest.mark.parametrize(("values", "expected"), [
    (["1", "22", None], "BIGINT"),
    (["1.5", "2"], "DECIMAL(18,2)"),
    (["1.12345", "2"], "DECIMAL(18,5)"),
    (["1e3", "2.5"], "DOUBLE"),
    (["2025-01-01", None], "DATE"),
    (["2025-01-01 10:00", "2025-01-02T11:00:00Z"], "TIMESTAMP"),
    (["true", "FALSE"], "BOOLEAN"),
    (["1", "x"], "VARCHAR"),
    ([None, None], "VARCHAR"),
    ([1.5, 2], "DOUBLE"),
])
def test_type_inference(values: list[object], expected: str) -> None:
    assert infer_type(values) == expected
