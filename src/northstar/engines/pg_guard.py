"""What keeps a PostgreSQL ledger append-only, in SQL: the trigger function and its triggers,
the owner's functions the app calls to grow the ledger, and the checks `verify` runs on them.

Two ways a project can run on PostgreSQL:

- **one role** (the default, and every project before `northstar db setup`): the app's role
  creates and owns the ledger tables; triggers refuse UPDATE, DELETE and TRUNCATE, but the
  owner can switch them off;
- **separate roles** (after `northstar db setup`, docs/deploy.md): a NOLOGIN owner role owns
  the ledger tables, the trigger function and the functions below; the app's role may only
  INSERT and SELECT, and creates a ledger table, adds a column or locks the log by calling
  those functions (SECURITY DEFINER, fixed `search_path`, every name checked).

The functions' bodies name the schema and the ledger's tables themselves, and run with
`search_path = pg_catalog, pg_temp`: nothing the app's role can create (it may create views
and its state tables in the same schema) is ever looked up in them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from northstar.engines.base import quote
from northstar.ledger.definitions import DEFINITIONS
from northstar.ledger.schema import (
    CORRECTION_TABLES,
    LOG_TABLE,
    RECORD_TABLES,
    is_ledger_table,
)

if TYPE_CHECKING:
    from northstar.engines.base import Engine

__all__ = [
    "CREATE_TABLE",
    "DEFINER_FUNCTIONS",
    "FIXED_TABLES",
    "REFUSE",
    "REFUSE_BODY",
    "GuardReport",
    "definer_functions",
    "guard_report",
    "is_guarded_table",
    "refuse_function_sql",
    "row_trigger",
    "set_up",
    "trigger_statements",
    "truncate_trigger",
]

REFUSE = "ns_refuse_change"
REFUSE_BODY = """
BEGIN
  RAISE EXCEPTION 'northstar ledger table % is append-only: % refused', TG_TABLE_NAME, TG_OP;
END """
"""The trigger function's body exactly as PostgreSQL keeps it (`pg_proc.prosrc`)."""

CREATE_TABLE = "ns_create_ledger_table"
ADD_COLUMN = "ns_add_ledger_column"
LOCK = "ns_lock_ledger"
DEFINER_FUNCTIONS = (CREATE_TABLE, ADD_COLUMN, LOCK)
FIXED_TABLES = (LOG_TABLE, DEFINITIONS)
"""Ledger tables with a fixed shape: `northstar db setup` creates them."""

_NAMEDATALEN = 63
_ROW_TYPE = 1 | 2 | 8 | 16  # pg_trigger.tgtype: FOR EACH ROW, BEFORE, DELETE, UPDATE
_TRUNCATE_TYPE = 2 | 32  # FOR EACH STATEMENT, BEFORE, TRUNCATE


def is_guarded_table(name: str) -> bool:
    """True for every table the triggers guard: `raw_*`, the corrections, the record tables,
    the log and the definitions."""
    return is_ledger_table(name) or name in FIXED_TABLES


def row_trigger(table: str) -> str:
    # PostgreSQL cuts a longer name to 63 bytes: so does Northstar, to find it again.
    return f"ns_append_only_{table}"[:_NAMEDATALEN]


def truncate_trigger(table: str) -> str:
    return f"ns_no_truncate_{table}"[:_NAMEDATALEN]


def _q(schema: str | None, name: str) -> str:
    return quote(name) if schema is None else f"{quote(schema)}.{quote(name)}"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def refuse_function_sql(schema: str | None = None, *, replace: bool = False) -> str:
    head = "CREATE OR REPLACE FUNCTION" if replace else "CREATE FUNCTION"
    return (f"{head} {_q(schema, REFUSE)}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $${REFUSE_BODY}$$")


