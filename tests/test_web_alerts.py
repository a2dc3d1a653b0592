"""The alerts page and the digest preview as people use them: an admin edits alerts.yml in the
app and a file that would not load is refused with its line; every alert and delivery is
listed, a failed one with why and a button to try again; each person previews their own
digest, editors anyone's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from alerts_fixture import SMTP_ENV, alerts_yml, build, copy, open_at
from northstar.alerts.service import Alerts
from northstar.secret import load_or_create_secret
from northstar.web import create_app
from northstar.web.auth import Auth
from northstar.web.settings import WebSettings
from northstar.web.store import ensure_tables
from web_helpers import PASSWORDS, fast_settings, log_in

USERS = {"ada": ("ada_lovelace", "admin"), "eve": ("ada_lovelace", "editor"),
         "vic": ("alan_turing", "viewer")}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build(tmp_path_factory.mktemp("web-alerts") / "tpl")
    p = open_at(root)
    ensure_tables(p.engine)
    auth = Auth(p.engine, load_or_create_secret(root), WebSettings())
    for user, (person, role) in USERS.items():
        auth.add_user(user, person, role, PASSWORDS[user])
    p.close()
    return root


@pytest.fixture
def client(template: Path, tmp_path: Path) -> Iterator[TestClient]:
    p = open_at(copy(template, tmp_path / "p"))
    app = create_app(p, fast_settings(), schedule=False, warm=False)
    with TestClient(app, follow_redirects=False) as c:
        yield c
    p.close()


def test_an_admin_edits_alerts_yml_and_a_broken_file_is_not_saved(client: TestClient) -> None:
    csrf = log_in(client, "ada")
    page = client.get("/alerts")
    assert page.status_code == 200 and 'id="alerts-none"' in page.text
    root = client.app.state.ns.project.root  # type: ignore[attr-defined]
    broken = ("rules:\n  - name: red\n    when: status\n    metrics: [new_arr]\n"
              "    notify: [owner]\n")
    r = client.post("/alerts/file", data={"text": broken, "csrf_token": csrf})
    assert r.status_code == 400
    assert re.search(r'id="alerts-error"[^>]*>[^<]*alerts\.yml:1: people and email channels are '
                     r"reached by email", r.text)
    assert "new_arr" in r.text  # what was typed comes back
    assert not (root / "alerts.yml").exists()
    good = alerts_yml(2525, Path("ca.pem"), "  - name: red\n    when: status\n"
                      "    metrics: [new_arr]\n    notify: [owner]\n")
    r = client.post("/alerts/file", data={"text": good, "csrf_token": csrf})
    assert r.status_code == 400 and "rule red: no metric &#39;new_arr&#39;" in r.text
    good = good.replace("new_arr", "new_mrr")
    r = client.post("/alerts/file", data={"text": good, "csrf_token": csrf})
    assert (r.status_code, r.headers["location"]) == (303, "/alerts?saved=1#file-card")
    assert (root / "alerts.yml").read_text() == good
    assert 'id="alerts-saved"' in client.get("/alerts?saved=1").text
    # an editor reads the log but cannot change the file
    client.post("/logout", data={"csrf_token": csrf})
    csrf = log_in(client, "eve")
    assert 'id="alerts-form"' not in client.get("/alerts").text
    r = client.post("/alerts/file", data={"text": STARTER_EMPTY, "csrf_token": csrf})
    assert r.status_code == 403
    assert (root / "alerts.yml").read_text() == good


STARTER_EMPTY = "rules: []\n"


def test_the_log_shows_each_delivery_and_a_failed_one_can_be_tried_again(
        client: TestClient, tmp_path: Path) -> None:
    p = client.app.state.ns.project  # type: ignore[attr-defined]
    # no SMTP server listens on this port: every try fails, transiently
    ca = tmp_path / "ca.pem"
    (p.root / "alerts.yml").write_text(alerts_yml(9, ca, """\
  - name: red
    when: status
    notify: [owner]
