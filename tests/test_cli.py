"""The command line as a person runs it: a real process, its output and exit code."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from fakes.cli import run

REVENUE = textwrap.dedent("""\
    name: revenue
    title: Revenue
    description: Sum of invoiced amounts.
    department: finance
    unit: usd
    model: invoices
    measure: sum(amount)
    time_column: txn_date
    dimensions: [owner_id]
    target: {value: 100}
""")


@pytest.fixture(scope="module")
def proj(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    run("init", "acme", "--timezone", "America/Chicago", cwd=root)
    folder = root / "acme"
    (folder / "metrics" / "revenue.yml").write_text(REVENUE)
    (folder / "inv.csv").write_text(
        "id,txn_date,amount,owner_id\nA,2025-01-05,60.00,ann\nB,2025-01-09,70.00,bob\n")
    out = run("load", "invoices", "inv.csv", "--source", "quickbooks", "--tag",
              "department=sales", cwd=folder)
    assert "Loaded 2 rows into raw_invoices (load 1)" in out.stdout
    return folder


def test_compute_json_gives_value_target_status_period(proj: Path) -> None:
    out = run("compute", "--metric", "revenue", "--period", "2025-01", "--json", cwd=proj)
    [row] = json.loads(out.stdout)
    assert {k: row[k] for k in ("metric", "period", "value", "target", "status")} == {
        "metric": "revenue", "period": "2025-01", "value": 130.0, "target": 100.0,
        "status": "green"}


def test_the_table_shows_the_decimals_the_metric_file_asks_for(proj: Path) -> None:
    per_invoice = proj / "metrics" / "per_invoice.yml"
    per_invoice.write_text(textwrap.dedent("""\
        name: per_invoice
        title: Revenue per invoice
        description: Invoiced amount per invoice.
        department: finance
        unit: number
        decimals: 0
        model: invoices
        measure: sum(amount) / count(*)
        time_column: txn_date
    """))
    try:
        table = run("compute", "-m", "per_invoice", "--period", "2025-01", cwd=proj).stdout
    finally:
        per_invoice.unlink()
    assert "│    65 │" in table  # (60.00 + 70.00) / 2 = 65, with no decimals, not 65.00


def test_compute_by_tag_and_the_table_view(proj: Path) -> None:
    out = run("compute", "-m", "revenue", "--period", "2025-01", "--by", "owner_id", "--json",
              cwd=proj)
    assert {r["slice"]["owner_id"]: r["value"] for r in json.loads(out.stdout)} == {
        "ann": 60.0, "bob": 70.0}
    table = run("compute", "-m", "revenue", "--period", "2025-01", cwd=proj).stdout
    assert "$130" in table and "green" in table


def test_metrics_lists_every_metric(proj: Path) -> None:
    listed = json.loads(run("metrics", "--json", cwd=proj).stdout)
    assert [(m["name"], m["title"], m["grain"], m["file"]) for m in listed] == [
        ("revenue", "Revenue", "month", str(proj.resolve() / "metrics" / "revenue.yml"))]
    assert "Revenue" in run("metrics", cwd=proj).stdout


def test_last_n_periods(proj: Path) -> None:
    out = run("compute", "-m", "revenue", "--last", "3", "--json", cwd=proj)
    assert len(json.loads(out.stdout)) == 3


def test_corrections_and_manual_values_from_the_command_line(proj: Path) -> None:
    run("adjust", "--metric", "revenue", "--period", "2025-01", "--delta", "-10",
        "--reason", "refund", "--author", "dana", cwd=proj)
    out = run("compute", "-m", "revenue", "--period", "2025-01", "--json", cwd=proj)
    assert json.loads(out.stdout)[0]["value"] == 120.0
    run("set-manual", "revenue", "2025-01", "500", "--note", "board", "--author", "cfo", cwd=proj)
    out = run("compute", "-m", "revenue", "--period", "2025-01", "--json", cwd=proj)
    assert (json.loads(out.stdout)[0]["value"], json.loads(out.stdout)[0]["origin"]) == (
        500.0, "manual")
    run("set-manual", "revenue", "2025-01", "--release", "--author", "cfo", cwd=proj)
    out = run("compute", "-m", "revenue", "--period", "2025-01", "--json", cwd=proj)
    assert json.loads(out.stdout)[0]["value"] == 120.0
    assert "OK:" in run("verify", cwd=proj).stdout


@pytest.mark.parametrize(("args", "message"), [
    (["compute", "--period", "2025-13"], "'2025-13' is not a period"),
    (["compute", "-m", "nope"],
     "unknown metric 'nope'; no metric has a name like it (`northstar metrics` lists them)"),
    (["compute", "-m", "revenu"], "unknown metric 'revenu' — did you mean 'revenue'?"),
    (["compute", "-m", "revenue", "--by", "team"], "cannot be sliced by 'team'"),
    (["load", "invoices", "missing.csv"], "cannot read"),
    (["load", "invoices", "inv.csv", "--tag", "region=west"], "'region' is not a tag"),
    (["adjust", "--reason", "x", "--metric", "revenue"], "needs --metric, --period and --delta"),
    (["adjust", "--reason", "x", "--table", "invoices", "--record", "ZZ", "--field", "amount",
      "--value", "1"], "no record with id 'ZZ'"),
    (["adjust", "--reason", "x", "--table", "invoices", "--record", "A", "--field", "amount",
      "--value", "lots"], "'lots' is not a number"),
    (["set-manual", "revenue", "2025-01", "ten"], "the value must be a number"),
    (["compute", "--last", "0"], "--last must be between 1 and 120"),
])
def test_user_mistakes_exit_non_zero_with_one_line(proj: Path, args: list[str],
                                                   message: str) -> None:
    proc = run(*args, cwd=proj, ok=False)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_one_bad_metric_file_or_model_name_is_named_and_the_others_compute(
        tmp_path: Path) -> None:
    run("init", "p", cwd=tmp_path)
    folder = (tmp_path / "p").resolve()
    metrics = folder / "metrics"
    (metrics / "revenue.yml").write_text(REVENUE)
    (metrics / "broken.yml").write_text(REVENUE.replace("revenue", "broken") + "colour: red\n")
    (metrics / "typo.yml").write_text(
        REVENUE.replace("name: revenue", "name: typo").replace("invoices", "invoice"))
    (metrics / "waiting.yml").write_text(  # a table nothing has loaded yet: no data, no error
        REVENUE.replace("name: revenue", "name: waiting").replace("invoices", "refunds"))
    (folder / "inv.csv").write_text(
        "id,txn_date,amount,owner_id\nA,2025-01-05,60.00,ann\nB,2025-01-09,70.00,bob\n")
    run("load", "invoices", "inv.csv", cwd=folder)

    proc = run("compute", "--period", "2025-01", "--json", cwd=folder, ok=False)
    assert proc.returncode == 1
    assert [(r["metric"], r["value"]) for r in json.loads(proc.stdout)] == [
        ("revenue", 130.0), ("waiting", None)]
    broken = f"error: {metrics / 'broken.yml'}:11: unknown key 'colour'"
    assert proc.stderr.splitlines() == [
        broken,
        "error: metric typo: there is no model named 'invoice' — did you mean 'invoices'?",
        "note: waiting has no data until raw_refunds has a first load",
    ]
    proc = run("compute", "-m", "broken", cwd=folder, ok=False)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        broken, f"error: metric 'broken' is left out until its file is fixed: {broken[7:]}"]

    listed = run("metrics", "--json", cwd=folder, ok=False)
    assert listed.returncode == 1 and listed.stderr.splitlines() == [broken]
    assert [m["name"] for m in json.loads(listed.stdout)] == ["revenue", "typo", "waiting"]
    check = run("check", cwd=folder, ok=False)
    assert check.returncode == 1 and check.stderr.splitlines() == [broken]

    (metrics / "broken.yml").unlink()
    (metrics / "typo.yml").unlink()
    assert run("compute", "--period", "2025-01", cwd=folder).returncode == 0


def test_a_bad_csv_names_line_and_column_and_loads_nothing(proj: Path) -> None:
    (proj / "bad.csv").write_text("id,txn_date,amount\nC,2025-01-03,1.00\nD,2025-01-04,abc\n")
    proc = run("load", "invoices", "bad.csv", cwd=proj, ok=False)
    assert proc.returncode == 2
    assert "bad.csv: line 3, column amount: 'abc' is not a number" in proc.stderr
    assert "failed" in run("log", cwd=proj).stdout


def test_unknown_options_are_usage_errors(proj: Path) -> None:
    proc = run("compute", "--bogus", cwd=proj, ok=False)
    assert proc.returncode == 2
    assert "No such option" in proc.stderr


def test_every_load_runs_the_data_checks_and_says_which_failed(tmp_path: Path) -> None:
    run("init", "acme", cwd=tmp_path)
    folder = tmp_path / "acme"
    (folder / "checks").mkdir(exist_ok=True)
    (folder / "checks" / "no_negative_invoices.sql").write_text(
        "-- description: Invoice amounts are never negative.\n-- severity: error\n"
        "select id, amount from invoices where amount < 0\n")
    (folder / "good.csv").write_text("id,txn_date,amount\nA,2025-01-05,60.00\n")
    (folder / "bad.csv").write_text("id,txn_date,amount\nB,2025-01-06,-5.00\n")
    first = run("load", "invoices", "good.csv", cwd=folder)
    assert "Data checks: 1 passed" in first.stdout and "FAILED" not in first.stdout
    second = run("load", "invoices", "bad.csv", cwd=folder)  # the rows land; the check fails
    assert "Loaded 1 rows into raw_invoices (load 2)" in second.stdout
    assert "Data checks: 0 passed, 1 FAILED (no_negative_invoices)" in second.stdout
    check = run("check", cwd=folder, ok=False)
    assert check.returncode == 1 and "FAIL no_negative_invoices (1 failing row(s))" in check.stdout


def test_verify_fails_and_names_a_row_changed_behind_its_back(tmp_path: Path) -> None:
    run("init", "p", cwd=tmp_path)
    folder = tmp_path / "p"
    (folder / "x.csv").write_text("id,amount\n1,5.00\n2,6.00\n")
    run("load", "sales", "x.csv", cwd=folder)
    con = duckdb.connect(str(folder / "northstar.duckdb"))
    con.execute("UPDATE raw_sales SET amount = 50 WHERE source_id = '2'")
    con.close()
    proc = run("verify", cwd=folder, ok=False)
    assert proc.returncode == 1
    assert "raw_sales load 1: row content was changed" in proc.stderr


def test_a_locked_database_is_a_clear_message(tmp_path: Path) -> None:
    run("init", "p", cwd=tmp_path)
    folder = tmp_path / "p"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb,sys,time; c=duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); time.sleep(60)", str(folder / "northstar.duckdb")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        proc = run("verify", cwd=folder, ok=False)
        assert proc.returncode == 2
        assert "open for writing in another process" in proc.stderr
    finally:
        holder.kill()
        holder.communicate()


def test_a_closed_period_stays_frozen_until_recomputed_with_a_reason(tmp_path: Path) -> None:
    run("init", "p", cwd=tmp_path)
    folder = tmp_path / "p"
    (folder / "metrics" / "revenue.yml").write_text(REVENUE)
    (folder / "a.csv").write_text("id,txn_date,amount,owner_id\nA,2025-01-05,60.00,ann\n")
    (folder / "b.csv").write_text("id,txn_date,amount,owner_id\nB,2025-01-20,40.00,bob\n")
    run("load", "invoices", "a.csv", cwd=folder)

    def january() -> dict[str, object]:
        out = run("compute", "-m", "revenue", "--period", "2025-01", "--json", cwd=folder)
        row: dict[str, object] = json.loads(out.stdout)[0]
        return row

    assert (january()["value"], january()["origin"]) == (60.0, "frozen")
    run("load", "invoices", "b.csv", cwd=folder)  # a late invoice for a closed month
    assert january()["value"] == 60.0
    proc = run("recompute", "revenue", "2025-01", "--reason", " ", cwd=folder, ok=False)
    assert proc.returncode == 2 and "needs a reason" in proc.stderr
    out = run("recompute", "revenue", "2025-01", "--reason", "late invoice B", "--author", "cfo",
              cwd=folder)
    assert "re-frozen at $100" in out.stdout
    assert (january()["value"], january()["origin"]) == (100.0, "frozen")


def test_findings_from_the_command_line(tmp_path: Path) -> None:
    run("init", "p", cwd=tmp_path)
    folder = tmp_path / "p"
    with (folder / "northstar.toml").open("a") as f:
        f.write('\n[ownership.payments]\nowner = "stripe"\nkey = "ref"\nfields = ["amount"]\n')
    (folder / "qb.csv").write_text("id,ref,amount\nq1,P1,10.00\n")
    (folder / "st.csv").write_text("id,ref,amount\ns1,P1,12.50\n")
    assert "No findings." in run("findings", cwd=folder).stdout
    run("load", "payments", "qb.csv", "--source", "quickbooks", cwd=folder)
    run("load", "payments", "st.csv", "--source", "stripe", cwd=folder)
    rows = json.loads(run("findings", "--json", cwd=folder).stdout)
    assert [(r["record_key"], r["owner_value"], r["other_value"]) for r in rows] == [
        ("P1", "12.50", "10.00")]
    assert "12.50 (stripe)" in run("findings", cwd=folder).stdout


def test_demo_builds_the_sample_company_and_shows_every_owner(tmp_path: Path) -> None:
    out = run("demo", "d", "--rows", "3000", "--no-serve", cwd=tmp_path).stdout
    assert "Loaded " in out and "ledger rows" in out
    people = (tmp_path / "d" / "people.yml").read_text()
    for name in ("Jordan Avery", "Sam Whitaker", "Lucia Moreno"):
        assert name in people and name in out
    assert "OK:" in run("verify", cwd=tmp_path / "d").stdout
    # Running it again rebuilds the demo folder; a folder that is not a demo is left alone.
    run("demo", "d", "--rows", "3000", "--no-serve", cwd=tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    proc = run("demo", "mine", "--no-serve", cwd=tmp_path, ok=False)
    assert proc.returncode == 2 and "is not a demo folder" in proc.stderr
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_schedule_lists_every_declared_source_and_writes_systemd_units(tmp_path: Path) -> None:
    run("init", "p", cwd=tmp_path)
    folder = tmp_path / "p"
    (folder / "sources.toml").write_text(
        '[crm]\nkind = "hubspot"\ntoken_env = "HUBSPOT_TOKEN"\n\n'
        '[payments]\nkind = "stripe"\ntoken_env = "STRIPE_KEY"\n')
    with (folder / "northstar.toml").open("a") as f:
        f.write('\n[schedule.sources.payments]\ncron = "0 6 * * 1-5"\n')
    table = run("schedule", cwd=folder).stdout
    assert "crm" in table and "30 22 * * *" in table
    assert "payments" in table and "0 6 * * 1-5" in table
    out = run("schedule", "--systemd", "--source", "payments", cwd=folder).stdout
    assert "systemctl enable --now northstar-sync-p-payments.timer" in out
    timer = (folder / "systemd" / "northstar-sync-p-payments.timer").read_text()
    assert "OnCalendar=Mon..Fri *-*-* 06:00:00 America/Chicago" in timer
    service = (folder / "systemd" / "northstar-sync-p-payments.service").read_text()
    assert f"collect payments --project {folder.resolve()}" in service  # serve's window
