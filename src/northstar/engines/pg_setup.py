"""`northstar db setup`: give a PostgreSQL ledger to an owner role the app never uses.

Run with an admin connection (a superuser, or on a managed server the admin user with
CREATEROLE), it makes sure, in one transaction, that:

- the **owner role** (NOLOGIN) exists and owns every ledger table (`raw_*`, the corrections,
  `ns_loads`, `ns_definitions`), the trigger function `ns_refuse_change`, both triggers on
  every ledger table (enabled) and the three functions the app grows the ledger through
  (`pg_guard.definer_functions`);
- the **app role** (the user of the project's engine URL) logs in, is no superuser, cannot
  create roles, is no member of the owner role, and may only INSERT and SELECT on the ledger
  (and on every ledger table the owner's functions create later: default privileges);
- the schema belongs to neither the app nor a role it can act as (a schema's owner may drop
  any table in it); the app may still create there: its views and **state tables** (`ns_*`
  tables that are not ledger: users, sessions, alerts, schedules, cursors, run logs, stages),
  which it owns and changes.

Each step looks before it acts, so a second run changes nothing and says so. Nothing is kept
when a step fails (or with `dry_run`): the report then lists what would have run."""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from northstar.engines import pg_guard
from northstar.engines.base import quote
from northstar.engines.postgres import pg_type
from northstar.errors import NorthstarError
from northstar.ledger.definitions import DDL as DEFINITIONS_DDL
from northstar.ledger.definitions import DEFINITIONS
from northstar.ledger.schema import LOG_ADDED, LOG_DDL, LOG_TABLE

if TYPE_CHECKING:
    import psycopg

__all__ = ["Change", "SetupReport", "setup_roles", "target_of"]

