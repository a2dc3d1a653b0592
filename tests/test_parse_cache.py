"""The parse cache only saves parsing: a damaged cache file is ignored, invalid SQL is refused
every time, and a cached answer is the answer a fresh parse gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from northstar.models import parsecache
from northstar.models.parsecache import ParseCache
from northstar.models.views import SqlSyntaxError, table_references

SQL = "with recent as (select * from deals) select count(*) from recent join owners using (id)"


@pytest.fixture
def cache_file(tmp_path: Path) -> Path:
    yield tmp_path / "cache" / "sql.json"
    parsecache.use(None)
    table_references.cache_clear()


def test_an_answer_is_remembered_between_processes(cache_file: Path) -> None:
    first = ParseCache(cache_file)
    parsecache.use(first)
    assert table_references(SQL) == frozenset({"deals", "owners"})  # the CTE is not a table
    first.save()
    table_references.cache_clear()  # as a new process would start
    second = ParseCache(cache_file)
    assert second.get(SQL) == frozenset({"deals", "owners"})
    assert second.get(SQL + " where 1 = 1") is None


@pytest.mark.parametrize("damage", ["{not json", '{"stamp": "0:other", "tables": {}}', "[1, 2]",
                                    '{"stamp": null, "tables": {"x": 3}}'])
def test_a_damaged_or_foreign_cache_is_ignored_and_rewritten(cache_file: Path,
                                                             damage: str) -> None:
    cache_file.parent.mkdir(parents=True)
    cache_file.write_text(damage, encoding="utf-8")
    cache = ParseCache(cache_file)
    parsecache.use(cache)
    assert table_references("select * from invoices") == frozenset({"invoices"})
    cache.save()
    assert ParseCache(cache_file).get("select * from invoices") == frozenset({"invoices"})


def test_invalid_sql_is_refused_every_time_and_never_stored(cache_file: Path) -> None:
    cache = ParseCache(cache_file)
    parsecache.use(cache)
    for _ in range(2):
        with pytest.raises(SqlSyntaxError):
            table_references("select from where (")
        table_references.cache_clear()
    cache.save()
    assert not cache_file.exists()  # nothing was learnt, nothing written
