"""SQL for the Spark engine: DuckDB's dialect to Spark's through SQLGlot, parameters bound as
literals, types in both spellings, and the tree hash of a load's rows computed in Spark SQL."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp
from sqlglot.tokens import TokenType  # type: ignore[attr-defined]

from northstar.errors import NorthstarError

if TYPE_CHECKING:
    import pyarrow as pa

TREE = "tree1"
"""The content-hash scheme of loads written on Spark: `tree1:<sha256 hex>`."""
BLOCK_ROWS = 65_536
"""Rows per block of the tree hash: blocks are hashed side by side, then their hashes."""

_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")
_SPARK_TYPES = {"VARCHAR": "STRING", "BIGINT": "BIGINT", "INTEGER": "INT", "DOUBLE": "DOUBLE",
                "DATE": "DATE", "TIMESTAMP": "TIMESTAMP_NTZ", "BOOLEAN": "BOOLEAN",
                "FLOAT": "FLOAT", "SMALLINT": "SMALLINT", "TINYINT": "TINYINT"}
_DUCK_TYPES = {"string": "VARCHAR", "bigint": "BIGINT", "int": "INTEGER", "double": "DOUBLE",
               "date": "DATE", "timestamp_ntz": "TIMESTAMP", "timestamp": "TIMESTAMP",
               "boolean": "BOOLEAN", "float": "FLOAT", "smallint": "SMALLINT",
               "tinyint": "TINYINT", "void": "VARCHAR"}


def spark_type(duck_type: str) -> str:
    """Spark's spelling of a column type written DuckDB's way."""
    upper = duck_type.upper().replace(" ", "")
    if _DECIMAL.match(upper):
        return upper
    if upper not in _SPARK_TYPES:
        raise NorthstarError(f"the Spark engine cannot store a column of type {duck_type}")
    return _SPARK_TYPES[upper]


def arrow_type(duck_type: str) -> pa.DataType:
    """The Arrow type of a column written DuckDB's way (what a Parquet part holds)."""
    import pyarrow as pa

    upper = duck_type.upper().replace(" ", "")
    m = _DECIMAL.match(upper)
    if m:
        return pa.decimal128(int(m.group(1)), int(m.group(2)))
    simple = {"VARCHAR": pa.string(), "BOOLEAN": pa.bool_(), "BIGINT": pa.int64(),
              "INTEGER": pa.int32(), "DOUBLE": pa.float64(), "DATE": pa.date32(),
              "TIMESTAMP": pa.timestamp("us"), "FLOAT": pa.float32(),
              "SMALLINT": pa.int16(), "TINYINT": pa.int8()}
    if upper not in simple:
        raise NorthstarError(f"the Spark engine cannot store a column of type {duck_type}")
    return simple[upper]


def duck_type(simple: str) -> str:
    """DuckDB's spelling of a Spark type (`DataType.simpleString()`)."""
    if simple.startswith("decimal("):
        return simple.upper().replace(" ", "")
    return _DUCK_TYPES.get(simple, simple.upper())


def duck_type_of_ast(kind: exp.DataType) -> str:
    """A column type from a parsed DDL statement, DuckDB's spelling (`DECIMAL(18,2)`)."""
    text = kind.sql("duckdb").upper().replace(" ", "")
    return {"TEXT": "VARCHAR", "INT": "INTEGER", "REAL": "FLOAT"}.get(text, text)


