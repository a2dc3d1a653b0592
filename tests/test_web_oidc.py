"""Single sign-on through OpenID Connect, end to end: a real Northstar server (uvicorn) and a
real fake provider (tests/fakes/oidc.py) on loopback, driven hop by hop with httpx, so every
redirect, cookie and token exchange goes over HTTP. The project is configured the way a user
does it: `[web.oidc]` in northstar.toml, the client secret in the secrets file, emails on
users (`northstar user add --email`) and in people.yml."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml

from fakes.oidc import CLIENT_ID, CLIENT_SECRET, OidcFake
from northstar.project import Project
from northstar.web import create_app
from northstar.web.auth import Auth
from web_helpers import copy_project, people_for, shared_template

DOMAIN = "example.com"
NEWCOMER = "newcomer@example.com"  # in people.yml, no user yet: auto-created as a viewer
STRANGER = "stranger@example.com"  # in people.yml too; used with auto_create off


def oidc_toml(issuer: str, **extra: str) -> str:
    lines = [
        "", "[web.oidc]", 'name = "Example ID"', f'issuer = "{issuer}"',
        f'client_id = "{CLIENT_ID}"', f'allowed_domains = ["{DOMAIN}"]', "auto_create = true",
        *(f"{k} = {v}" for k, v in extra.items()),
    ]
    return "\n".join(lines) + "\n"


def configure(root: Path, issuer: str, people_email: dict[str, str]) -> None:
    """What an admin does: the [web.oidc] section, the secret in the secrets file (0600) and
    emails in people.yml."""
    with (root / "northstar.toml").open("a", encoding="utf-8") as f:
        f.write(oidc_toml(issuer))
    folder = root / ".secrets"
    folder.mkdir(mode=0o700, exist_ok=True)
    secrets_file = folder / "secrets.json"
    secrets_file.write_text(json.dumps({"oidc": {"client_secret": CLIENT_SECRET}}))
    secrets_file.chmod(0o600)
    people_path = root / "people.yml"
    people = yaml.safe_load(people_path.read_text())
    for person in people["people"]:
        if person["id"] in people_email:
            person["email"] = people_email[person["id"]]
    people_path.write_text(yaml.safe_dump(people, sort_keys=False))


class Running:
    """A Northstar app served by uvicorn on a free loopback port, in a thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.app = app
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def fake() -> Iterator[OidcFake]:
    with OidcFake() as f:
        yield f


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory,
           fake: OidcFake) -> Iterator[tuple[str, Any]]:
    root = copy_project(shared_template(tmp_path_factory), tmp_path_factory.mktemp("sso") / "p")
    with Project.open(root) as probe:
        who = people_for(probe)
        newcomer_person, stranger_person = [
            p.id for p in sorted(probe.catalog.people.values(), key=lambda p: p.id)
            if p.id not in who.values() and p.metric][:2]
    configure(root, fake.issuer, {newcomer_person: NEWCOMER.upper(),
                                  stranger_person: STRANGER})
    project = Project.open(root)
    app = create_app(project)
    auth: Auth = app.state.ns.auth
    auth.set_email("ada", "Ada@Example.com")
    auth.set_email("vic", "vic@example.com")
    app.state.newcomer_person = newcomer_person
    with Running(app) as base:
        yield base, app
    project.close()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(follow_redirects=False, timeout=30) as c:
        yield c


@pytest.fixture(autouse=True)
def well_behaved(fake: OidcFake) -> Iterator[None]:
    fake.misbehave = None
    fake.user = {"sub": "1000001", "email": "ada@example.com", "email_verified": True,
                 "name": "Ada Admin"}
    yield
    fake.misbehave = None


def sign_in(client: httpx.Client, base: str) -> tuple[httpx.Response, str]:
    """Click "Sign in with Example ID" and follow each hop; returns the callback's answer and
    the authorization URL the app built."""
    start = client.get(base + "/login/oidc")
    assert start.status_code == 303, start.text[:300]
    authorize_url = start.headers["location"]
    at_provider = client.get(authorize_url)
    assert at_provider.status_code == 302, at_provider.text
    back = at_provider.headers["location"]
    assert back.startswith(base + "/login/oidc/callback?")
    return client.get(back), authorize_url