_PRIVILEGES = ("UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
"""What the app's role must not hold on a ledger table."""
_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*(\S+)")
_HIDDEN = "'********'"


@dataclass(frozen=True)
class Change:
    what: str
    sql: tuple[str, ...]
    """The statements run, as shown (a password is never shown)."""


@dataclass
class SetupReport:
    database: str
    schema: str
    app: str
    owner: str
    dry_run: bool = False
    changes: list[Change] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    """What was already as it should be."""
    notes: list[str] = field(default_factory=list)

    def script(self) -> str:
        """Every statement run, as one SQL script, each change under a comment saying what
        it does (what a DBA reviews, or runs by hand with `--dry-run --sql`)."""
        parts = []
        for change in self.changes:
            body = "".join(f"{sql};\n" for sql in change.sql)
            parts.append(f"-- {change.what}\n{body}")
        return "\n".join(parts)


@dataclass(frozen=True)
class Target:
    """Where and as whom the project connects: database, schema, role and password."""

    database: str
    schema: str | None
    """From the URL's `options=-csearch_path%3D...`; None: the role's default schema."""
    app: str
    password: str | None


def target_of(engine_url: str) -> Target:
    """Read the project's engine URL (no connection is made)."""
    parts = _parts(engine_url, "the engine URL")
    app = parts.get("user")
    if not app:
        raise NorthstarError("the engine URL names no user: write the role the app connects as, "
                             "e.g. postgresql://northstar_app@db.example.internal:5432/kpi")
    schema = None
    found = _SEARCH_PATH.search(parts.get("options") or "")
    if found:
        first = found.group(1).split(",")[0].strip()
        schema = first[1:-1].replace('""', '"') if first.startswith('"') else first.lower()
        if schema == "$user":
            schema = app
    return Target(parts.get("dbname") or app, schema, app, parts.get("password"))


def _parts(url: str, what: str) -> dict[str, str]:
    from psycopg.conninfo import conninfo_to_dict

    if not url.startswith(("postgresql://", "postgres://")):
        raise NorthstarError(f"{what} is not a PostgreSQL URL (postgresql://user@host:5432/db)")
    try:
        return {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
    except Exception as exc:  # psycopg's own parse errors
        raise NorthstarError(f"{what} cannot be read: {str(exc).strip()}") from None


def setup_roles(engine_url: str, admin_url: str, *, owner: str | None = None,
                dry_run: bool = False) -> SetupReport:
    """Separate the roles of the project whose engine URL is `engine_url`, connecting with
    `admin_url` (same database). `owner`: the owner role's name (default `<app>_owner`)."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    target = target_of(engine_url)
    admin_db = _parts(admin_url, "--admin-url").get("dbname")
    if admin_db is not None and admin_db != target.database:
        raise NorthstarError(f"--admin-url connects to database {admin_db}, the project's "
                             f"engine URL to {target.database}: give the admin URL the same "
                             "database")
    owner = owner or f"{target.app}_owner"
    if len(owner.encode()) > 63:
        raise NorthstarError(f"the owner role's name {owner!r} is longer than 63 bytes: "
                             "choose one with --owner")
    if owner == target.app:
        raise NorthstarError("the owner role and the app's role must be two roles")
    try:
        con = psycopg.connect(make_conninfo(admin_url, dbname=target.database))
    except psycopg.Error as exc:
        raise NorthstarError("cannot connect with --admin-url: "
                             f"{str(exc).strip().splitlines()[0]}") from None
    try:
        run = _Setup(con, target, owner, dry_run)
        run.all()
        if dry_run:
            con.rollback()
        else:
            con.commit()
        return run.report
    finally:
        con.close()


class _Setup:
    def __init__(self, con: psycopg.Connection[Any], target: Target, owner: str,
                 dry_run: bool) -> None:
        self.con = con
        self.target = target
        self.app = target.app
        self.owner = owner
        self.schema = target.schema or self._default_schema()
        self.report = SetupReport(target.database, self.schema, self.app, owner, dry_run)
        self.s = quote(self.schema)
        self.q_app, self.q_owner = quote(self.app), quote(owner)
        self.nsp: int | None = None
        self.admin = ""
        self.superuser = False
        self.member_of: set[str] = set()
        """Roles the admin is known to be a member of."""

    # -- plumbing ------------------------------------------------------------------------
    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return list(self.con.execute(sql, params or None).fetchall())

    def one(self, sql: str, *params: Any) -> tuple[Any, ...] | None:
        found = self.rows(sql, *params)
        return found[0] if found else None

    def change(self, what: str, *statements: str, shown: tuple[str, ...] | None = None) -> None:
        import psycopg

        shown = shown or statements
        for sql, text in zip(statements, shown, strict=True):
            try:
                self.con.execute(sql.encode())  # our own SQL, no parameters
            except psycopg.Error as exc:
                self.con.rollback()
                raise NorthstarError(f"{what}: {str(exc).strip().splitlines()[0]} (while "
                                     f"running: {text.splitlines()[0]}); nothing was "
                                     "changed") from None
        self.report.changes.append(Change(what, shown))

    def as_owner(self, *statements: str) -> tuple[str, ...]:
        """Statements run as the owner role, so that what they create is born its own."""
        return (f"SET ROLE {self.q_owner}", *statements, "RESET ROLE")

    def act_as(self, *roles: str, why: str = "to hand its objects over") -> None:
        """Before handing an object from one role to another: a managed server's admin (no
        superuser) must be a member of both (PostgreSQL's rule for ALTER ... OWNER)."""
        for role in roles:
            if role == "pg_database_owner":  # no explicit members: the database's owner
                continue
            if self.superuser or role in self.member_of or self.one(
                    "SELECT 1 WHERE pg_has_role(current_user, %s, 'MEMBER')", role):
                self.member_of.add(role)
                continue
            self.change(f"{self.admin} may act as {role} ({why})",
                        f"GRANT {quote(role)} TO {quote(self.admin)}")
            self.member_of.add(role)

    def keep(self, what: str) -> None:
        self.report.unchanged.append(what)

    def _default_schema(self) -> str:
        """The app's schema when its URL names none: one named after the role (`"$user"`,
        first on PostgreSQL's default search path), else public."""
        found = self.one("SELECT 1 FROM pg_namespace WHERE nspname = %s", self.target.app)
        return self.target.app if found else "public"

    # -- the steps -----------------------------------------------------------------------
    def all(self) -> None:
        admin, superuser = self.one(
            "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user") or ("", 0)
        if admin == self.app:
            raise NorthstarError(f"the engine URL connects as {self.app}, the same role as "
                                 "--admin-url: give the app a role of its own, e.g. "
                                 "postgresql://northstar_app@host:5432/db")
        if admin == self.owner:
            raise NorthstarError(f"--admin-url connects as {admin}: the owner role must be a "
                                 "role nobody connects as; choose another with --owner")
        self.admin, self.superuser = str(admin), bool(superuser)
        self.owner_role()
        self.app_role()
        self.database()
        self.schema_rights()
        self.default_privileges()
        self.trigger_function()
        self.fixed_tables()
        self.ledger_tables()
        self.definer_functions()
        self.state_objects()

    def owner_role(self) -> None:
        found = self.one("SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = %s",
                         self.owner)
        if found is None:
            self.change(f"created role {self.owner} (NOLOGIN): owns the ledger; nobody logs in "
                        "as it", f"CREATE ROLE {self.q_owner} NOLOGIN")
        elif found[1]:
            raise NorthstarError(f"role {self.owner} is a superuser: the ledger's owner must not "
                                 "be; choose another with --owner")
        elif found[0]:
            self.change(f"role {self.owner} may no longer log in",
                        f"ALTER ROLE {self.q_owner} NOLOGIN")
        else:
            self.keep(f"role {self.owner} exists and cannot log in")
        # A managed server's admin is no superuser: it acts as the owner to create the
        # ledger's objects and hand existing ones over.
        self.act_as(self.owner, why="to create the ledger's objects as it")

    def app_role(self) -> None:
        found = self.one("SELECT rolcanlogin, rolsuper, rolcreaterole FROM pg_roles "
                         "WHERE rolname = %s", self.app)
        if found is None:
            sql = f"CREATE ROLE {self.q_app} LOGIN"
            shown = sql
            if self.target.password:
                from psycopg import sql as psql

                sql += " PASSWORD " + psql.Literal(self.target.password).as_string(self.con)
                shown += f" PASSWORD {_HIDDEN}"
            self.change(f"created role {self.app} (LOGIN): the role the project connects as",
                        sql, shown=(shown,))
        else:
            can_login, superuser, createrole = found
            if superuser:
                raise NorthstarError(
                    f"{self.app}, the role in the engine URL, is a superuser: a superuser passes "
                    "every guard; connect the project as a role without superuser")
            if not can_login:
                self.change(f"role {self.app} may log in", f"ALTER ROLE {self.q_app} LOGIN")
            if createrole:
                self.change(f"role {self.app} may no longer create roles (it could make itself "
                            f"a member of {self.owner})", f"ALTER ROLE {self.q_app} NOCREATEROLE")
            if can_login and not createrole:
                self.keep(f"role {self.app} exists: logs in, no superuser, creates no roles")
        if self.one("SELECT 1 FROM pg_auth_members WHERE roleid = %s::regrole "
                    "AND member = %s::regrole", quote(self.owner), quote(self.app)):
            self.change(f"{self.app} is no longer a member of {self.owner}",
                        f"REVOKE {self.q_owner} FROM {self.q_app}")
        if self.one("SELECT 1 WHERE pg_has_role(%s, %s, 'MEMBER')", self.app, self.owner):
            raise NorthstarError(f"{self.app} is a member of {self.owner} through another role: "
                                 "revoke that membership, then run this again")

    def database(self) -> None:
        db = self.target.database
        if self.one("SELECT 1 WHERE has_database_privilege(%s, current_database(), 'CONNECT')",
                    self.app):
            self.keep(f"{self.app} may connect to database {db}")
        else:
            self.change(f"{self.app} may connect to database {db}",
                        f"GRANT CONNECT ON DATABASE {quote(db)} TO {self.q_app}")
        if self.one("SELECT 1 FROM pg_database WHERE datname = current_database() "
                    "AND pg_has_role(%s, datdba, 'MEMBER')", self.app):
            self.report.notes.append(
                f"{self.app} owns database {db}: it cannot change the ledger, but it could drop "
                f"the whole database; `ALTER DATABASE {quote(db)} OWNER TO {self.q_owner}` "
                "takes that away")

    def schema_rights(self) -> None:
        found = self.one("SELECT pg_get_userbyid(nspowner), pg_has_role(%s, nspowner, 'MEMBER') "
                         "FROM pg_namespace WHERE nspname = %s", self.app, self.schema)
        if found is None:
            self.change(f"created schema {self.schema}, owned by {self.owner}",
                        f"CREATE SCHEMA {self.s} AUTHORIZATION {self.q_owner}")
        elif found[1]:
            self.act_as(str(found[0]))
            self.change(f"schema {self.schema} now belongs to {self.owner} (it belonged to "
                        f"{found[0]}, and a schema's owner may drop every table in it)",
                        f"ALTER SCHEMA {self.s} OWNER TO {self.q_owner}")
        else:
            self.keep(f"schema {self.schema} belongs to {found[0]}")
        self.nsp = int((self.one("SELECT oid FROM pg_namespace WHERE nspname = %s",
                                 self.schema) or (0,))[0])
        for role, why in ((self.owner, "to create the ledger's tables"),
                          (self.app, "for its views and state tables")):
            held = self.one("SELECT has_schema_privilege(%s, %s, 'USAGE'), "
                            "has_schema_privilege(%s, %s, 'CREATE')", role, self.schema, role,
                            self.schema) or (False, False)
            if all(held):
                self.keep(f"{role} may use and create in schema {self.schema}")
            else:
                self.change(f"{role} may use and create in schema {self.schema} ({why})",
                            f"GRANT USAGE, CREATE ON SCHEMA {self.s} TO {quote(role)}")

    def trigger_function(self) -> None:
        name = f"{self.s}.{quote(pg_guard.REFUSE)}()"
        found = self.one("SELECT pg_get_userbyid(proowner), prosrc, oid FROM pg_proc WHERE "
                         "proname = %s AND pronargs = 0 AND pronamespace = %s",
                         pg_guard.REFUSE, self.nsp)
        if found is None:
            self.change(f"created the trigger function {pg_guard.REFUSE}, owned by {self.owner}",
                        *self.as_owner(pg_guard.refuse_function_sql(self.schema)))
        else:
            if found[0] != self.owner:
                self.act_as(str(found[0]))
                self.change(f"function {pg_guard.REFUSE} now belongs to {self.owner} (it "
                            f"belonged to {found[0]})", f"ALTER FUNCTION {name} OWNER TO "
                            f"{self.q_owner}")
            if found[1] != pg_guard.REFUSE_BODY:
                self.change(f"function {pg_guard.REFUSE} had been replaced: its body is "
                            "restored", *self.as_owner(
                                pg_guard.refuse_function_sql(self.schema, replace=True)))
            if found[0] == self.owner and found[1] == pg_guard.REFUSE_BODY:
                self.keep(f"function {pg_guard.REFUSE} belongs to {self.owner}, unchanged")
        self._public_execute(pg_guard.REFUSE, name, "")

    def _public_execute(self, function: str, name: str, signature: str) -> None:
        """Take EXECUTE away from PUBLIC (every function has it by default)."""
        if self.one("SELECT 1 FROM pg_proc p, aclexplode(coalesce(p.proacl, "
                    "acldefault('f', p.proowner))) a WHERE p.oid = %s::regprocedure "
                    "AND a.grantee = 0", name):
            self.change(f"only the roles it is granted to may run {function}",
                        f"REVOKE ALL ON FUNCTION {name} FROM PUBLIC")

    def fixed_tables(self) -> None:
        for table, ddl in ((LOG_TABLE, LOG_DDL), (DEFINITIONS, DEFINITIONS_DDL)):
            if self.one("SELECT 1 FROM pg_class WHERE relname = %s AND relnamespace = %s",
                        table, self.nsp):
                continue  # checked with the other ledger tables
            create = ddl.strip().replace(f"CREATE TABLE IF NOT EXISTS {table} (",
                                         f"CREATE TABLE {self.s}.{quote(table)} (", 1)
            self.change(f"created {table}, owned by {self.owner}, with its triggers",
                        *self.as_owner(create, *pg_guard.trigger_statements(table, self.schema)))

    def ledger_tables(self) -> None:
        tables = [(int(oid), str(name), str(owner)) for oid, name, owner in self.rows(
            "SELECT oid, relname, pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = "
            "%s AND relkind IN ('r', 'p') ORDER BY relname", self.nsp)
            if pg_guard.is_guarded_table(str(name))]
        fine = 0
        for oid, table, owner in tables:
            done: list[str] = []
            statements: list[str] = []
            target = f"{self.s}.{quote(table)}"
            if owner != self.owner:
                self.act_as(owner)
                self.change(f"{table} now belongs to {self.owner} (it belonged to {owner})",
                            f"ALTER TABLE {target} OWNER TO {self.q_owner}")
            if table == LOG_TABLE:
                have = {str(r[0]) for r in self.rows(
                    "SELECT attname FROM pg_attribute WHERE attrelid = %s AND attnum > 0 "
                    "AND NOT attisdropped", oid)}
                for name, duck in LOG_ADDED:
                    if name not in have:
                        done.append(f"column {name} added")
                        statements.append(f"ALTER TABLE {target} ADD COLUMN {quote(name)} "
                                          f"{pg_type(duck)}")
            self._triggers(oid, table, target, done, statements)
            if statements:
                self.change(f"{table}: {', '.join(done)}", *self.as_owner(*statements))
            granted = self._privileges(oid, table, target)
            if owner == self.owner and not statements and not granted:
                fine += 1
        if fine:
            self.keep(f"{fine} ledger table(s) belong to {self.owner}, with both triggers on, "
                      f"and {self.app} may only INSERT and SELECT on them")

    def _triggers(self, oid: int, table: str, target: str, done: list[str],
                  statements: list[str]) -> None:
        found = {str(name): (str(enabled), int(kind), bool(ours)) for name, enabled, kind, ours
                 in self.rows("SELECT t.tgname, t.tgenabled::text, t.tgtype::int, "
                              "p.proname = %s AND p.pronamespace = %s FROM pg_trigger t "
                              "JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = %s "
                              "AND NOT t.tgisinternal", pg_guard.REFUSE, self.nsp, oid)}
        create = pg_guard.trigger_statements(table, self.schema)
        for name, kind, sql in ((pg_guard.row_trigger(table), 1 | 2 | 8 | 16, create[0]),
                                (pg_guard.truncate_trigger(table), 2 | 32, create[1])):
            have = found.get(name)
            if have is None:
                done.append(f"trigger {name} created")
                statements.append(sql)
            elif have[1] != kind or not have[2]:
                done.append(f"trigger {name} made again (it had been changed)")
                statements += [f"DROP TRIGGER {quote(name)} ON {target}", sql]
            elif have[0] in ("D", "R"):
                done.append(f"trigger {name} enabled again (it was "
                            f"{'disabled' if have[0] == 'D' else 'set to ' + have[0]}: run "
                            "`northstar verify` to see what changed meanwhile)")
                statements.append(f"ALTER TABLE {target} ENABLE TRIGGER {quote(name)}")

    def _privileges(self, oid: int, table: str, target: str) -> bool:
        """INSERT and SELECT for the app, nothing more; True when something had to change."""
        held = self.one("SELECT " + ", ".join(
            f"has_table_privilege(%s, %s::oid, '{p}')" for p in (*_PRIVILEGES, "SELECT",
                                                                  "INSERT")),
            *[a for _ in range(len(_PRIVILEGES) + 2) for a in (self.app, oid)]) or ()
        extra = [p for p, h in zip(_PRIVILEGES, held, strict=False) if h]
        lacking = [p for p, h in zip(("SELECT", "INSERT"), held[len(_PRIVILEGES):],
                                     strict=True) if not h]
        if not extra and not lacking:
            return False
        grant = f"GRANT SELECT, INSERT ON {target} TO {self.q_app}"
        if extra:
            self.change(f"{table}: {self.app} may no longer {', '.join(extra)}",
                        f"REVOKE ALL ON {target} FROM PUBLIC, {self.q_app}", grant)
            still = [p for p in extra if self.one(
                f"SELECT 1 WHERE has_table_privilege(%s, %s::oid, '{p}')", self.app, oid)]
            if still:
                raise NorthstarError(f"{self.app} may still {', '.join(still)} on {table} "
                                     "through another role it belongs to: revoke that, then run "
                                     "this again")
        else:
            self.change(f"{table}: {self.app} may INSERT and SELECT", grant)
        return True

    def definer_functions(self) -> None:
        for function in pg_guard.definer_functions(self.schema):
            name = function.qualified(self.schema)
            found = self.one(
                "SELECT pg_get_userbyid(proowner), prosrc, prosecdef, proconfig FROM pg_proc "
                "WHERE oid = to_regprocedure(%s)", name)
            fixed = ["search_path=pg_catalog, pg_temp"]
            changed = False
            if found is not None and found[0] != self.owner:
                self.act_as(str(found[0]))
                self.change(f"function {function.name} now belongs to {self.owner} (it belonged "
                            f"to {found[0]})", f"ALTER FUNCTION {name} OWNER TO {self.q_owner}")
                changed = True
            if found is None or found[1] != function.body or not found[2] or found[3] != fixed:
                what = ("created" if found is None
                        else "written again (it differed from this version's)")
                self.change(f"function {function.name} {what}: SECURITY DEFINER, owned by "
                            f"{self.owner}", *self.as_owner(function.sql(self.schema)))
                changed = True
            self._public_execute(function.name, name, function.signature)
            if not self.one("SELECT 1 WHERE has_function_privilege(%s, %s, 'EXECUTE')",
                            self.app, name):
                self.change(f"{self.app} may run {function.name}",
                            f"GRANT EXECUTE ON FUNCTION {name} TO {self.q_app}")
                changed = True
            if not changed:
                self.keep(f"function {function.name} belongs to {self.owner}, unchanged, and "
                          f"{self.app} may run it")

    def default_privileges(self) -> None:
        held = {str(r[0]) for r in self.rows(
            "SELECT a.privilege_type FROM pg_default_acl d, aclexplode(d.defaclacl) a "
            "WHERE d.defaclrole = %s::regrole AND d.defaclnamespace = %s "
            "AND d.defaclobjtype = 'r' AND a.grantee = %s::regrole",
            quote(self.owner), self.nsp, quote(self.app))}
        if {"SELECT", "INSERT"} <= held:
            self.keep(f"every ledger table {self.owner} creates in {self.schema} is "
                      f"INSERT and SELECT for {self.app}")
            return
        self.change(f"every ledger table {self.owner} creates in {self.schema} is INSERT and "
                    f"SELECT for {self.app}",
                    f"ALTER DEFAULT PRIVILEGES FOR ROLE {self.q_owner} IN SCHEMA {self.s} "
                    f"GRANT SELECT, INSERT ON TABLES TO {self.q_app}")

    def state_objects(self) -> None:
        """The app's own tables and views (made by another role, e.g. when the project ran
        as the admin before): handed to the app, which changes them."""
        views: set[str] = {"ns_disagreements"}
        meta = self.one("SELECT 1 FROM pg_class WHERE relname = 'ns_meta' AND relnamespace = %s",
                        self.nsp)
        if meta:
            found = self.one(f"SELECT value FROM {self.s}.ns_meta WHERE key = 'models'")
            # Not Northstar's record: its views are left as they are.
            with contextlib.suppress(ValueError, KeyError, TypeError):
                views |= {str(v) for v in json.loads(str(found[0]))["views"]} if found else set()
        for name, kind, owner in self.rows(
                "SELECT relname, relkind::text, pg_get_userbyid(relowner) FROM pg_class "
                "WHERE relnamespace = %s AND relkind IN ('r', 'p', 'v') "
                "AND NOT pg_has_role(%s, relowner, 'MEMBER') ORDER BY relname",
                self.nsp, self.app):
            name = str(name)
            ours = (name in views) if kind == "v" else (
                name.startswith("ns_") and not pg_guard.is_guarded_table(name))
            if ours:
                self.act_as(str(owner), self.app)
                noun = "VIEW" if kind == "v" else "TABLE"
                self.change(f"{name} now belongs to {self.app} (the app's own "
                            f"{'view' if kind == 'v' else 'state'}; it belonged to {owner})",
                            f"ALTER {noun} {self.s}.{quote(name)} OWNER TO {self.q_app}")
