"""A metric whose source is not configured says which source brings its data in and which
setting or command does it: in `northstar status` (a real process) and on the metric's page
(over HTTP), for a marketplace project that has loaded nothing yet; once the source is
declared, what is left is to run it; once it has run, nothing is said."""

from __future__ import annotations

import os
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fakes.billcom import ENV, BillComFake, sources_toml
from fakes.cli import run
from northstar.packs import get_pack
from northstar.project import Project
from northstar.secret import load_or_create_secret
from northstar.sources.sync import sync
from northstar.web import create_app
from northstar.web.auth import Auth
from northstar.web.settings import WebSettings
from northstar.web.store import ensure_tables
from web_helpers import PASSWORDS, fast_settings, log_in

METRIC = """\
name: bills_overdue_billcom
title: Bills overdue (Bill.com)
description: Dollars of bills past due and unpaid today, as Bill.com has them.
department: finance
unit: usd
direction: lower
grain: month
sql: |
  select coalesce(sum(amount_due), 0) as value
  from billcom_bills_overdue_by_status
  where unpaid and not is_status_row and due_date < {as_of}
"""
BILLCOM = (
    "billcom_bills and billcom_vendors come from the billcom source (Accounts payable "
    "(Bill.com through `northstar sync`): bills with their approval and payment status, and "
    "vendors with their BILL network connection, bank account and W-9 facts, for \"bills "
    "overdue by Bill.com status\"): ")
ADD = ('add [billcom] to sources.toml with kind = "billcom" and organization_id, '
       "username_env, password_env, dev_key_env (docs/sources.md), then run `northstar sync "
       "billcom`.")
RUN = "source 'billcom' in sources.toml brings it in but has not loaded it yet: run " \
      "`northstar sync billcom`."



@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A marketplace project with nothing loaded, and one metric of its own on Bill.com."""
    with Project.init(tmp_path / "p", pack=get_pack("marketplace")) as p:
        (p.root / "metrics" / "bills_overdue_billcom.yml").write_text(METRIC, encoding="utf-8")
        return p.root


def test_status_names_the_source_each_waiting_metric_needs(root: Path) -> None:
    out = run("status", cwd=root).stdout
    assert "Metrics waiting for a source (a table they read has never loaded):" in out
    lines = [line for line in out.splitlines() if line.startswith("- ")]
    assert f"- {BILLCOM}{ADD} Waiting: bills_overdue_billcom." in lines
    # a source with a connector of its own name (QuickBooks' bill lines, among others) ...
    qbo = next(line for line in lines if "bill_lines" in line)
    assert 'add [quickbooks] to sources.toml with kind = "quickbooks" and realm_id, ' \
           "client_id_env, client_secret_env, refresh_token_env" in qbo
    assert "bills_overdue, bills_overdue_count" in qbo
    # ... and one that comes in files: the factor's statement
    factoring = next(line for line in lines if line.startswith("- factoring_statements"))
    assert "comes from the manual source" in factoring
    assert "load a file of it: `northstar load factoring_statements FILE --source manual`" \
        in factoring
    assert "factoring_balance" in factoring


def test_a_declared_source_that_has_not_run_is_told_to_run_then_is_not_named(
        root: Path) -> None:
    os.environ.update(ENV)
    with BillComFake() as fake:
        (root / "sources.toml").write_text(sources_toml("billcom").replace("{url}", fake.url),
                                           encoding="utf-8")
        out = run("status", cwd=root).stdout
        assert f"- {BILLCOM}{RUN} Waiting: bills_overdue_billcom." in out.splitlines()
        with Project.open(root) as p:
            sync(p, "billcom")
        out = run("status", cwd=root).stdout
        assert "billcom_bills" not in out
        assert "bill_lines" in out  # QuickBooks still waits


def test_the_metric_page_says_which_source_and_setting_it_needs(root: Path) -> None:
    project = Project.open(root)
    ensure_tables(project.engine)
    owner = project.catalog.owner_of("net_revenue")
    assert owner is not None
    Auth(project.engine, load_or_create_secret(root), WebSettings()).add_user(
        "ada", owner.id, "admin", PASSWORDS["ada"])
    app = create_app(project, fast_settings())
    with TestClient(app, follow_redirects=False) as client:
        log_in(client, "ada")
        page = client.get("/metric/bills_overdue_billcom")
        assert page.status_code == 200
        html = unescape(page.text)
        assert ("Waiting for billcom_bills, billcom_vendors: they have never loaded, so this "
                "number cannot be computed yet.") in html
        assert BILLCOM + ADD in html
        books = unescape(client.get("/metric/bills_overdue").text)
        assert 'the quickbooks source' in books and "`northstar sync quickbooks`" in books
    project.close()
