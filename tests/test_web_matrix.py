"""The authorization matrix: every route x every role x logged out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Route

from fakes.oidc import CLIENT_ID, CLIENT_SECRET, OidcFake
from northstar.config import OidcSettings
from northstar.web import create_app, issues
from web_helpers import PASSWORDS, csrf_of, fast_settings, open_copy, shared_template

WHO = ("anon", "vic", "eve", "ada")  # logged out, viewer, editor, admin
MONTH = datetime.now(UTC).strftime("%Y-%m")
READ = {"anon": 401, "vic": 200, "eve": 200, "ada": 200}
PAGE = {"anon": 303, "vic": 200, "eve": 200, "ada": 200}
EDIT_API = {"anon": 401, "vic": 403, "eve": 200, "ada": 200}
ADMIN_API = {"anon": 401, "vic": 403, "eve": 403, "ada": 200}
EDIT_FORM = {"anon": 303, "vic": 403, "eve": 303, "ada": 303}  # saved: back to /admin
ADMIN_FORM = {"anon": 303, "vic": 403, "eve": 403, "ada": 303}
SSO_START = {"anon": 303, "vic": 303, "eve": 303, "ada": 303}  # to the provider, for anyone
SSO_BACK = {"anon": 400, "vic": 400, "eve": 400, "ada": 400}  # no sign-in was started
ASK_FORM = {"anon": 303, "vic": 200, "eve": 200, "ada": 200}  # any reader may ask
VIEWER_FORM = {"anon": 303, "vic": 303, "eve": 303, "ada": 303}  # saved: back to the page
GONE = {"anon": 303, "vic": 404, "eve": 404, "ada": 404}  # a stream key nobody was given
# The template has no qbr.yml: a role the route lets in gets 404 NO_QBR, one it refuses 403.
QBR_READ = {"anon": 401, "vic": 404, "eve": 404, "ada": 404}
QBR_EDIT = {"anon": 401, "vic": 403, "eve": 404, "ada": 404}
QBR_ADMIN = {"anon": 401, "vic": 403, "eve": 403, "ada": 404}
QBR_PAGE = {"anon": 303, "vic": 400, "eve": 400, "ada": 400}  # "this project has no qbr.yml"
QBR_LATEST = {"anon": 303, "vic": 303, "eve": 303, "ada": 303}  # to the last closed quarter
EDITOR_PAGE = {"anon": 303, "vic": 403, "eve": 200, "ada": 200}
# an admin passes, then is told what is wrong with the request: the template has sent no
# alert (no delivery 1) and declares no source in northstar.toml
ADMIN_REFUSED = {"anon": 303, "vic": 403, "eve": 403, "ada": 400}
ISSUE = {"metric": "net_revenue", "week": "2025-W40", "person": "{person}", "note": "matrix"}

MATRIX: list[tuple[str, str, dict[str, Any] | None, dict[str, int]]] = [
    ("GET", "/", None, PAGE),
    ("GET", "/metric/net_revenue", None, PAGE),
    ("GET", "/metric/net_revenue/tile", None, PAGE),
    ("GET", "/scorecard", None, PAGE),
    ("GET", "/dashboards", None, PAGE),
    ("GET", "/dashboards/cfo", None, PAGE),
    ("GET", "/dashboards/supply_account_management/tiles/8?page=2", None, PAGE),
    ("GET", "/drill/net_revenue", None, PAGE),
    ("GET", "/drill/net_revenue/csv", None, PAGE),
    ("GET", "/integrity", None, PAGE),
    ("GET", "/login/oidc", None, SSO_START),
    ("GET", "/login/oidc/callback?code=x&state=y", None, SSO_BACK),
    ("GET", "/admin", None, {"anon": 303, "vic": 403, "eve": 200, "ada": 200}),
    ("POST", "/admin/manual-value", {"metric": "net_revenue", "period": MONTH, "value": "5"},
     EDIT_FORM),
    ("POST", "/admin/adjustment", {"metric": "net_revenue", "period": MONTH, "delta": "5",
                                   "reason": "matrix"}, EDIT_FORM),
    ("POST", "/admin/annotation", {"metric": "net_revenue", "on": "2025-03-02",
                                   "note": "matrix"}, EDIT_FORM),
    ("POST", "/admin/thresholds", {"metric": "net_revenue", "green": "1", "yellow": "0.9",
                                   "reason": "matrix"}, ADMIN_FORM),
    ("POST", "/admin/users", {"role": "viewer", "person": "jordan_avery"}, ADMIN_FORM),
    ("POST", "/admin/tokens", {"username": "vic", "name": "matrix"}, ADMIN_FORM),
    ("POST", "/admin/tokens/{token}/revoke", {}, ADMIN_FORM),
    ("GET", "/api/me", None, READ),
    ("GET", "/api/metrics", None, READ),
    ("GET", "/api/my-metric", None, READ),
    ("GET", "/api/scorecard", None, READ),
    ("GET", "/api/thresholds", None, READ),
    ("GET", "/api/collection-log", None, READ),
    ("GET", "/api/drill/net_revenue", None, READ),
    ("GET", "/api/dashboards", None, READ),
    ("GET", "/api/checks", None, READ),
    ("GET", "/api/audit", None, ADMIN_API),
    ("GET", "/api/annotations?metric=net_revenue", None, READ),
    ("GET", "/api/models/bills_overdue_by_status", None, READ),
    ("POST", "/api/ask", {"question": "net revenue last month"}, READ),
    ("POST", "/ask", {"question": "net revenue last month"}, ASK_FORM),
    ("GET", "/ask/stream/nokey", None, GONE),
    ("GET", "/api/qbr/metrics/monthly?period=2025-10", None, QBR_READ),
    ("GET", "/api/qbr/metrics/quarterly?period=2025-Q3", None, QBR_READ),
    ("GET", "/api/qbr/smartnumbers?period=2025-10", None, QBR_READ),
    ("GET", "/api/qbr/thresholds", None, QBR_READ),
    ("POST", "/api/qbr/thresholds", {"metric_name": "net_revenue", "green": 1, "yellow": 0.9,
                                     "reason": "matrix"}, QBR_ADMIN),
    ("POST", "/api/qbr/metrics/manual", {"metric_name": "net_revenue", "period": "2025-10",
                                         "value": 5}, QBR_EDIT),
    ("GET", "/qbr", None, QBR_LATEST),
    ("GET", "/qbr/2025-Q3", None, QBR_PAGE),
    ("GET", "/qbr/2025-Q3/pdf", None, QBR_PAGE),
    ("GET", "/api/weekly", None, READ),
    ("POST", "/api/weekly/issues", ISSUE, {"anon": 401, "vic": 200, "eve": 200, "ada": 200}),
    ("POST", "/api/weekly/issues/{issue}/solve", {},
     {"anon": 401, "vic": 200, "eve": 200, "ada": 200}),
    ("GET", "/weekly", None, PAGE),
    ("GET", "/weekly/issues/new?metric=net_revenue&week=2025-W40", None, PAGE),
    ("POST", "/weekly/issues", ISSUE, VIEWER_FORM),
    ("POST", "/weekly/issues/{issue}/solve", {}, VIEWER_FORM),
    ("GET", "/alerts", None, EDITOR_PAGE),
    ("POST", "/alerts/file", {"text": "rules: []\n"}, ADMIN_FORM),
    ("POST", "/alerts/deliveries/1/retry", {}, ADMIN_REFUSED),
    ("GET", "/digest", None, PAGE),
    ("POST", "/admin/users/vic/unlock", {}, ADMIN_FORM),
    ("POST", "/admin/sources/quickbooks/schedule", {"on": "0", "reason": "matrix"},
     ADMIN_REFUSED),
    ("POST", "/api/annotations", {"metric": "net_revenue", "date": "2025-03-02",
                                  "note": "matrix"}, EDIT_API),
    ("POST", "/api/manual-values", {"metric": "net_revenue", "period": MONTH, "value": 5},
     EDIT_API),
    ("POST", "/api/adjustments", {"metric": "net_revenue", "period": MONTH, "delta": 5,
                                  "reason": "matrix"}, EDIT_API),
    ("POST", "/api/thresholds", {"metric": "net_revenue", "green": 1, "yellow": 0.9,
                                 "reason": "matrix"}, ADMIN_API),
]
PUBLIC = {"/health", "/login", "/logout", "/static/{name}", "/static/plotly.min.js",
          "/api/openapi.json"}


@pytest.fixture(scope="module")
def fake() -> Iterator[OidcFake]:
    with OidcFake() as f:
        yield f


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, fake: OidcFake) -> Iterator[Any]:
    template = shared_template(tmp_path_factory)
    project = open_copy(template, tmp_path_factory.mktemp("matrix") / "p")
    secrets_file = project.root / ".secrets" / "secrets.json"  # single sign-on's client secret
    secrets_file.parent.mkdir(mode=0o700)
    secrets_file.write_text(f'{{"oidc": {{"client_secret": "{CLIENT_SECRET}"}}}}')
    secrets_file.chmod(0o600)
    settings = fast_settings()
    settings.oidc = OidcSettings(issuer=fake.issuer, client_id=CLIENT_ID,
                                 allowed_domains=["example.com"])
    web = create_app(project, settings)
    yield web
    web.state.ns.project.close()


@pytest.fixture(scope="module")
def clients(app: Any) -> Iterator[dict[str, TestClient]]:
    out = {}
    for who in WHO:
        c = TestClient(app, follow_redirects=False)
        if who != "anon":
            page = c.get("/login")
            c.post("/login", data={"username": who, "password": PASSWORDS[who],
                                   "csrf_token": csrf_of(page.text)})
        out[who] = c
    yield out


def routes_of(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route, also inside the routers FastAPI keeps whole (`app.include_router`)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            assert not route.include_context.prefix  # a prefix would change the paths
            yield from routes_of(included.routes)
        else:
            yield route


def test_every_route_is_in_the_matrix(app: Any) -> None:
    routes = [r for r in routes_of(app.routes) if isinstance(r, Route)]
    assert len(routes) > len(MATRIX) // 2  # the walk sees the included routers' routes
    missing = []
    for route in routes:
        if route.path in PUBLIC:
            continue
        for method in route.methods or ():
            if method == "HEAD":
                continue
            if not any(m == method and route.path_regex.match(
                    path.replace("{token}", "x").replace("{issue}", "1").split("?")[0])
                       for m, path, _, _ in MATRIX):
                missing.append(f"{method} {route.path}")
    assert missing == []


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX,
                         ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
def test_route_by_role(app: Any, clients: dict[str, TestClient], fake: OidcFake, who: str,
                       method: str, path: str, body: dict[str, Any] | None,
                       expected: dict[str, int]) -> None:
    c = clients[who]
    if "{token}" in path:
        token_id, _ = app.state.ns.auth.create_token("vic", "to revoke")
        path = path.replace("{token}", token_id)
    project = app.state.ns.project
    someone = sorted(project.catalog.people)[0]
    if "{issue}" in path:
        opened = issues.open_issue(project, issues.IssueIn(**{**ISSUE, "person": someone}),
                                   "matrix", datetime.now(UTC))
        path = path.replace("{issue}", str(opened.id))
    if body is not None and body.get("person") == "{person}":
        body = {**body, "person": someone}
    if method == "GET":
        r = c.get(path)
    elif path.startswith("/api/"):
        headers = {}
        if who != "anon":  # the API with a session needs the CSRF header
            headers["X-CSRF-Token"] = csrf_of(c.get("/dashboards").text)
        r = c.post(path, json=body, headers=headers)
    else:
        data = dict(body or {})
        if path == "/admin/users":
            data["username"] = f"new_{who}_{len(app.state.ns.auth.users())}"
        data["csrf_token"] = csrf_of(c.get("/dashboards").text) if who != "anon" else ""
        r = c.post(path, data=data)
    assert r.status_code == expected[who], (who, method, path, r.text[:300])
    if expected is SSO_START:
        assert r.headers["location"].startswith(fake.url + "/authorize?")
    elif expected[who] == 303:  # to the login page, or from a saved form back to its page
        where = r.headers["location"]
        if who == "anon":
            assert where == "/login", where
        else:
            back = {"admin": "/admin#", "alerts": "/alerts?saved=1", "weekly": "/weekly",
                    "qbr": "/qbr/"}[path.split("/")[1].split("?")[0]]
            assert where.startswith(back), where


def test_static_files_need_no_login(clients: dict[str, TestClient]) -> None:
    c = clients["anon"]
    for name in ("htmx.min.js", "app.js", "style.css", "scorecard.css", "plotly.min.js"):
        r = c.get(f"/static/{name}")
        assert r.status_code == 200 and len(r.content) > 100, name
    assert c.get("/static/../secret.key").status_code == 404
    assert c.get("/static/nothing.js").status_code == 404
