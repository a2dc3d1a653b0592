"""Alerts from the command line and after a collection, as a person runs them: `northstar
alerts check` and `northstar digest send` in a real process, the SMTP password in the secrets
file; a `sync` whose source fails emails the source rule's channel without failing twice."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from alerts_fixture import SMTP_ENV, alerts_yml, build
from fakes.cli import run
from fakes.project import FAST_RETRY, close_all, make_project
from fakes.smtp import FakeSmtp, bodies
from fakes.stripe import KEY, StripeFake
from northstar.sources.sync import SyncFailed, sync

NO_ENV = f"  password_env: {SMTP_ENV}\n"
"""Taken out of alerts.yml: the password comes from the secrets file."""


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[FakeSmtp]:
    with FakeSmtp(tmp_path / "certs") as server:
        yield server


def secrets(root: Path, password: str) -> None:
    folder = root / ".secrets"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / "secrets.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data["alerts"] = {"smtp_password": password}
    path.write_text(json.dumps(data))
    os.chmod(path, 0o600)


def test_alerts_check_and_digest_send_from_the_command_line(tmp_path: Path,
                                                            smtp: FakeSmtp) -> None:
    root = build(tmp_path / "p")
    # the real clock: this month has no subscriptions, so New MRR ($0) is red
    (root / "alerts.yml").write_text(alerts_yml(smtp.port, smtp.ca_file, """\
  - name: red
    when: status
    notify: [owner]
""").replace(NO_ENV, ""))
    secrets(root, smtp.password)
    proc = run("alerts", "validate", cwd=root)
    assert "alerts.yml: 1 rule(s), 0 channel(s); digest on monday at 07:00." in proc.stdout
    proc = run("alerts", "check", cwd=root)
    assert "New MRR is red  rule red" in proc.stdout
    assert "sent email ada@example.com" in proc.stdout
    [mail] = smtp.messages
    text, _ = bodies(mail)
    assert "Value: $0" in text
    assert "What to do: Well behind. Review the sign-up page with the team this week." in text
    assert "Nothing changed: no alert." in run("alerts", "check", cwd=root).stdout
    assert len(smtp.messages) == 1
    listing = run("alerts", "list", cwd=root).stdout
    assert "New MRR is red" in listing and "ada_lovelace sent" in listing
    # the digest: a dry run prints, then it is sent once this week
    dry = run("digest", "send", "--person", "alan_turing", "--dry-run", cwd=root).stdout
    assert "To Alan Turing <alan@example.com>: Your week in numbers" in dry
    assert "Your metric: New subscriptions" in dry
    assert len(smtp.messages) == 1
    assert "sent Alan Turing" in run("digest", "send", "--person", "alan_turing",
                                     cwd=root).stdout
    assert "already sent Alan Turing" in run("digest", "send", "--person", "alan_turing",
                                             cwd=root).stdout
    assert [m["To"] for m in smtp.messages] == ["ada@example.com", "alan@example.com"]


def test_a_mistake_in_alerts_yml_is_one_line_with_its_place(tmp_path: Path) -> None:
    root = build(tmp_path / "p")
    (root / "alerts.yml").write_text("rules:\n  - name: x\n    when: status\n"
                                     "    notify: [finance]\n")
    proc = run("alerts", "check", cwd=root, ok=False)
    assert proc.returncode == 2
    assert "alerts.yml:1: rule x: notify 'finance' is neither a person (owner, lead) nor a " \
        "channel (owner, lead)" in proc.stderr


TOML = """
[pay]
kind = "stripe"
base_url = "{url}"
token_env = "NS_TEST_STRIPE_KEY"
page_size = 9
""" + FAST_RETRY.format(name="pay")


@pytest.fixture
def stripe() -> Iterator[StripeFake]:
    os.environ["NS_TEST_STRIPE_KEY"] = KEY
    with StripeFake() as server:
        yield server
    close_all()


def test_a_failed_collection_emails_the_source_rule_channel(tmp_path: Path, smtp: FakeSmtp,
                                                            stripe: StripeFake) -> None:
    p = make_project(tmp_path, TOML.replace("{url}", stripe.url))
    (p.root / "alerts.yml").write_text(alerts_yml(smtp.port, smtp.ca_file, """\
  - name: sources
    when: source
    states: [failed]
    notify: [ops]
""", "channels:\n  ops:\n    kind: email\n    to: [ops@example.com]\n").replace(NO_ENV, ""))
    secrets(p.root, smtp.password)
    sync(p, "pay", objects=["charges"])  # fine: nothing to say
    assert smtp.messages == []
    stripe.fail("500", times=50)
    with pytest.raises(SyncFailed):
        sync(p, "pay", objects=["charges"])
    [mail] = smtp.messages
    assert mail["To"] == "ops@example.com"
    assert mail["Subject"] == "pay stripe_charges failed"
    stripe.faults.clear()
    with pytest.raises(SyncFailed):  # still failing: no second email
        stripe.fail("500", times=50)
        sync(p, "pay", objects=["charges"])
    assert len(smtp.messages) == 1


def test_a_load_by_hand_evaluates_the_alert_rules_as_a_sync_does(tmp_path: Path,
                                                                   smtp: FakeSmtp) -> None:
    """`northstar load` of an old subscription (2025) leaves this month's New MRR at $0, red:
    the load itself sends the owner's alert, with no `alerts check` run; loading again (nothing
    new) changes nothing and sends nothing."""
    root = build(tmp_path / "p")
    (root / "alerts.yml").write_text(alerts_yml(smtp.port, smtp.ca_file, """\
  - name: red
    when: status
    notify: [owner]
""").replace(NO_ENV, ""))
    secrets(root, smtp.password)
    (root / "late.csv").write_text("id,plan_code,started_on,monthly_amount,department\n"
                                   "S0900,basic,2025-01-15,40,sales\n")
    proc = run("load", "subscriptions", "late.csv", "--source", "billing", cwd=root)
    assert "Loaded 1 rows into raw_subscriptions" in proc.stdout
    [mail] = smtp.messages
    assert mail["To"] == "ada@example.com"
    assert "New MRR" in mail["Subject"]
    run("load", "subscriptions", "late.csv", "--source", "billing", cwd=root)
    assert len(smtp.messages) == 1
