"""Declared tag rules (from sources.toml) applied to each mapped row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from northstar.sources.config import TagRule


def _value(rule: TagRule, row: dict[str, Any]) -> str | None:
    return _pick(rule, row.get(rule.from_) if rule.from_ is not None else None)


def _pick(rule: TagRule, raw: Any) -> str | None:
    """The rule's tag value for a row whose `from` column holds `raw`."""
    if rule.value is not None:
        return rule.value
    if rule.from_ is None:
        return rule.default
    if raw is None or raw == "":
        return rule.default
    key = str(raw)
    if key in rule.map:
        return rule.map[key]
    return rule.default if rule.strict_map else key


def apply_tags(rules: Sequence[TagRule], table: str, row: dict[str, Any]) -> None:
    """Set tags on `row` in place. The first rule that gives a tag a value wins over later rules
    and over the connector's own default for that tag."""
    decided: set[str] = set()
    for rule in rules:
        if rule.tag in decided or (rule.tables and table not in rule.tables):
            continue
        if any(str(row.get(col)) != want for col, want in rule.when.items()):
            continue
        value = _value(rule, row)
        if value is not None:
            row[rule.tag] = value
            decided.add(rule.tag)


def tag_table(rules: Sequence[TagRule], table: str, data: pa.Table) -> pa.Table:
    """`apply_tags` on every row of `data`, column by column: the same rules, in the same
    order, with the same answers (a rule sees the tags earlier rules set on its row)."""
    rules = [r for r in rules if not r.tables or table in r.tables]
    if not rules or data.num_rows == 0:
        return data
    n = data.num_rows
    plain: dict[str, list[Any]] = {}
    tags: dict[str, list[Any]] = {}
    decided: dict[str, list[bool]] = {}

    def values(column: str) -> list[Any]:
        if column in tags:
            return tags[column]
        if column not in plain:
            plain[column] = (data.column(column).to_pylist() if column in data.column_names
                             else [None] * n)
        return plain[column]

    for rule in rules:
        if rule.tag not in tags:
            tags[rule.tag] = list(values(rule.tag))
            decided[rule.tag] = [False] * n
        out, done = tags[rule.tag], decided[rule.tag]
        when = [(values(col), want) for col, want in rule.when.items()]
        source = values(rule.from_) if rule.from_ is not None else None
        for i in range(n):
            if done[i] or any(str(col[i]) != want for col, want in when):
                continue
            value = _pick(rule, source[i] if source is not None else None)
            if value is not None:
                out[i] = value
                done[i] = True
    for tag, column in tags.items():
        arr = pa.array(column, pa.string())
        if tag in data.column_names:
            data = data.set_column(data.column_names.index(tag), tag, arr)
        else:
            data = data.append_column(tag, arr)
    return data
