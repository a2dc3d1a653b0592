"""Tags by declared rules: a small YAML file says how each row gets its department, owner_id,
client_id, source_funnel and utm_* tags, so changing them never needs a code edit.

Rules are tried in order; for each row and tag the first rule that gives a value wins."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, field_validator

from northstar.errors import ConfigError
from northstar.files import load_yaml, validate
from northstar.ledger.schema import TAGS

__all__ = ["TagRule", "TagRules", "apply_tags", "load_tag_rules"]


class TagRule(BaseModel):
    """One declared rule that sets a tag on the rows of some tables."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    tag: str
    """The tag to set: department, team, owner_id, client_id, source_funnel, utm_*."""
    value: str | None = None
    """A constant value."""
    from_: str | None = Field(None, alias="from")
    """Copy the value of this column of the mapped row."""
    map: dict[str, str] = {}
    """Translate copied values (`{PAID_SEARCH: inbound}`); unmapped values pass through."""
    default: str | None = None
    """Value when the copied column is empty (or not in `map`, when `strict_map` is on)."""
    strict_map: bool = False
    """Values missing from `map` become `default` instead of passing through."""
    people_email: bool = False
    """Translate the copied value, an email, to the id of the person with that email in
    people.yml; a value no person has gives no tag (so a later rule can set it)."""
    when: dict[str, str] = {}
    """Apply only to rows whose columns equal these values."""
    tables: list[str] = []
    """Apply only to these raw tables (default: every table)."""

    @field_validator("tag")
    @classmethod
    def _known_tag(cls, value: str) -> str:
        if value not in TAGS:
            raise ValueError(f"{value!r} is not a tag; tags are: {', '.join(TAGS)}")
        return value

    def model_post_init(self, context: object) -> None:
        if (self.value is None) == (self.from_ is None):
            raise ValueError("a rule needs exactly one of value or from")


class TagRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[TagRule] = []
    """The rules, tried in order."""


def load_tag_rules(path: Path) -> list[TagRule]:
    data, lines = load_yaml(path)
    if data is None:
        return []
    return validate(TagRules, data, path, lines).rules


def _strings(table: pa.Table, column: str, table_name: str) -> pa.ChunkedArray:
    if column not in table.column_names:
        raise ConfigError(f"a tag rule reads column {column!r}, which {table_name} does not "
                          f"have; columns: {', '.join(table.column_names)}")
    return pc.cast(table.column(column), pa.string())


def _rule_values(rule: TagRule, table: pa.Table, name: str,
                 people_emails: dict[str, str]) -> pa.ChunkedArray | pa.Array:
    n = table.num_rows
    if rule.value is not None:
        values: pa.ChunkedArray | pa.Array = pa.array([rule.value] * n, pa.string())
    else:
        assert rule.from_ is not None
        values = _strings(table, rule.from_, name)
        if rule.people_email:
            keys = pa.array(list(people_emails), pa.string())
            found = pc.index_in(pc.utf8_lower(values), value_set=keys)
            values = pa.array(list(people_emails.values()), pa.string()).take(found)
        if rule.map:
            keys = pa.array(list(rule.map), pa.string())
            found = pc.index_in(values, value_set=keys)
            mapped = pa.array(list(rule.map.values()), pa.string()).take(found)
            values = mapped if rule.strict_map else pc.coalesce(mapped, values)
        if rule.default is not None:
            values = pc.fill_null(values, rule.default)
    if rule.when:
        mask = None
        for column, expected in rule.when.items():
            hit = pc.fill_null(pc.equal(_strings(table, column, name), expected), False)
            mask = hit if mask is None else pc.and_(mask, hit)
        values = pc.if_else(mask, values, pa.nulls(n, pa.string()))
    return values


def apply_tags(table: pa.Table, name: str, rules: list[TagRule],
               people_emails: dict[str, str] | None = None) -> pa.Table:
    """Add the tag columns the rules give to a mapped table (first rule with a value wins)."""
    emails = {k.lower(): v for k, v in (people_emails or {}).items()}
    out = table
    for tag in TAGS:
        mine = [r for r in rules if r.tag == tag and (not r.tables or name in r.tables)]
        if not mine:
            continue
        current: pa.ChunkedArray | pa.Array | None = None
        for rule in mine:
            values = _rule_values(rule, table, name, emails)
            current = values if current is None else pc.coalesce(current, values)
        assert current is not None
        if tag in out.column_names:
            current = pc.coalesce(pc.cast(out.column(tag), pa.string()), current)
            out = out.set_column(out.column_names.index(tag), tag, current)
        else:
            out = out.append_column(tag, current)
    return out