def me(client: httpx.Client, base: str) -> dict[str, Any]:
    data: dict[str, Any] = client.get(base + "/api/me").json()["data"]
    return data


def last_sso(app: Any) -> Any:
    return next(e for e in app.state.ns.audit.entries() if e.action == "login.sso")


def test_login_page_offers_the_provider(served: tuple[str, Any], client: httpx.Client) -> None:
    base, _ = served
    html = client.get(base + "/login").text
    assert 'id="sso-login" href="/login/oidc">Sign in with Example ID</a>' in html
    assert 'name="password"' in html  # password login stays unless turned off


def test_sign_in_lands_on_my_metric(served: tuple[str, Any], client: httpx.Client,
                                    fake: OidcFake) -> None:
    base, app = served
    r, authorize_url = sign_in(client, base)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("ns_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    home = client.get(base + "/")
    assert home.status_code == 200
    assert 'id="metric-title">Net revenue<' in home.text  # ada owns net_revenue
    assert me(client, base)["username"] == "ada"
    # the app sent PKCE S256: the verifier it gave the token endpoint hashes to the challenge
    # it put in the authorization URL; the secret went by HTTP Basic, not in the form
    query = parse_qs(urlsplit(authorize_url).query)
    sent = fake.token_requests[-1]
    digest = hashlib.sha256(sent["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"][0]
    assert query["code_challenge_method"] == ["S256"]
    assert "client_secret" not in sent
    assert query["redirect_uri"] == [base + "/login/oidc/callback"]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    entry = last_sso(app)
    assert (entry.actor, entry.outcome) == ("ada", "ok")
    assert json.loads(entry.detail)["email"] == "ada@example.com"


def test_the_session_is_the_same_as_a_password_login(served: tuple[str, Any],
                                                     client: httpx.Client) -> None:
    base, _ = served
    sign_in(client, base)
    page = client.get(base + "/scorecard")
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    out = client.post(base + "/logout", data={"csrf_token": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get(base + "/").headers["location"] == "/login"


@pytest.mark.parametrize(("switch", "reason", "status", "says"), [
    ("wrong_key", "bad_signature", 400, "signature does not verify"),
    ("wrong_audience", "wrong_audience", 400, "issued for another application"),
    ("expired", "expired_token", 400, "has expired"),
    ("unverified_email", "email_unverified", 403, "has not verified the email"),
    ("wrong_nonce", "wrong_nonce", 400, "does not answer this sign-in"),
    ("wrong_issuer", "wrong_issuer", 400, "comes from another issuer"),
])
def test_a_bad_id_token_is_refused(served: tuple[str, Any], client: httpx.Client,
                                   fake: OidcFake, switch: str, reason: str, status: int,
                                   says: str) -> None:
    base, app = served
    fake.misbehave = switch
    r, _ = sign_in(client, base)
    assert r.status_code == status
    assert says in r.text and 'href="/login"' in r.text
    assert not any(h.startswith("ns_session=") for h in r.headers.get_list("set-cookie"))
    assert client.get(base + "/").headers["location"] == "/login"
    entry = last_sso(app)
    assert (entry.outcome, json.loads(entry.detail)["reason"]) == ("failed", reason)


@pytest.mark.parametrize(("email", "reason", "says"), [
    ("ada@other.org", "domain_not_allowed", "Accounts at other.org may not sign in"),
    ("nobody@example.com", "unknown_user", "No Northstar user has the email"),
])
def test_who_may_sign_in(served: tuple[str, Any], client: httpx.Client, fake: OidcFake,
                         email: str, reason: str, says: str) -> None:
    base, app = served
    fake.user["email"] = email
    r, _ = sign_in(client, base)
    assert r.status_code == 403 and says in r.text
    entry = last_sso(app)
    assert (entry.actor, entry.outcome) == (email, "failed")
    assert json.loads(entry.detail)["reason"] == reason


def test_state_must_match_the_browser_that_started(served: tuple[str, Any],
                                                   client: httpx.Client) -> None:
    base, app = served
    start = client.get(base + "/login/oidc")
    back = client.get(start.headers["location"]).headers["location"]
    forged = back.replace("state=", "state=x")
    r = client.get(forged)
    assert r.status_code == 400 and "does not match the sign-in" in r.text
    assert json.loads(last_sso(app).detail)["reason"] == "bad_state"
    # a callback URL carried to another browser (no flow cookie) is refused too
    with httpx.Client(follow_redirects=False) as other:
        r = other.get(back)
    assert r.status_code == 400 and "not started from this browser" in r.text
    assert json.loads(last_sso(app).detail)["reason"] == "bad_state"


def test_a_code_works_once(served: tuple[str, Any], client: httpx.Client) -> None:
    base, app = served
    start = client.get(base + "/login/oidc")
    flow = client.cookies.get("ns_oidc_flow")
    back = client.get(start.headers["location"]).headers["location"]
    assert client.get(back).status_code == 303
    with httpx.Client(follow_redirects=False, cookies={"ns_oidc_flow": flow or ""}) as thief:
        r = thief.get(back)  # replayed with the same flow cookie: the provider refuses
    assert r.status_code == 400 and "refused to complete the sign-in" in r.text
    detail = json.loads(last_sso(app).detail)
    assert (detail["reason"], detail["error"]) == ("token_error", "invalid_grant")


def test_the_flow_cookie_cannot_be_forged_or_kept(served: tuple[str, Any],
                                                  client: httpx.Client) -> None:
    from northstar.web.oidc import FLOW_SECONDS

    base, app = served
    start = client.get(base + "/login/oidc")
    back = client.get(start.headers["location"]).headers["location"]
    oidc = app.state.ns.oidc
    flow = oidc._open(client.cookies["ns_oidc_flow"])
    flow["at"] -= FLOW_SECONDS + 1  # as if the person had left the provider's page open
    for cookie, reason, says in (
            (oidc._seal(flow), "expired_flow", "took too long"),
            (client.cookies["ns_oidc_flow"][:-2] + "xx", "bad_state", "not started from")):
        with httpx.Client(follow_redirects=False, cookies={"ns_oidc_flow": cookie}) as late:
            r = late.get(back)
        assert r.status_code == 400 and says in r.text
        assert json.loads(last_sso(app).detail)["reason"] == reason


def test_the_provider_saying_no_is_shown(served: tuple[str, Any], client: httpx.Client) -> None:
    base, app = served
    start = client.get(base + "/login/oidc")
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    r = client.get(base + "/login/oidc/callback", params={
        "error": "access_denied", "error_description": "The user said no", "state": state})
    assert r.status_code == 403 and "did not sign you in: The user said no." in r.text
    assert json.loads(last_sso(app).detail)["reason"] == "provider_refused"


def test_new_signing_keys_are_fetched(served: tuple[str, Any], client: httpx.Client,
                                      fake: OidcFake) -> None:
    base, _ = served
    assert sign_in(client, base)[0].status_code == 303  # the app now holds key-1
    fake.rotate()
    with httpx.Client(follow_redirects=False) as again:
        r, _ = sign_in(again, base)
        assert r.status_code == 303 and r.headers["location"] == "/"


def test_first_sign_in_creates_a_viewer_for_a_person_in_people_yml(
        served: tuple[str, Any], client: httpx.Client, fake: OidcFake) -> None:
    base, app = served
    fake.user.update(email=NEWCOMER, sub="2000002")
    r, _ = sign_in(client, base)
    assert r.status_code == 303
    found = me(client, base)
    assert (found["username"], found["role"]) == ("newcomer", "viewer")
    assert found["person"] == app.state.newcomer_person
    added = next(e for e in app.state.ns.audit.entries() if e.action == "user.add")
    assert json.loads(added.detail)["email"] == NEWCOMER
    # the next sign-in finds the same user rather than making another
    with httpx.Client(follow_redirects=False) as again:
        sign_in(again, base)
        assert me(again, base)["username"] == "newcomer"
    assert [u.username for u, _ in app.state.ns.auth.users()].count("newcomer") == 1


def test_without_auto_create_people_yml_is_not_enough(served: tuple[str, Any],
                                                      client: httpx.Client,
                                                      fake: OidcFake) -> None:
    base, app = served
    oidc = app.state.ns.oidc
    on = oidc.settings
    oidc.settings = on.model_copy(update={"auto_create": False})
    fake.user["email"] = STRANGER
    try:
        r, _ = sign_in(client, base)
    finally:
        oidc.settings = on
    assert r.status_code == 403 and f"No Northstar user has the email {STRANGER}" in r.text
    assert STRANGER not in app.state.ns.auth.emails().values()


def test_an_unreachable_provider_is_a_clear_page(served: tuple[str, Any],
                                                 client: httpx.Client) -> None:
    import socket

    from northstar.web.oidc import OidcClient

    base, app = served
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    ns = app.state.ns
    real = ns.oidc
    ns.oidc = OidcClient(real.settings.model_copy(update={"issuer": dead}), real._secret,
                         b"k" * 32)
    try:
        r = client.get(base + "/login/oidc")
    finally:
        ns.oidc = real
    assert r.status_code == 502 and "Example ID could not be reached" in r.text
    assert json.loads(last_sso(app).detail)["reason"] == "unreachable"


def test_without_oidc_the_routes_say_so(tmp_path_factory: pytest.TempPathFactory) -> None:
    from fastapi.testclient import TestClient

    from web_helpers import fast_settings, open_copy

    template = shared_template(tmp_path_factory)
    app = create_app(open_copy(template, tmp_path_factory.mktemp("nosso") / "p"),
                     fast_settings())
    with TestClient(app, follow_redirects=False) as c:
        assert "Sign in with" not in c.get("/login").text
        for url in ("/login/oidc", "/login/oidc/callback?code=x&state=y"):
            r = c.get(url)
            assert r.status_code == 404 and "Single sign-on is not set up here." in r.text
    app.state.ns.project.close()


def test_password_login_can_be_turned_off(tmp_path_factory: pytest.TempPathFactory,
                                          fake: OidcFake) -> None:
    from fastapi.testclient import TestClient

    from web_helpers import PASSWORDS

    root = copy_project(shared_template(tmp_path_factory), tmp_path_factory.mktemp("off") / "p")
    configure(root, fake.issuer, {})
    text = (root / "northstar.toml").read_text().replace(
        "\n[web.oidc]\n", "\n[web]\npassword_login = false\n\n[web.oidc]\n")
    (root / "northstar.toml").write_text(text)
    with Project.open(root) as project:
        app = create_app(project)
        with TestClient(app, follow_redirects=False) as c:
            page = c.get("/login").text
            assert "Sign in with Example ID" in page and 'name="password"' not in page
            # a hand-made POST (the page has no form) with a valid login CSRF token
            r = c.post("/login", data={"username": "ada", "password": PASSWORDS["ada"],
                                       "csrf_token": c.cookies["ns_login_csrf"]})
            assert r.headers["location"] == "/login?error=sso-only"
            assert "ns_session" not in r.headers.get("set-cookie", "")
            entry = app.state.ns.audit.entries()[0]
            assert (entry.action, entry.outcome) == ("login", "denied")


def test_a_missing_client_secret_stops_the_start(tmp_path_factory: pytest.TempPathFactory,
                                                 fake: OidcFake,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from northstar.errors import ConfigError

    root = copy_project(shared_template(tmp_path_factory), tmp_path_factory.mktemp("ns") / "p")
    with (root / "northstar.toml").open("a", encoding="utf-8") as f:
        f.write(oidc_toml(fake.issuer, client_secret_env='"NS_TEST_OIDC_SECRET"'))
    monkeypatch.delenv("NS_TEST_OIDC_SECRET", raising=False)
    with Project.open(root) as project:
        with pytest.raises(ConfigError) as err:
            create_app(project)
        line = (root / "northstar.toml").read_text().splitlines().index("[web.oidc]") + 1
        assert str(err.value).startswith(
            f"{root / 'northstar.toml'}:{line}: single sign-on (web.oidc) needs the client "
            "secret: set the environment variable NS_TEST_OIDC_SECRET or")
        monkeypatch.setenv("NS_TEST_OIDC_SECRET", CLIENT_SECRET)
        app = create_app(project)
        assert app.state.ns.oidc._secret.reveal() == CLIENT_SECRET
        assert CLIENT_SECRET not in repr(app.state.ns.oidc._secret)
    assert os.environ["NS_TEST_OIDC_SECRET"] == CLIENT_SECRET


def test_emails_come_from_the_cli_and_the_admin_page(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    import typer
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from northstar.web import register
    from web_helpers import PASSWORDS, csrf_of, fast_settings

    root = copy_project(shared_template(tmp_path_factory), tmp_path_factory.mktemp("em") / "p")
    cli = typer.Typer()
    register(cli)
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(cli, [*args, "--project", str(root)])

    r = run("user", "add", "zed", "--person", "jordan_avery", "--email", "Zed@Example.com")
    assert r.exit_code == 0 and "Added viewer zed (jordan_avery, Zed@Example.com)." in r.output
    r = run("user", "add", "zoe", "--person", "jordan_avery", "--email", "zed@example.com")
    assert r.exit_code != 0 and "user 'zed' already has the email zed@example.com" in str(
        r.exception)
    assert run("user", "email", "vic", "vic@example.com").exit_code == 0
    r = run("user", "email", "eve", "not-an-email")
    assert r.exit_code != 0 and "is not an email address" in str(r.exception)
    app = create_app(root, fast_settings())
    auth: Auth = app.state.ns.auth
    assert auth.emails() == {"zed": "zed@example.com", "vic": "vic@example.com"}
    assert auth.user_by_email("ZED@example.com")[0].username == "zed"  # type: ignore[union-attr]
    with TestClient(app, follow_redirects=False) as c:
        page = c.get("/login")
        c.post("/login", data={"username": "ada", "password": PASSWORDS["ada"],
                               "csrf_token": csrf_of(page.text)})
        admin = c.get("/admin").text
        assert "<td>zed</td><td>zed@example.com</td>" in admin
        r = c.post("/admin/users", data={"username": "yan", "role": "viewer",
                                         "person": "jordan_avery", "email": "yan@example.com",
                                         "csrf_token": csrf_of(admin)})
        assert r.status_code == 303 and "User yan added as viewer." in c.get("/admin").text
    assert auth.emails()["yan"] == "yan@example.com"
    app.state.ns.project.close()
    assert run("user", "email", "yan", "-").exit_code == 0
    with Project.open(root) as project:
        from northstar.secret import load_or_create_secret
        from northstar.web.settings import WebSettings

        again = Auth(project.engine, load_or_create_secret(root), WebSettings())
        assert "yan" not in again.emails()


def test_users_from_before_sso_get_an_email_column(engine_url: str) -> None:
    from datetime import datetime

    from northstar.engines import connect
    from northstar.web.settings import WebSettings
    from northstar.web.store import USERS, ensure_tables

    engine = connect(engine_url)
    try:  # the users table as it was before single sign-on
        engine.execute(f"CREATE TABLE {USERS} (username VARCHAR PRIMARY KEY, person_id VARCHAR "
                       "NOT NULL, role VARCHAR NOT NULL, password_hash VARCHAR NOT NULL, "
                       "failed_count INTEGER NOT NULL, locked_until TIMESTAMP, created_at "
                       "TIMESTAMP NOT NULL, disabled BOOLEAN NOT NULL)")
        engine.execute(f"INSERT INTO {USERS} VALUES ('old', 'jordan_avery', 'editor', 'x', 0, "
                       "NULL, ?, false)", [datetime(2025, 1, 1)])
        ensure_tables(engine)
        ensure_tables(engine)  # and again: nothing changes
        auth = Auth(engine, b"k" * 32, WebSettings())
        assert auth.emails() == {}
        auth.set_email("old", "Old@Example.com")
        found, disabled = auth.user_by_email("old@example.COM")
        assert found is not None and (found.username, found.role, disabled) == (
            "old", "editor", False)
    finally:
        engine.close()


def test_odd_characters_are_refused_not_a_500(served: tuple[str, Any],
                                              client: httpx.Client) -> None:
    base, _ = served
    client.get(base + "/login/oidc")
    r = client.get(base + "/login/oidc/callback", params={"code": "x", "state": "é✓"})
    assert r.status_code == 400 and "does not match the sign-in" in r.text
    with httpx.Client(follow_redirects=False) as other:
        r = other.get(base + "/login/oidc/callback", params={"code": "x", "state": "y"},
                      headers={"cookie": "ns_oidc_flow=\xe9.\xff".encode("latin-1")})
        assert r.status_code == 400
        other.get(base + "/login")
        r = other.post(base + "/login", data={"username": "ada", "password": "x",
                                              "csrf_token": "é"})
        assert r.status_code == 303 and r.headers["location"] == "/login?error=expired"
