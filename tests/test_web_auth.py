"""Logging in and staying logged in: CSRF, idle and absolute timeouts, logout, roles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from northstar.errors import NorthstarError
from northstar.web import create_app, register
from northstar.web.cli import check_bind
from web_helpers import (
    PASSWORDS,
    Clock,
    copy_project,
    csrf_of,
    fast_settings,
    open_copy,
    shared_template,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_template(tmp_path_factory)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC).replace(tzinfo=None))


@pytest.fixture
def client(template: Path, tmp_path: Path, clock: Clock) -> Iterator[TestClient]:
    app = create_app(open_copy(template, tmp_path / "p"), fast_settings(clock))
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.ns.project.close()


def login(client: TestClient, user: str, password: str | None = None) -> str:
    """Log in through the form; returns where the app sent us."""
    page = client.get("/login")
    r = client.post("/login", data={"username": user, "csrf_token": csrf_of(page.text),
                                    "password": PASSWORDS[user] if password is None
                                    else password})
    assert r.status_code == 303
    return str(r.headers["location"])


def test_everything_but_login_needs_a_login(client: TestClient) -> None:
    for url in ("/", "/scorecard", "/dashboards", "/dashboards/cfo", "/drill/net_revenue",
                "/admin", "/metric/net_revenue"):
        r = client.get(url)
        assert r.status_code == 303 and r.headers["location"] == "/login", url
    assert client.get("/login").status_code == 200


def test_login_sets_a_safe_cookie_and_shows_my_metric(client: TestClient) -> None:
    page = client.get("/login")
    r = client.post("/login", data={"username": "ada", "password": PASSWORDS["ada"],
                                    "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("ns_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    html = client.get("/").text
    assert 'id="metric-title">Net revenue<' in html and 'id="metric-value"' in html
    assert "What to do:" in html and 'id="trend-chart"' in html
    entries = client.app.state.ns.audit.entries()  # type: ignore[attr-defined]
    assert (entries[0].actor, entries[0].action, entries[0].outcome) == ("ada", "login", "ok")


def test_cookie_is_secure_over_https(template: Path, tmp_path: Path) -> None:
    app = create_app(open_copy(template, tmp_path / "s"), fast_settings())
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        page = c.get("/login")
        r = c.post("/login", data={"username": "ada", "password": PASSWORDS["ada"],
                                   "csrf_token": csrf_of(page.text)})
        cookie = next(h for h in r.headers.get_list("set-cookie")
                      if h.startswith("ns_session="))
        assert "Secure" in cookie
    app.state.ns.project.close()


def test_failed_login_is_audited_and_says_nothing_about_users(client: TestClient) -> None:
    assert login(client, "eve", "not-her-password") == "/login?error=bad"
    assert login(client, "nobody", "whatever-password") == "/login?error=bad"
    for _ in range(4):
        login(client, "eve", "not-her-password")
    # never locked: the right password gets in (the waits are in test_web_logins.py)
    assert login(client, "eve") == "/"
    entries = client.app.state.ns.audit.entries()  # type: ignore[attr-defined]
    failed = [e for e in entries if e.action == "login" and e.outcome == "failed"]
    assert len(failed) == 6 and "not-her-password" not in " ".join(e.detail for e in failed)


def test_login_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    r = client.post("/login", data={"username": "ada", "password": PASSWORDS["ada"],
                                    "csrf_token": "forged"})
    assert r.headers["location"] == "/login?error=expired"
    assert client.get("/").status_code == 303


def test_forms_without_csrf_token_are_refused(client: TestClient) -> None:
    login(client, "eve")
    r = client.post("/admin/manual-value", data={"metric": "net_revenue", "period": "2025-01",
                                                 "value": "1", "csrf_token": "forged"})
    assert r.status_code == 403
    assert "form has expired" in r.text
    project = client.app.state.ns.project  # type: ignore[attr-defined]
    assert ("net_revenue", "2025-01") not in project.corrections.manual_values()
    r = client.post("/logout", data={"csrf_token": "forged"})
    assert r.status_code == 403
    assert client.get("/").status_code == 200  # still logged in


def test_idle_timeout_ends_the_session(client: TestClient, clock: Clock) -> None:
    login(client, "vic")
    clock.advance(minutes=29)
    assert client.get("/scorecard").status_code == 200  # activity resets the idle clock
    clock.advance(minutes=29)
    assert client.get("/scorecard").status_code == 200
    clock.advance(minutes=31)
    assert client.get("/scorecard").headers["location"] == "/login"


def _last_seen_column(client: TestClient) -> datetime:
    engine = client.app.state.ns.project.engine  # type: ignore[attr-defined]
    rows = engine.rows("SELECT last_seen FROM ns_web_sessions WHERE ended_at IS NULL")
    assert len(rows) == 1
    value: datetime = rows[0][0]
    return value


def test_last_seen_is_written_at_most_every_30_seconds_and_idle_time_stays_exact(
        client: TestClient, clock: Clock) -> None:
    login(client, "vic")
    written = _last_seen_column(client)
    clock.advance(seconds=10)
    assert client.get("/api/me").status_code == 200
    assert _last_seen_column(client) == written  # not written: too soon after the last write
    # 30 min 5 s after the stored last_seen, but 29 min 55 s after the last request: the
    # idle timeout counts from the request, so the session lives (and the column is written)
    clock.advance(minutes=29, seconds=55)
    assert client.get("/api/me").status_code == 200
    assert _last_seen_column(client) == clock.now
    clock.advance(seconds=20)
    assert client.get("/api/me").status_code == 200
    assert _last_seen_column(client) == clock.now - timedelta(seconds=20)
    # idle for just under 30 minutes after that unwritten request: still alive
    clock.advance(minutes=29, seconds=59)
    assert client.get("/api/me").status_code == 200
    # idle for just over 30 minutes: ended, though the column was written 30 s earlier
    clock.advance(minutes=30, seconds=1)
    assert client.get("/api/me").status_code == 401
    assert client.get("/scorecard").headers["location"] == "/login"


def test_revoked_token_and_disabled_user_are_refused_on_the_next_request(
        client: TestClient) -> None:
    auth = client.app.state.ns.auth  # type: ignore[attr-defined]
    token_id, token = auth.create_token("vic", "t")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    assert client.get("/api/me", headers=headers).status_code == 200  # answered from memory
    assert auth.revoke_token(token_id)
    assert client.get("/api/me", headers=headers).status_code == 401
    login(client, "vic")
    assert client.get("/api/me").status_code == 200
    assert client.get("/api/me").status_code == 200
    auth.engine.execute("UPDATE ns_web_users SET disabled = true WHERE username = 'vic'")
    assert client.get("/api/me").status_code == 401


def test_absolute_lifetime_ends_a_busy_session(client: TestClient, clock: Clock) -> None:
    login(client, "vic")
    for _ in range(12 * 3 - 1):
        clock.advance(minutes=20)
        assert client.get("/api/me").status_code == 200
    clock.advance(minutes=21)
    assert client.get("/api/me").status_code == 401


def test_logout_really_ends_the_session(client: TestClient) -> None:
    login(client, "vic")
    cookie = client.cookies.get("ns_session")
    html = client.get("/scorecard").text
    r = client.post("/logout", data={"csrf_token": csrf_of(html)})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    client.cookies.set("ns_session", cookie or "")  # replaying the old cookie does not help
    assert client.get("/scorecard").status_code == 303
    assert client.get("/api/me").status_code == 401


def test_viewer_is_refused_admin_and_editor_may_enter_values(client: TestClient) -> None:
    login(client, "vic")
    r = client.get("/admin")
    assert r.status_code == 403 and "does not allow" in r.text
    assert 'href="/admin"' not in client.get("/scorecard").text
    client.cookies.clear()
    login(client, "eve")
    html = client.get("/admin").text
    assert 'id="manual-form"' in html and 'id="users"' not in html  # editors: no user admin
    r = client.post("/admin/users", data={"username": "x", "role": "admin",
                                          "person": "jordan_avery",
                                          "csrf_token": csrf_of(html)})
    assert r.status_code == 403
    r = client.post("/admin/manual-value", data={"metric": "net_revenue", "period": "2025-01",
                                                 "value": "42", "csrf_token": csrf_of(html)})
    assert r.status_code == 303 and "Saved" in client.get("/admin").text
    project = client.app.state.ns.project  # type: ignore[attr-defined]
    assert project.corrections.manual_values()[("net_revenue", "2025-01")][:2] == (42, "eve")


def test_admin_adds_a_user_and_sees_the_password_once(client: TestClient) -> None:
    login(client, "ada")
    html = client.get("/admin").text
    r = client.post("/admin/users", data={"username": "new.person", "role": "viewer",
                                          "person": "jordan_avery",
                                          "csrf_token": csrf_of(html)})
    assert r.status_code == 303
    password = client.get(r.headers["location"]).text.split('id="secret-value">')[1].split("<")[0]
    assert len(password) >= 12
    assert password not in client.get("/admin").text
    auth = client.app.state.ns.auth  # type: ignore[attr-defined]
    assert auth.login("new.person", password).reason == "ok"


def test_serve_binds_loopback_unless_told() -> None:
    assert check_bind("127.0.0.1", False) is None
    assert check_bind("localhost", False) is None
    with pytest.raises(NorthstarError, match="--expose"):
        check_bind("0.0.0.0", False)
    warning = check_bind("0.0.0.0", True)
    assert warning is not None and "WARNING" in warning


def test_user_add_cli(template: Path, tmp_path: Path) -> None:
    root = copy_project(template, tmp_path / "p")
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    r = runner.invoke(app, ["user", "add", "zed", "--role", "editor", "--person",
                            "jordan_avery", "--project", str(root)])
    assert r.exit_code == 0, r.output
    password = r.output.split("Password (shown once): ")[1].split()[0]
    r = runner.invoke(app, ["user", "add", "yan", "--role", "viewer", "--person",
                            "jordan_avery", "--password-stdin", "--project", str(root)],
                      input="a-long-enough-password\n")
    assert r.exit_code == 0 and "Password" not in r.output
    r = runner.invoke(app, ["user", "add", "bad", "--role", "root", "--person",
                            "jordan_avery", "--project", str(root)])
    assert r.exit_code != 0
    web = create_app(root, fast_settings())
    auth = web.state.ns.auth
    assert auth.login("zed", password).user is not None
    assert auth.login("yan", "a-long-enough-password").user is not None
    assert auth.get_user("zed").role == "editor"
    web.state.ns.project.close()


def test_demo_users(template: Path, tmp_path: Path) -> None:
    from northstar.web.demo import create_demo_users

    project = open_copy(template, tmp_path / "p")
    made = create_demo_users(project)
    assert set(made) == {"demo-admin", "demo-owner"}
    assert create_demo_users(project) == {}  # a second run leaves them alone
    app = create_app(project, fast_settings())
    with TestClient(app, follow_redirects=False) as c:
        page = c.get("/login")
        c.post("/login", data={"username": "demo-owner", "password": made["demo-owner"],
                               "csrf_token": csrf_of(page.text)})
        assert 'id="metric-title">Net revenue<' in c.get("/").text
    assert app.state.ns.auth.get_user("demo-admin").role == "admin"
    project.close()
