"""`scaled_fixture(con, factor)`: multiply the Fivetran fixture tables landed in a DuckDB
warehouse, for benchmarks. Copy k of every row gets ids shifted by k * 10^9 (numeric ids) or a
`-k` suffix (text ids), so headers, lines, items and accounts still join as in the original."""

from __future__ import annotations

from typing import Any

from northstar.engines.base import quote

__all__ = ["scaled_fixture"]

_ID = ("id", "invoice_id", "bill_id", "credit_memo_id", "vendor_credit_id", "payment_id",
       "customer_id", "vendor_id", "deal_id", "company_id", "contact_id")
"""Key columns shifted per copy. Account and item ids are shared by every copy."""
_SCALED = {
    "quickbooks": ("invoice", "invoice_line", "bill", "bill_line", "credit_memo",
                   "credit_memo_line", "vendor_credit", "vendor_credit_line", "payment",
                   "payment_line", "customer", "vendor"),
    "hubspot": ("deal", "deal_company", "deal_contact", "company", "contact"),
}


def scaled_fixture(con: Any, factor: int, schemas: tuple[str, ...] = ("quickbooks", "hubspot")
                   ) -> dict[str, int]:
    """Replace the fact tables of `schemas` (in the open DuckDB connection `con`) by `factor`
    copies of themselves. Returns rows per table afterwards."""
    if factor < 1:
        raise ValueError("factor must be at least 1")
    counts: dict[str, int] = {}
    for schema in schemas:
        for table in _SCALED.get(schema, ()):
            cols = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [schema, table]).fetchall()
            if not cols:
                continue
            select = []
            for name, dtype in cols:
                q = quote(name)
                if name in _ID and dtype in ("BIGINT", "INTEGER"):
                    select.append(f"{q} + k * 1000000000 AS {q}")
                elif name in _ID:
                    select.append(f"CASE WHEN k = 0 THEN {q} ELSE {q} || '-' || k END AS {q}")
                else:
                    select.append(q)
            target = f"{quote(schema)}.{quote(table)}"
            con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT {', '.join(select)} "
                        f"FROM {target}, range({int(factor)}) AS r(k)")
            counts[f"{schema}.{table}"] = int(con.execute(
                f"SELECT count(*) FROM {target}").fetchone()[0])
    return counts
