"""Declared tag rules (from sources.toml) applied to each mapped row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from northstar.sources.config import TagRule


def _value(rule: TagRule, row: dict[str, Any]) -> str | None:
    if rule.value is not None:
        return rule.value
    if rule.from_ is None:
        return rule.default
    raw = row.get(rule.from_)
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