""").replace(f"  ca_file: {ca}\n", ""))
    p.adjust_metric("new_mrr", "2025-04", "-100", author="eve", reason="refunds")
    with Alerts(p, environ={SMTP_ENV: "x"}, sleep=lambda s: None) as alerts:
        _, [sent] = alerts.check()
    assert not sent.ok and sent.next_at is not None
    csrf = log_in(client, "ada")
    html = client.get("/alerts").text
    row = re.search(r'<div class="delivery" data-delivery="(\d+)" data-status="retrying">'
                    r"(.*?)</div>", html, re.S)
    assert row, html
    assert "email ada@example.com: <strong>retrying</strong>" in row.group(2)
    assert "could not reach the SMTP server 127.0.0.1:9" in row.group(2)
    assert "Try again now" in row.group(2)
    assert '<a href="/metric/new_mrr">New MRR is red</a> · $85' in html
    r = client.post(f"/alerts/deliveries/{row.group(1)}/retry", data={"csrf_token": csrf})
    assert r.status_code == 303
    with Alerts(p, environ={SMTP_ENV: "x"}, sleep=lambda s: None) as alerts:
        [due] = alerts.log.due(alerts.now())
    assert due.id == int(row.group(1))


def test_each_person_previews_their_digest_and_editors_anyones(client: TestClient) -> None:
    log_in(client, "vic")  # Alan Turing
    page = client.get("/digest")
    assert page.status_code == 200
    assert '<span id="digest-subject">Your week in numbers, 2025-W16</span>' in page.text
    assert "  2025-04 so far: 8\n  2025-03: 12\n" in page.text
    assert client.get("/digest?person=ada_lovelace").status_code == 403
    client.cookies.clear()
    log_in(client, "eve")
    page = client.get("/digest?person=ada_lovelace")
    assert "New MRR is green: your week in numbers, 2025-W16" in page.text
    assert "The sales scorecard" in page.text and "Alan Turing" in page.text
    assert "2025-04 so far: $185 (green); target $300 for 2025-04 ($150 by today, at pace)" \
        in page.text


def test_the_server_schedules_the_digest_in_the_company_timezone(tmp_path: Path) -> None:
    import threading
    from datetime import UTC, datetime

    from northstar.alerts import digest
    from northstar.alerts.runner import AlertRunner

    root = build(tmp_path / "p")
    toml = root / "northstar.toml"
    toml.write_text(toml.read_text().replace('timezone = "UTC"', 'timezone = "Asia/Tokyo"'))
    (root / "alerts.yml").write_text(alerts_yml(25, root / "ca.pem", "  []\n",
                                                "digest:\n  day: monday\n  time: '07:00'\n"))
    p = open_at(root)
    runner = AlertRunner(p, threading.RLock())
    runner.start()
    try:
        first = runner.next_digest()
        assert first is not None
        expected = digest.next_digest("0 7 * * mon", "Asia/Tokyo", datetime.now(UTC))
        assert first == expected and first.utcoffset() == timedelta(hours=9)
        # an admin moves it to Friday 16:30: the running server follows
        text = (root / "alerts.yml").read_text()
        (root / "alerts.yml").write_text(text.replace("day: monday", "day: friday")
                                         .replace("'07:00'", "'16:30'"))
        runner.reload()
        moved = runner.next_digest()
        assert moved is not None and (moved.weekday(), moved.hour, moved.minute) == (4, 16, 30)
    finally:
        runner.shutdown()
        p.close()


def test_the_alerts_page_shows_each_asana_goal_and_its_last_push(template: Path,
                                                                 tmp_path: Path) -> None:
    from fakes.asana import TOKEN, AsanaFake
    from northstar.asana.push import GoalPush

    root = copy(template, tmp_path / "p")
    with AsanaFake() as fake:
        fake.add_goal("1204000000000101", "Grow new MRR", unit="currency",
                      currency_code="USD", target=300.0)
        fake.add_goal("1204000000000102", "Subscriptions", target=20.0)
        with (root / "northstar.toml").open("a") as f:
            f.write(f'\n[asana]\nbase_url = "{fake.api_url}"\n')
        for metric, goal in (("new_mrr", "101"), ("new_subscriptions", "102")):
            path = root / "metrics" / f"{metric}.yml"
            path.write_text(path.read_text() + f'asana:\n  goal: "1204000000000{goal}"\n')
        p = open_at(root)
        push = GoalPush(p, environ={"ASANA_TOKEN": TOKEN}, sleep=lambda s: None)
        push.run()
        fake.edit("1204000000000102", current=5.0)  # typed in Asana by someone
        p.adjust_metric("new_subscriptions", "2025-04", "1", author="eve", reason="late")
        push.run()
    app = create_app(p, fast_settings(), schedule=False, warm=False)
    with TestClient(app, follow_redirects=False) as client:
        log_in(client, "ada")
        html = client.get("/alerts").text
        admin = client.get("/admin").text  # its collection runs list every push
    p.close()
    rows = dict(re.findall(r'<tr data-goal="(\d+)" data-outcome="(\w+)">', html))
    assert rows == {"1204000000000101": "pushed", "1204000000000102": "edited"}
    mrr = html.split('data-goal="1204000000000101"')[1].split("</tr>")[0]
    assert "Grow new MRR" in mrr and "2025-04" in mrr and ">185<" in mrr
    assert "set USD 185 (was USD 0)" in mrr
    subs = html.split('data-goal="1204000000000102"')[1].split("</tr>")[0]
    assert "edited by hand</strong>" in subs
    assert "it shows 5, Northstar last pushed 8" in subs
    runs = admin.split('id="collection-runs"')[1].split("</table>")[0]
    assert runs.count("<td>asana</td><td>push</td><td>2025-04</td><td>ok</td>") == 2
    assert "<td>asana</td><td>push</td><td>2025-04</td><td>skipped</td>" in runs