def trigger_statements(table: str, schema: str | None = None) -> list[str]:
    """The two triggers that refuse UPDATE and DELETE (each row) and TRUNCATE on `table`."""
    target, function = _q(schema, table), _q(schema, REFUSE)
    return [
        f"CREATE TRIGGER {quote(row_trigger(table))} BEFORE UPDATE OR DELETE ON {target} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {quote(truncate_trigger(table))} BEFORE TRUNCATE ON {target} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]


# -- the owner's functions ------------------------------------------------------------------
# `{schema}`, `{named}`, `{fixed}` and `{refuse}` are filled in per schema; `{{` is `{`.
_CHECK_TABLE = """
  IF tbl IS NULL OR NOT (tbl ~ '^raw_[a-z0-9_]{{1,59}}$' OR tbl IN ({named})) THEN
    RAISE EXCEPTION 'northstar: % is not a ledger table name', tbl;
  END IF;"""
_CHECK_COLUMN = """
  IF col IS NULL OR col !~ '^[a-z_][a-z0-9_]{{0,62}}$' THEN
    RAISE EXCEPTION 'northstar: % is not a ledger column name', col;
  END IF;
  IF typ IS NULL OR NOT (typ IN ('text', 'bigint', 'integer', 'double precision', 'date',
      'timestamp', 'boolean') OR typ ~ '^numeric\\([1-9][0-9]?,[0-9][0-9]?\\)$') THEN
    RAISE EXCEPTION 'northstar: % is not a ledger column type', typ;
  END IF;"""

_CREATE_BODY = """
DECLARE
  body text := '';
  spec jsonb;
  col text;
  typ text;
BEGIN""" + _CHECK_TABLE + """
  IF jsonb_typeof(cols) IS DISTINCT FROM 'array' OR jsonb_array_length(cols) = 0 THEN
    RAISE EXCEPTION 'northstar: the columns of % are not a list of [name, type]', tbl;
  END IF;
  FOR spec IN SELECT value FROM jsonb_array_elements(cols) LOOP
    col := spec->>0;
    typ := spec->>1;""" + _CHECK_COLUMN.replace("\n  ", "\n    ") + """
    body := body || CASE WHEN body = '' THEN '' ELSE ', ' END || format('%I %s', col, typ);
  END LOOP;
  EXECUTE format('CREATE TABLE %I.%I (%s)', {schema}, tbl, body);
  EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I.%I FOR EACH ROW '
                 'EXECUTE FUNCTION %I.{refuse}()', left('ns_append_only_' || tbl, 63),
                 {schema}, tbl, {schema});
  EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I.%I FOR EACH STATEMENT '
                 'EXECUTE FUNCTION %I.{refuse}()', left('ns_no_truncate_' || tbl, 63),
                 {schema}, tbl, {schema});
END """

_ADD_BODY = """
BEGIN
  IF tbl IS NULL OR tbl NOT IN ({fixed}) THEN""" + _CHECK_TABLE.replace("\n  ", "\n    ") + """
  END IF;""" + _CHECK_COLUMN + """
  IF to_regclass(format('%I.%I', {schema}, tbl)) IS NULL THEN
    RAISE EXCEPTION 'northstar: ledger table % does not exist', tbl;
  END IF;
  EXECUTE format('ALTER TABLE %I.%I ADD COLUMN %I %s', {schema}, tbl, col, typ);
END """

_LOCK_BODY = """
BEGIN
  IF tbl IS NULL OR tbl NOT IN ({fixed}) THEN
    RAISE EXCEPTION 'northstar: % is not the collection log or the definitions', tbl;
  END IF;
  EXECUTE format('LOCK TABLE %I.%I IN EXCLUSIVE MODE', {schema}, tbl);
END """


@dataclass(frozen=True)
class DefinerFunction:
    name: str
    arguments: str
    """The argument list as declared, e.g. `tbl text, cols jsonb`."""
    signature: str
    """The argument types, as `ALTER FUNCTION` and `GRANT` name the function."""
    body: str
    """Exactly as PostgreSQL keeps it (`pg_proc.prosrc`)."""

    def sql(self, schema: str) -> str:
        return (f"CREATE OR REPLACE FUNCTION {_q(schema, self.name)}({self.arguments}) "
                "RETURNS void LANGUAGE plpgsql SECURITY DEFINER "
                f"SET search_path = pg_catalog, pg_temp AS $${self.body}$$")

    def qualified(self, schema: str) -> str:
        return f"{_q(schema, self.name)}({self.signature})"


def definer_functions(schema: str) -> list[DefinerFunction]:
    """The functions the app's role calls to grow the ledger in `schema`: create a ledger
    table with its triggers, add a column to one, lock the log or the definitions."""
    names = {"schema": _literal(schema), "refuse": REFUSE,
             "named": ", ".join(_literal(t) for t in (*CORRECTION_TABLES,
                                                            *RECORD_TABLES)),
             "fixed": ", ".join(_literal(t) for t in FIXED_TABLES)}
    return [
        DefinerFunction(CREATE_TABLE, "tbl text, cols jsonb", "text, jsonb",
                        _CREATE_BODY.format(**names)),
        DefinerFunction(ADD_COLUMN, "tbl text, col text, typ text", "text, text, text",
                        _ADD_BODY.format(**names)),
        DefinerFunction(LOCK, "tbl text", "text", _LOCK_BODY.format(**names)),
    ]


# -- the engine's side ---------------------------------------------------------------------
def set_up(engine: Engine) -> bool:
    """True when the connection's schema has the owner's functions (`northstar db setup`
    ran): the ledger is grown through them, never by DDL of the app's own."""
    return bool(engine.scalar(
        "SELECT 1 FROM pg_proc WHERE proname = ? AND pronamespace = "
        "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())", [CREATE_TABLE]))


# -- verify ------------------------------------------------------------------------------
@dataclass
class GuardReport:
    problems: list[tuple[str, str]]
    """(where, what): a table, `function <name>`, `schema <name>` or `role <name>`."""
    notes: list[str]


_SCHEMA = "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"


def guard_report(engine: Engine, tables: list[str]) -> GuardReport:
    """Check that every one of `tables` (ledger tables as the log names them) has both
    triggers, enabled and calling the untouched trigger function; and, once the roles are
    separate, that the connection's role owns none of them, nor the functions or the
    schema, and may do no more than INSERT and SELECT."""
    problems: list[tuple[str, str]] = []
    notes: list[str] = []
    [(me, superuser, createrole, schema, schema_owner, schema_mine)] = engine.rows(
        "SELECT current_user AS me, r.rolsuper, r.rolcreaterole, n.nspname, "
        "pg_get_userbyid(n.nspowner) AS owner, "
        "pg_has_role(current_user, n.nspowner, 'MEMBER') AS mine FROM pg_roles r, pg_namespace n "
        "WHERE r.rolname = current_user AND n.nspname = current_schema()")
    found = engine.rows(
        # (Each column named: a query's answer is an Arrow table, one column per name.)
        "SELECT c.relname, pg_get_userbyid(c.relowner) AS owner, "
        "pg_has_role(current_user, c.relowner, 'MEMBER') AS mine, "
        "has_table_privilege(c.oid, 'UPDATE') AS u, has_table_privilege(c.oid, 'DELETE') AS d, "
        "has_table_privilege(c.oid, 'TRUNCATE') AS t, has_table_privilege(c.oid, 'TRIGGER') AS g "
        f"FROM pg_class c WHERE c.relnamespace = {_SCHEMA} AND c.relkind IN ('r', 'p') "
        "AND c.relname = ANY(?)", [sorted(set(tables))])
    present = {str(r[0]): r for r in found}
    triggers: dict[tuple[str, str], tuple[str, int, str, bool]] = {}
    for table, name, enabled, kind, function, same_schema in engine.rows(
            "SELECT c.relname, t.tgname, t.tgenabled::text AS enabled, t.tgtype::int AS kind, "
            "p.proname, p.pronamespace = c.relnamespace AS same_schema FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
            f"WHERE NOT t.tgisinternal AND c.relnamespace = {_SCHEMA} AND c.relname = ANY(?)",
            [sorted(present)]):
        triggers[(str(table), str(name))] = (str(enabled), int(kind), str(function),
                                             bool(same_schema))
    functions = {str(r[0]): r for r in engine.rows(
        "SELECT p.proname, pg_get_userbyid(p.proowner) AS owner, "
        "pg_has_role(current_user, p.proowner, 'MEMBER') AS mine, p.prosrc, p.prosecdef "
        f"FROM pg_proc p WHERE p.pronamespace = {_SCHEMA} AND p.proname = ANY(?)",
        [[REFUSE, *DEFINER_FUNCTIONS]])}

    refuse = functions.get(REFUSE)
    if refuse is None:
        problems.append((f"function {REFUSE}", "is missing: the ledger's triggers have "
                         "nothing to call"))
    elif refuse[3] != REFUSE_BODY:
        problems.append((f"function {REFUSE}", "was replaced: its body is not the one "
                         "Northstar wrote, so the triggers may no longer refuse changes"))
    for table in sorted(present):
        for name, kind, what in ((row_trigger(table), _ROW_TYPE, "UPDATE and DELETE"),
                                 (truncate_trigger(table), _TRUNCATE_TYPE, "TRUNCATE")):
            problem = _trigger_problem(name, kind, what, triggers.get((table, name)))
            if problem is not None:
                problems.append((table, problem))

    separate = CREATE_TABLE in functions
    owned = sorted(t for t, r in present.items() if r[2])
    if not separate:
        if owned or superuser:
            who = (f"{me} is a superuser" if superuser
                   else f"the project's role {me} owns the ledger tables")
            notes.append(f"{who}: it can switch the append-only triggers off and then edit "
                         "the ledger; `northstar db setup --admin-url ...` gives the ledger to "
                         "an owner role the app never uses (docs/deploy.md)")
        return GuardReport(problems, notes)

    if superuser:
        problems.append((f"role {me}", "is a superuser: it can switch off every guard; the "
                         "project must connect as a role without superuser"))
    elif createrole:
        problems.append((f"role {me}", "may create roles: it could make itself a member of "
                         "the ledger's owner role (`northstar db setup` takes that away)"))
    if schema_mine:
        problems.append((f"schema {schema}", _acting(me, str(schema_owner))
                         + ": it can drop the ledger tables"))
    for table in owned:
        problems.append((table, _acting(me, str(present[table][1]))
                         + ": it can switch the table's triggers off (`northstar db setup` "
                         "gives it back to the owner role)"))
    for table in sorted(present):
        row = present[table]
        if row[2]:
            continue
        extra = [p for p, held in zip(("UPDATE", "DELETE", "TRUNCATE", "TRIGGER"), row[3:],
                                      strict=True) if held]
        if extra:
            problems.append((table, f"{me} may {', '.join(extra)}: only INSERT and SELECT "
                             "are granted on the ledger (`northstar db setup` revokes the "
                             "rest)"))
    for name in (REFUSE, *DEFINER_FUNCTIONS):
        function = functions.get(name)
        if function is None:
            if name != REFUSE:
                problems.append((f"function {name}", "is missing: run `northstar db setup` "
                                 "again"))
            continue
        if function[2]:
            problems.append((f"function {name}", _acting(me, str(function[1]))
                             + ": it can replace the function"))
        elif name != REFUSE and not function[4]:
            problems.append((f"function {name}", "is no longer SECURITY DEFINER"))
    return GuardReport(problems, notes)


def _acting(me: str, owner: str) -> str:
    if owner == me:
        return f"is owned by {me}, the project's own role"
    return f"is owned by {owner}, a role {me} is a member of"


def _trigger_problem(name: str, kind: int, what: str,
                     found: tuple[str, int, str, bool] | None) -> str | None:
    if found is None:
        return (f"trigger {name} is missing: nothing refuses {what} (`northstar db setup` "
                "puts it back)")
    enabled, tgtype, function, same_schema = found
    if tgtype != kind or function != REFUSE or not same_schema:
        return (f"trigger {name} was changed: it no longer calls {REFUSE} before every "
                f"{what}")
    if enabled == "D":
        return f"trigger {name} is disabled: {what} are not refused"
    if enabled == "R":
        return f"trigger {name} fires only on replicas: {what} are not refused"
    return None