def _literal(value: Any) -> str:
    """A parameter as a DuckDB literal (parameters are bound before the text is transpiled)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else (
            f"CAST('{value}' AS DOUBLE)")
    if isinstance(value, Decimal):
        return f"CAST('{value}' AS DECIMAL(38, {max(0, -int(value.as_tuple().exponent))}))"
    if isinstance(value, datetime):
        return f"CAST('{value.replace(tzinfo=None).isoformat(sep=' ')}' AS TIMESTAMP)"
    if isinstance(value, date):
        return f"CAST('{value.isoformat()}' AS DATE)"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return "'" + str(value).replace("'", "''") + "'"


def bind(sql: str, params: Sequence[Any] | None) -> str:
    """`sql` with each `?` replaced by its parameter, as a literal, in the order they appear."""
    if not params:
        return sql
    marks = [t for t in sqlglot.tokenize(sql, read="duckdb")
             if t.token_type == TokenType.PLACEHOLDER and t.text == "?"]
    if len(marks) != len(params):
        raise NorthstarError(f"the statement has {len(marks)} placeholders but "
                             f"{len(params)} parameters were given")
    out, at = [], 0
    for mark, value in zip(marks, params, strict=True):
        out.append(sql[at:mark.start])
        out.append(_literal(value))
        at = mark.end + 1
    out.append(sql[at:])
    return "".join(out)


@lru_cache(maxsize=4096)
def parse(sql: str) -> tuple[exp.Expression, ...]:
    """The statements of `sql`, read in DuckDB's dialect."""
    try:
        found = sqlglot.parse(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise NorthstarError(f"cannot read this SQL: {str(exc).splitlines()[0]}") from None
    return tuple(e for e in found if isinstance(e, exp.Expression))


def _as_double(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.DOUBLE):
        return node
    return exp.cast(node, exp.DataType.Type.DOUBLE)


def _floating_point(node: exp.Expression) -> exp.Expression:
    """`a / b` and `avg(x)` as DuckDB computes them: in floating point. Spark keeps decimals
    there, cut short (a quotient of two sums of money to 6 places, 0.987950 where DuckDB gives
    0.9879497731141221; the average of `1.0`s to 5), so a ratio would differ from DuckDB's in
    its sixth digit."""
    if isinstance(node, (exp.Div, exp.Avg)):
        node = node.copy()
        node.set("this", _as_double(node.this))
    return node


def to_spark(node: exp.Expression | str) -> str:
    """Spark SQL for a statement or text written in DuckDB's dialect (divisions and averages
    in floating point, as DuckDB's)."""
    if isinstance(node, str):
        return ";\n".join(to_spark(e) for e in parse(node))
    return node.transform(_floating_point).sql(dialect="spark")


def row_text_sql(columns: Sequence[tuple[str, str]]) -> str:
    """Spark SQL for a row's canonical text: its values as text, 0x1F between them, `\\N` for
    null, backslashes and 0x1F inside text escaped (so no two different rows give the same
    text). `columns`: name and Spark type name."""
    parts = []
    for name, simple in columns:
        col = f"`{name.replace('`', '``')}`"
        if simple == "string":
            text = f"replace(replace({col}, '\\\\', '\\\\\\\\'), chr(31), '\\\\x1f')"
        else:
            text = f"CAST({col} AS STRING)"
        parts.append(f"coalesce({text}, '\\\\N')")
    return "concat_ws(chr(31), " + ", ".join(parts) + ")"


def tree_hash_sql(table: str, columns: Sequence[tuple[str, str]], loads: Sequence[int],
                  unhashed: Sequence[str]) -> str:
    """One Spark query giving, per load of `loads`: its tree hash over `columns` (rows hashed
    side by side, then each block of `BLOCK_ROWS` rows in `row_seq` order, then the blocks in
    order), its row count, and how many of its rows hold a value in each `unhashed` column."""
    ids = ", ".join(str(int(i)) for i in loads)
    filled = "".join(f", count(`{c}`) AS `f_{i}`" for i, c in enumerate(unhashed))
    summed = "".join(f", sum(`f_{i}`) AS `f_{i}`" for i in range(len(unhashed)))
    return (
        f"WITH r AS (SELECT load_id, row_seq, sha2({row_text_sql(columns)}, 256) AS h"
        f"{''.join(f', `{c}`' for c in unhashed)} FROM `{table}` WHERE load_id IN ({ids})), "
        f"b AS (SELECT load_id, floor((row_seq - 1) / {BLOCK_ROWS}) AS blk, "
        "sha2(concat_ws('', transform(array_sort(collect_list(struct(row_seq, h))), "
        f"x -> x.h)), 256) AS bh, count(*) AS n{filled} FROM r GROUP BY 1, 2) "
        "SELECT load_id, sha2(concat_ws('', transform(array_sort(collect_list(struct(blk, "
        f"bh))), x -> x.bh)), 256) AS digest, sum(n) AS n{summed} FROM b GROUP BY load_id")
