"""Least privilege on PostgreSQL (`northstar db setup`), against the real server: the app's role
may only INSERT and SELECT on the ledger, every way around that is refused by the server, the
app still grows the ledger through the owner's functions, and `verify` names each guard that
was switched off or handed to the app.

A throwaway database (and its roles, which live in the whole cluster) per module, dropped
afterwards. Every expected message is the one the code writes, worked out by hand from the
tables and roles made here; every fact about the catalogue is read back from the server."""

from __future__ import annotations

import json
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict
from typer.testing import CliRunner

from conftest import PG_URL, REQUIRE_PG, pg_problem
from fakes.cli import run
from fakes.hubspot import TOKEN, HubSpotFake
from northstar.cli import app as cli_app

pytestmark = pytest.mark.postgres


@dataclass(frozen=True)
class Cluster:
    db: str
    host: str
    port: str
    suffix: str

    def url(self, user: str, options: str = "") -> str:
        return f"postgresql://{user}@{self.host}:{self.port}/{self.db}{options}"

    @property
    def admin(self) -> str:
        return self.url("postgres")

    def sql(self, *statements: str, user: str = "postgres",
            params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run statements on a connection of their own; the last one's rows (`params` are
        the last one's)."""
        rows: list[tuple[Any, ...]] = []
        with psycopg.connect(self.url(user), autocommit=True) as con:
            for i, statement in enumerate(statements):
                last = i == len(statements) - 1
                cur = con.execute(statement.encode(), params if last else None)
                rows = cur.fetchall() if cur.description else []
        return rows


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    problem = pg_problem()
    if problem is not None:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required here but unreachable: {problem}")
        pytest.skip(f"no PostgreSQL server reachable at {PG_URL}: {problem}")
    parts = conninfo_to_dict(PG_URL)
    suffix = uuid.uuid4().hex[:8]
    c = Cluster(f"ns_roles_{suffix}", str(parts.get("host") or "127.0.0.1"),
                str(parts.get("port") or "5432"), suffix)
    with psycopg.connect(PG_URL, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {c.db}".encode())
    try:
        yield c
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as con:
            con.execute(f"DROP DATABASE {c.db} WITH (FORCE)".encode())
            found = con.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s",
                                [f"%\\_{suffix}%"]).fetchall()
            for (role,) in found:
                con.execute(f'DROP ROLE "{role}"'.encode())


@dataclass(frozen=True)
class Setup:
    root: Path
    app: str
    owner: str
    init_output: str


INVOICES = "id,amount,txn_date\na,10.50,2025-01-05\nb,20.00,2025-01-06\n"
METRIC = textwrap.dedent("""\
    name: revenue
    title: Revenue
    description: Sum of invoice amounts.
    department: finance
    unit: usd
    model: invoices
    measure: sum(amount)
    time_column: txn_date
    target: {value: 100}
""")


@pytest.fixture(scope="module")
def setup(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Setup:
    """`northstar init --admin-url`: the roles are set up, then the project is made as the
    app's role; one load of raw_invoices (two rows)."""
    app = f"app_{cluster.suffix}"
    folder = tmp_path_factory.mktemp("roles")
    proc = run("init", "company", "--engine", cluster.url(app), "--admin-url", cluster.admin,
               "--timezone", "UTC", cwd=folder)
    root = folder / "company"
    (root / "invoices.csv").write_text(INVOICES)
    (root / "metrics" / "revenue.yml").write_text(METRIC)
    run("load", "invoices", "invoices.csv", cwd=root)
    return Setup(root, app, f"{app}_owner", proc.stdout)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_init_creates_both_roles_and_says_what_it_did(cluster: Cluster, setup: Setup) -> None:
    out = _one_line(setup.init_output)
    app, owner = setup.app, setup.owner
    for line in (
        f"Database {cluster.db}, schema public: the ledger belongs to {owner}, the project "
        f"connects as {app}",
        f"+ created role {owner} (NOLOGIN): owns the ledger; nobody logs in as it "
        f'CREATE ROLE "{owner}" NOLOGIN',
        f'+ created role {app} (LOGIN): the role the project connects as CREATE ROLE "{app}" '
        "LOGIN",
        f'GRANT USAGE, CREATE ON SCHEMA "public" TO "{app}"',
        f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA "public" GRANT SELECT, INSERT '
        f'ON TABLES TO "{app}"',
        f"+ created ns_loads, owned by {owner}, with its triggers",
        f"+ created ns_definitions, owned by {owner}, with its triggers",
        f"+ function ns_create_ledger_table created: SECURITY DEFINER, owned by {owner}",
        'REVOKE ALL ON FUNCTION "public"."ns_add_ledger_column"(text, text, text) FROM PUBLIC',
        f'GRANT EXECUTE ON FUNCTION "public"."ns_lock_ledger"(text) TO "{app}"',
        "18 change(s) made.",
        f"Created project in {setup.root}",
    ):
        assert line in out, line
    # What the server now holds, read from its catalogue.
    assert cluster.sql(f"SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = '{owner}'"
                       ) == [(False, False)]
    assert cluster.sql(f"SELECT rolcanlogin, rolsuper, rolcreaterole FROM pg_roles "
                       f"WHERE rolname = '{app}'") == [(True, False, False)]
    assert cluster.sql(
        "SELECT relname, pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = "
        "'public'::regnamespace AND relname IN ('ns_loads', 'ns_definitions', 'raw_invoices') "
        "ORDER BY 1") == [("ns_definitions", owner), ("ns_loads", owner),
                          ("raw_invoices", owner)]
    assert cluster.sql(
        "SELECT proname, pg_get_userbyid(proowner), prosecdef FROM pg_proc WHERE pronamespace "
        "= 'public'::regnamespace ORDER BY 1") == [
            ("ns_add_ledger_column", owner, True), ("ns_create_ledger_table", owner, True),
            ("ns_lock_ledger", owner, True), ("ns_refuse_change", owner, False)]
    assert cluster.sql(
        "SELECT privilege_type FROM information_schema.role_table_grants WHERE table_name = "
        f"'raw_invoices' AND grantee = '{app}' ORDER BY 1") == [("INSERT",), ("SELECT",)]


def test_a_second_setup_changes_nothing(cluster: Cluster, setup: Setup) -> None:
    out = run("db", "setup", "--admin-url", cluster.admin, cwd=setup.root).stdout
    assert "+ " not in out
    lines = [_one_line(line) for line in out.splitlines() if line.startswith("  = ")]
    assert lines == [
        f"= role {setup.owner} exists and cannot log in",
        f"= role {setup.app} exists: logs in, no superuser, creates no roles",
        f"= {setup.app} may connect to database {cluster.db}",
        "= schema public belongs to pg_database_owner",
        f"= {setup.owner} may use and create in schema public",
        f"= {setup.app} may use and create in schema public",
        f"= every ledger table {setup.owner} creates in public is INSERT and SELECT for "
        f"{setup.app}",
        f"= function ns_refuse_change belongs to {setup.owner}, unchanged",
        f"= 3 ledger table(s) belong to {setup.owner}, with both triggers on, and {setup.app} "
        "may only INSERT and SELECT on them",
        *[f"= function {f} belongs to {setup.owner}, unchanged, and {setup.app} may run it"
          for f in ("ns_create_ledger_table", "ns_add_ledger_column", "ns_lock_ledger")],
    ]
    assert out.rstrip().endswith("Nothing to change: the roles were set up already.")


@pytest.mark.parametrize("statement", [
    "UPDATE raw_invoices SET amount = 0",
    "DELETE FROM raw_invoices",
    "TRUNCATE raw_invoices",
    "ALTER TABLE raw_invoices DISABLE TRIGGER ns_append_only_raw_invoices",
    "ALTER TABLE raw_invoices DISABLE TRIGGER ALL",
    "DROP TRIGGER ns_append_only_raw_invoices ON raw_invoices",
    "CREATE OR REPLACE FUNCTION ns_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RETURN NULL; END $$",
    "DROP FUNCTION ns_refuse_change() CASCADE",
    "ALTER TABLE raw_invoices ADD COLUMN is_deleted BOOLEAN DEFAULT TRUE",
    "DROP TABLE raw_invoices",
    "ALTER TABLE raw_invoices OWNER TO CURRENT_USER",
    "CREATE TRIGGER sneak BEFORE INSERT ON raw_invoices FOR EACH ROW EXECUTE FUNCTION "
    "ns_refuse_change()",
    "UPDATE ns_loads SET row_count = 0",
    "DELETE FROM ns_definitions",
    "LOCK TABLE ns_loads IN ACCESS EXCLUSIVE MODE",
    "CREATE OR REPLACE FUNCTION ns_create_ledger_table(tbl text, cols jsonb) RETURNS void "
    "LANGUAGE sql AS $$ SELECT $$",
    "SET session_replication_role = replica",
    "SET ROLE {owner}",
    "GRANT {owner} TO CURRENT_USER",
    "ALTER SCHEMA public OWNER TO CURRENT_USER",
])
def test_the_apps_role_is_refused_every_change_to_the_ledger(
        cluster: Cluster, setup: Setup, statement: str) -> None:
    sql = statement.format(owner=f'"{setup.owner}"')
    # In a transaction, as the app opens one.
    with psycopg.connect(cluster.url(setup.app)) as con, pytest.raises(
            psycopg.errors.InsufficientPrivilege):
        con.execute(sql.encode())
    assert cluster.sql("SELECT count(*), sum(amount) FROM raw_invoices")[0][0] == 2
    run("verify", cwd=setup.root)


@pytest.mark.parametrize(("call", "message"), [
    ("SELECT ns_create_ledger_table('ns_web_users', '[[\"a\", \"text\"]]')",
     "northstar: ns_web_users is not a ledger table name"),
    ("SELECT ns_create_ledger_table('raw_x\"; DROP TABLE ns_loads; --', '[[\"a\", \"text\"]]')",
     "northstar: raw_x\"; DROP TABLE ns_loads; -- is not a ledger table name"),
    ("SELECT ns_create_ledger_table('raw_x', '[[\"a b\", \"text\"]]')",
     "northstar: a b is not a ledger column name"),
    ("SELECT ns_create_ledger_table('raw_x', '[[\"a\", \"text DEFAULT 1\"]]')",
     "northstar: text DEFAULT 1 is not a ledger column type"),
    ("SELECT ns_create_ledger_table('raw_x', '{}')",
     "northstar: the columns of raw_x are not a list of [name, type]"),
    ("SELECT ns_create_ledger_table('raw_invoices', '[[\"a\", \"text\"]]')",
     'relation "raw_invoices" already exists'),
    ("SELECT ns_add_ledger_column('raw_invoices', 'is_deleted', 'boolean DEFAULT true')",
     "northstar: boolean DEFAULT true is not a ledger column type"),
    ("SELECT ns_add_ledger_column('ns_web_users', 'x', 'text')",
     "northstar: ns_web_users is not a ledger table name"),
    ("SELECT ns_add_ledger_column('raw_nothing', 'x', 'text')",
     "northstar: ledger table raw_nothing does not exist"),
    ("SELECT ns_lock_ledger('raw_invoices')",
     "northstar: raw_invoices is not the collection log or the definitions"),
])
def test_the_owners_functions_do_only_what_a_load_needs(
        cluster: Cluster, setup: Setup, call: str, message: str) -> None:
    with psycopg.connect(cluster.url(setup.app)) as con, pytest.raises(psycopg.Error) as caught:
        con.execute(call.encode())
    assert str(caught.value).splitlines()[0] == message
    assert cluster.sql("SELECT count(*) FROM pg_class WHERE relname = 'raw_x'") == [(0,)]


def test_the_app_loads_grows_the_ledger_syncs_and_verifies(
        cluster: Cluster, setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    root = setup.root
    # a new column, through the owner's function
    (root / "more.csv").write_text("id,amount,txn_date,discount\nc,30.00,2025-01-07,1.00\n")
    assert "Loaded 1 rows into raw_invoices (load" in run(
        "load", "invoices", "more.csv", cwd=root).stdout
    # a new source table, and corrections (a ledger table of their own)
    (root / "payments.csv").write_text("id,paid\np1,5\n")
    run("load", "payments", "payments.csv", "--source", "bank", cwd=root)
    run("adjust", "--table", "invoices", "--record", "a", "--field", "amount", "--value",
        "11.50", "--reason", "typo on the invoice", cwd=root)
    [value] = json.loads(run("compute", "--metric", "revenue", "--period", "2025-01",
                             "--json", cwd=root).stdout)
    assert value["value"] in ("61.50", 61.5)  # 11.50 (corrected) + 20.00 + 30.00
    # a sync from a vendor API: staged by the app, moved into new ledger tables
    (root / "sources.toml").write_text(
        '[crm]\nkind = "hubspot"\nbase_url = "{url}"\ntoken_env = "NS_TEST_HUBSPOT_TOKEN"\n'
        'objects = ["owners", "companies"]\n[crm.retry]\nbackoff = 0.01\nattempts = 2\n')
    monkeypatch.setenv("NS_TEST_HUBSPOT_TOKEN", TOKEN)
    with HubSpotFake() as fake:
        toml = (root / "sources.toml").read_text().replace("{url}", fake.url)
        (root / "sources.toml").write_text(toml)
        result = CliRunner(env={"COLUMNS": "200"}).invoke(
            cli_app, ["sync", "crm", "--project", str(root)])
    assert result.exit_code == 0, result.output
    assert "ok crm companies: 30 read, 30 new versions" in result.output
    out = run("verify", cwd=root)
    assert "OK:" in out.stdout and out.stderr == ""
    # Everything the app made in the ledger belongs to the owner; the app keeps its state.
    owners = dict(cluster.sql(
        "SELECT relname, pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = "
        "'public'::regnamespace AND relkind = 'r'"))
    ledger = ["ns_adjustments", "ns_collection_runs", "ns_cursors", "ns_definitions",
              "ns_loads", "ns_runs", "raw_customers", "raw_invoices", "raw_owners",
              "raw_payments"]
    assert sorted(t for t in owners if t.startswith("raw_") or t in ledger) == ledger, owners
    assert {t: owners.get(t) for t in ledger} == dict.fromkeys(ledger, setup.owner)
    mine = {t for t, o in owners.items() if o == setup.app}
    assert "ns_meta" in mine, mine  # the app's state: which views it built
    assert not any(t.startswith("raw_") or t in ledger for t in mine), mine
    assert cluster.sql(
        "SELECT table_name, privilege_type FROM information_schema.role_table_grants WHERE "
        "grantee = %s AND table_name = ANY(%s) AND privilege_type NOT IN ('INSERT', 'SELECT')",
        params=[setup.app, ledger]) == []
    assert cluster.sql(
        "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE "
        "c.relname = ANY(%s) AND t.tgenabled = 'O' AND NOT t.tgisinternal",
        params=[ledger]) == [(2 * len(ledger),)]


def _verify_problems(root: Path) -> list[str]:
    proc = run("verify", cwd=root, ok=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return [_one_line(line) for line in proc.stderr.splitlines()
            if line.startswith("TAMPERED ")]


def _repair(cluster: Cluster, setup: Setup) -> str:
    out = run("db", "setup", "--admin-url", cluster.admin, cwd=setup.root).stdout
    assert "OK:" in run("verify", cwd=setup.root).stdout
    return _one_line(out)


@pytest.mark.parametrize(("statement", "problem", "repaired"), [
    ("ALTER TABLE raw_invoices DISABLE TRIGGER ns_append_only_raw_invoices",
     "raw_invoices: trigger ns_append_only_raw_invoices is disabled: UPDATE and DELETE are not "
     "refused",
     "+ raw_invoices: trigger ns_append_only_raw_invoices enabled again (it was disabled: run "
     "`northstar verify` to see what changed meanwhile)"),
    ("ALTER TABLE ns_loads ENABLE REPLICA TRIGGER ns_no_truncate_ns_loads",
     "ns_loads: trigger ns_no_truncate_ns_loads fires only on replicas: TRUNCATE are not "
     "refused",
     "+ ns_loads: trigger ns_no_truncate_ns_loads enabled again (it was set to R: run "
     "`northstar verify` to see what changed meanwhile)"),
    ("DROP TRIGGER ns_no_truncate_raw_invoices ON raw_invoices",
     "raw_invoices: trigger ns_no_truncate_raw_invoices is missing: nothing refuses TRUNCATE "
     "(`northstar db setup` puts it back)",
     "+ raw_invoices: trigger ns_no_truncate_raw_invoices created"),
    ("CREATE OR REPLACE FUNCTION ns_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
     "$$ BEGIN RETURN NULL; END $$",
     "function ns_refuse_change: was replaced: its body is not the one Northstar wrote, so the "
     "triggers may no longer refuse changes",
     "+ function ns_refuse_change had been replaced: its body is restored"),
])
def test_verify_names_a_guard_switched_off_by_the_owner_or_a_superuser(
        cluster: Cluster, setup: Setup, statement: str, problem: str, repaired: str) -> None:
    cluster.sql(statement)
    assert _verify_problems(setup.root) == [f"TAMPERED {problem}"]
    out = _repair(cluster, setup)
    assert repaired in out and "1 change(s) made" in out


def test_verify_names_a_ledger_table_the_apps_role_owns(cluster: Cluster, setup: Setup) -> None:
    app = setup.app
    cluster.sql(f'ALTER TABLE raw_invoices OWNER TO "{app}"')
    assert _verify_problems(setup.root) == [
        f"TAMPERED raw_invoices: is owned by {app}, the project's own role: it can switch the "
        "table's triggers off (`northstar db setup` gives it back to the owner role)"]
    # ... and that is no idle worry: as the owner the app switches the guard off itself.
    cluster.sql("ALTER TABLE raw_invoices DISABLE TRIGGER ns_append_only_raw_invoices", user=app)
    assert len(_verify_problems(setup.root)) == 2
    out = _repair(cluster, setup)
    assert f"+ raw_invoices now belongs to {setup.owner} (it belonged to {app})" in out
    assert "+ raw_invoices: trigger ns_append_only_raw_invoices enabled again" in out


@pytest.mark.parametrize(("statement", "problem"), [
    ('GRANT UPDATE, TRUNCATE ON ns_loads TO "{app}"',
     "ns_loads: {app} may UPDATE, TRUNCATE: only INSERT and SELECT are granted on the ledger "
     "(`northstar db setup` revokes the rest)"),
    ('ALTER FUNCTION ns_add_ledger_column(text, text, text) OWNER TO "{app}"',
     "function ns_add_ledger_column: is owned by {app}, the project's own role: it can replace "
     "the function"),
    ('GRANT "{owner}" TO "{app}"',
     "raw_invoices: is owned by {owner}, a role {app} is a member of: it can switch the table's "
     "triggers off (`northstar db setup` gives it back to the owner role)"),
    ('ALTER ROLE "{app}" CREATEROLE',
     "role {app}: may create roles: it could make itself a member of the ledger's owner role "
     "(`northstar db setup` takes that away)"),
    # The owner of a database owns its schema public (PostgreSQL 15: pg_database_owner).
    ('ALTER DATABASE "{db}" OWNER TO "{app}"',
     "schema public: is owned by pg_database_owner, a role {app} is a member of: it can drop "
     "the ledger tables"),
])
def test_verify_names_what_lets_the_apps_role_around_the_guard(
        cluster: Cluster, setup: Setup, statement: str, problem: str) -> None:
    names = {"app": setup.app, "owner": setup.owner, "db": cluster.db}
    cluster.sql(statement.format(**names))
    found = _verify_problems(setup.root)
    assert f"TAMPERED {problem.format(**names)}" in found, found
    _repair(cluster, setup)
    cluster.sql(f'ALTER DATABASE "{cluster.db}" OWNER TO postgres')


def test_setup_takes_over_a_project_that_ran_as_one_role(
        cluster: Cluster, tmp_path: Path) -> None:
    """A project made before the set-up, its role owning its schema and every table: the
    set-up hands the ledger to the owner role and the app keeps working."""
    app = f"solo_{cluster.suffix}"
    schema = f"kpi_{cluster.suffix}"
    cluster.sql(f'CREATE ROLE "{app}" LOGIN', f'CREATE SCHEMA "{schema}" AUTHORIZATION "{app}"')
    url = cluster.url(app, f"?options=-csearch_path%3D{schema}")
    run("init", "solo", "--engine", url, "--timezone", "UTC", cwd=tmp_path)
    root = tmp_path / "solo"
    (root / "invoices.csv").write_text(INVOICES)
    run("load", "invoices", "invoices.csv", cwd=root)
    before = run("verify", cwd=root)
    assert _one_line(before.stderr) == (
        f"note: the project's role {app} owns the ledger tables: it can switch the append-only "
        "triggers off and then edit the ledger; `northstar db setup --admin-url ...` gives the "
        "ledger to an owner role the app never uses (docs/deploy.md)")
    # As its own owner the app can switch the guard off: this is what the set-up takes away.
    cluster.sql(f'SET search_path = "{schema}"',
                "ALTER TABLE raw_invoices DISABLE TRIGGER ns_append_only_raw_invoices",
                "ALTER TABLE raw_invoices ENABLE TRIGGER ns_append_only_raw_invoices", user=app)

    out = _one_line(run("db", "setup", "--admin-url", cluster.admin, cwd=root).stdout)
    owner = f"{app}_owner"
    for line in (f"+ schema {schema} now belongs to {owner} (it belonged to {app}, and a "
                 "schema's owner may drop every table in it)",
                 f"+ function ns_refuse_change now belongs to {owner} (it belonged to {app})",
                 f"+ raw_invoices now belongs to {owner} (it belonged to {app})",
                 f"+ ns_loads now belongs to {owner} (it belonged to {app})",
                 f"+ raw_invoices: {app} may INSERT and SELECT"):
        assert line in out, line
    after = run("verify", cwd=root)
    assert after.stderr == "" and "OK: 1 loads, 2 rows" in after.stdout
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        cluster.sql(f'SET search_path = "{schema}"',
                    "ALTER TABLE raw_invoices DISABLE TRIGGER ns_append_only_raw_invoices",
                    user=app)
    (root / "more.csv").write_text("id,amount,txn_date,note\nc,1.00,2025-02-01,late\n")
    run("load", "invoices", "more.csv", cwd=root)
    assert "OK: 2 loads, 3 rows" in run("verify", cwd=root).stdout
    assert cluster.sql(f"SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = "
                       f"'raw_invoices' AND relnamespace = '{schema}'::regnamespace"
                       ) == [(owner,)]


def test_a_dry_run_shows_the_sql_and_changes_nothing(cluster: Cluster, tmp_path: Path) -> None:
    app = f"dry_{cluster.suffix}"
    (tmp_path / "northstar.toml").write_text(f'[engine]\nurl = "{cluster.url(app)}"\n')
    out = _one_line(run("db", "setup", "--admin-url", cluster.admin, "--dry-run",
                        cwd=tmp_path).stdout)
    assert f'CREATE ROLE "{app}_owner" NOLOGIN' in out and f'CREATE ROLE "{app}" LOGIN' in out
    assert out.endswith("Dry run: nothing was changed; the statements above are what would run.")
    assert cluster.sql(f"SELECT count(*) FROM pg_roles WHERE rolname LIKE '{app}%'") == [(0,)]


@pytest.mark.parametrize(("user", "admin_db", "message"), [
    ("postgres", None, "the engine URL connects as postgres, the same role as --admin-url"),
    ("{app}", "postgres", "--admin-url connects to database postgres, the project's engine "
     "URL to {db}"),
])
def test_a_set_up_that_cannot_separate_the_roles_says_why(
        cluster: Cluster, tmp_path: Path, user: str, admin_db: str | None, message: str) -> None:
    names = {"app": f"bad_{cluster.suffix}", "db": cluster.db}
    (tmp_path / "northstar.toml").write_text(
        f'[engine]\nurl = "{cluster.url(user.format(**names))}"\n')
    admin = cluster.admin if admin_db is None else cluster.admin.rsplit("/", 1)[0] + "/postgres"
    proc = run("db", "setup", "--admin-url", admin, cwd=tmp_path, ok=False)
    assert proc.returncode != 0 and message.format(**names) in _one_line(proc.stderr)


def test_setup_hands_the_apps_state_to_its_role_when_the_project_ran_as_the_admin(
        cluster: Cluster, tmp_path: Path) -> None:
    """A project that ran as the admin (here the superuser) before it got a role of its own:
    the ledger goes to the owner role; its views and state tables go to the app's role, which
    rebuilds and changes them from then on."""
    schema = f"was_admin_{cluster.suffix}"
    cluster.sql(f'CREATE SCHEMA "{schema}"')
    options = f"?options=-csearch_path%3D{schema}"
    run("init", "co", "--engine", cluster.url("postgres", options), "--timezone", "UTC",
        cwd=tmp_path)
    root = tmp_path / "co"
    (root / "metrics" / "revenue.yml").write_text(METRIC)
    (root / "invoices.csv").write_text(INVOICES)
    run("load", "invoices", "invoices.csv", cwd=root)
    run("compute", "--metric", "revenue", "--period", "2025-01", cwd=root)  # builds the views
    app = f"late_{cluster.suffix}"
    toml = (root / "northstar.toml").read_text()
    (root / "northstar.toml").write_text(toml.replace(cluster.url("postgres", options),
                                                      cluster.url(app, options)))
    out = _one_line(run("db", "setup", "--admin-url", cluster.admin, cwd=root).stdout)
    for line in (f"+ ns_meta now belongs to {app} (the app's own state; it belonged to postgres)",
                 f"+ invoices now belongs to {app} (the app's own view; it belonged to "
                 "postgres)",
                 f"+ raw_invoices now belongs to {app}_owner (it belonged to postgres)"):
        assert line in out, line
    (root / "more.csv").write_text("id,amount,txn_date\nc,5.50,2025-01-09\n")
    run("load", "invoices", "more.csv", cwd=root)
    proc = run("compute", "--metric", "revenue", "--period", "2025-01", "--json", cwd=root)
    [value] = json.loads(proc.stdout)
    # January was frozen by the first compute (a closed period); the views, rebuilt by the
    # app over the new load, give 10.50 + 20.00 + 5.50 (shown in whole dollars).
    assert value["value"] in ("30.50", 30.5)
    assert "frozen at $30, the ledger now gives $36;" in _one_line(proc.stderr), proc.stderr
    assert "OK: 3 loads" in run("verify", cwd=root).stdout


def test_the_sql_in_the_deploy_docs_is_what_the_setup_runs(cluster: Cluster,
                                                           tmp_path: Path) -> None:
    db = f"{cluster.db}_docs"
    with psycopg.connect(PG_URL, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {db}".encode())
    try:
        app = f"docs_{cluster.suffix}"
        url = cluster.url(app).replace(f"/{cluster.db}", f"/{db}")
        (tmp_path / "northstar.toml").write_text(f'[engine]\nurl = "{url}"\n')
        admin = cluster.admin.replace(f"/{cluster.db}", f"/{db}")
        script = run("db", "setup", "--admin-url", admin, "--dry-run", "--sql",
                     cwd=tmp_path).stdout
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as con:
            con.execute(f"DROP DATABASE {db} WITH (FORCE)".encode())
    doc = (Path(__file__).parent.parent / "docs" / "deploy.md").read_text()
    block = doc.split("<!-- db-setup-sql", 1)[1].split("```sql\n", 1)[1].split("```", 1)[0]
    assert script.replace(app, "northstar_app") == block


def test_the_set_up_works_as_a_managed_servers_admin(cluster: Cluster, tmp_path: Path) -> None:
    """As on RDS, Cloud SQL or Azure: the admin may create roles and owns the database, but is
    no superuser. It becomes a member of the owner role (to create as it) and of the app's
    role (to hand over what the app made before)."""
    admin, app = f"mgd_admin_{cluster.suffix}", f"mgd_app_{cluster.suffix}"
    db = f"{cluster.db}_mgd"
    cluster.sql(f'CREATE ROLE "{admin}" LOGIN CREATEROLE', f'CREATE ROLE "{app}" LOGIN')
    with psycopg.connect(PG_URL, autocommit=True) as con:
        con.execute(f'CREATE DATABASE {db} OWNER "{admin}"'.encode())
    try:
        url = cluster.url(app).replace(f"/{cluster.db}", f"/{db}")
        with psycopg.connect(cluster.url(admin).replace(f"/{cluster.db}", f"/{db}"),
                             autocommit=True) as con:
            con.execute(f'GRANT CREATE ON SCHEMA public TO "{app}"'.encode())
        run("init", "m", "--engine", url, "--timezone", "UTC", cwd=tmp_path)  # one role first
        root = tmp_path / "m"
        (root / "invoices.csv").write_text(INVOICES)
        run("load", "invoices", "invoices.csv", cwd=root)
        admin_url = cluster.url(admin).replace(f"/{cluster.db}", f"/{db}")
        out = _one_line(run("db", "setup", "--admin-url", admin_url, cwd=root).stdout)
        owner = f"{app}_owner"
        for line in (f"+ {admin} may act as {owner} (to create the ledger's objects as it) "
                     f'GRANT "{owner}" TO "{admin}"',
                     f'+ {admin} may act as {app} (to hand its objects over) GRANT "{app}" TO '
                     f'"{admin}"',
                     f"+ raw_invoices now belongs to {owner} (it belonged to {app})"):
            assert line in out, line
        (root / "more.csv").write_text("id,amount,txn_date,note\nc,1.00,2025-02-01,x\n")
        run("load", "invoices", "more.csv", cwd=root)
        verified = run("verify", cwd=root)
        assert "OK: 2 loads, 3 rows" in verified.stdout and verified.stderr == ""
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as con:
            con.execute(f"DROP DATABASE {db} WITH (FORCE)".encode())
