"""The admin forms as people expect them: a new user is a viewer unless asked otherwise; a
refused form comes back with what was typed and the error next to the field; a saved one
answers 303 and the page it leads to says so once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from northstar.web import create_app
from northstar.web.forms import Flash, Flashes
from web_helpers import fast_settings, log_in, open_copy, shared_template


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_template(tmp_path_factory)


@pytest.fixture
def client(template: Path, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(open_copy(template, tmp_path / "p"), fast_settings(), schedule=False)
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.ns.project.close()


def tag(html: str, element_id: str) -> str:
    """The opening tag of the element with this id (a select: the whole element)."""
    found = re.search(rf'<select id="{element_id}".*?</select>|<[a-z]+ id="{element_id}"[^>]*>',
                      html, re.S)
    assert found, element_id
    return found.group(0)


def test_a_new_user_is_a_viewer_unless_the_form_says_otherwise(client: TestClient) -> None:
    csrf = log_in(client, "ada")
    html = client.get("/admin").text
    assert tag(html, "user-role") == (
        '<select id="user-role" name="role"><option value="viewer" selected>viewer</option>'
        '<option value="editor">editor</option><option value="admin">admin</option></select>')
    r = client.post("/admin/users", data={"username": "no.role", "person": "jordan_avery",
                                          "csrf_token": csrf})  # no role sent at all
    assert (r.status_code, r.headers["location"]) == (303, "/admin#users-card")
    auth = client.app.state.ns.auth  # type: ignore[attr-defined]
    assert auth.get_user("no.role").role == "viewer"


def test_a_refused_user_keeps_what_was_typed_and_says_which_field(client: TestClient) -> None:
    csrf = log_in(client, "ada")
    sent = {"username": "ann.lee", "role": "editor", "person": "jordan_avery",
            "email": "ann@localhost", "csrf_token": csrf}
    r = client.post("/admin/users", data=sent)
    assert r.status_code == 400
    assert tag(r.text, "user-name") == ('<input id="user-name" name="username" value="ann.lee" '
                                        'required autocomplete="off">')
    assert tag(r.text, "user-email") == (
        '<input id="user-email" name="email" value="ann@localhost" aria-invalid="true" '
        'aria-describedby="user-email-error" type="email">')
    assert ('<p class="field-error" id="user-email-error">'
            "&#39;ann@localhost&#39; is not an email address</p>") in r.text
    assert '<option value="editor" selected>' in tag(r.text, "user-role")
    assert '<option value="jordan_avery" selected>' in tag(r.text, "user-person")
    assert 'id="user-name-error"' not in r.text
    # a user name already taken: the error moves to that field, the email is kept
    r = client.post("/admin/users", data={**sent, "username": "vic", "email": "v@example.com"})
    assert r.status_code == 400
    assert ('<p class="field-error" id="user-name-error">user &#39;vic&#39; already exists</p>'
            in r.text)
    assert 'value="v@example.com"' in tag(r.text, "user-email")
    auth = client.app.state.ns.auth  # type: ignore[attr-defined]
    assert auth.get_user("ann.lee") is None and auth.get_user("vic").role == "viewer"


def test_a_refused_value_keeps_the_other_fields(client: TestClient) -> None:
    csrf = log_in(client, "eve")
    r = client.post("/admin/manual-value", data={"metric": "ebitda", "period": "2025-01",
                                                 "value": "12abc", "note": "board pack",
                                                 "csrf_token": csrf})
    assert r.status_code == 400
    assert ('<p class="field-error" id="mv-value-error">'
            "the value must be a number, not &#39;12abc&#39;</p>") in r.text
    assert 'value="12abc" aria-invalid="true"' in tag(r.text, "mv-value")
    assert 'value="2025-01"' in tag(r.text, "mv-period")
    assert 'value="board pack"' in tag(r.text, "mv-note")
    assert '<option value="ebitda" selected>' in tag(r.text, "mv-metric")
    # the other forms on the page show their defaults
    assert 'value=""' in tag(r.text, "adj-period") and "selected" not in tag(r.text, "adj-metric")
    r = client.post("/admin/adjustment", data={"metric": "ebitda", "period": "2025-13",
                                               "delta": "5", "reason": "typo",
                                               "csrf_token": csrf})
    assert r.status_code == 400 and 'id="adj-period-error"' in r.text
    assert 'value="typo"' in tag(r.text, "adj-reason")
    r = client.post("/admin/annotation", data={"metric": "ebitda", "on": "someday",
                                               "note": "launch", "csrf_token": csrf})
    assert r.status_code == 400 and 'id="an-date-error"' in r.text
    assert 'value="launch"' in tag(r.text, "an-note")


def test_a_refused_threshold_says_which_line(client: TestClient) -> None:
    csrf = log_in(client, "ada")
    for field, sent in (("green", {"green": "nan", "yellow": "0.9"}),
                        ("yellow", {"green": "1.1", "yellow": "lots"}),
                        ("reason", {"green": "1.1", "yellow": "0.9", "reason": " "})):
        r = client.post("/admin/thresholds", data={"metric": "net_revenue", "reason": "why",
                                                   **sent, "csrf_token": csrf})
        assert r.status_code == 400, field
        assert f'id="th-{field}-error"' in r.text, field
        assert f'value="{sent["green"]}"' in tag(r.text, "th-green")
    r = client.post("/admin/thresholds", data={"metric": "net_revenue", "green": "0.8",
                                               "yellow": "0.9", "reason": "wrong way round",
                                               "csrf_token": csrf})
    assert r.status_code == 400
    assert "higher is better, so green (0.8) must be at or above yellow (0.9)" in r.text


def test_a_saved_form_redirects_and_says_so_once(client: TestClient) -> None:
    csrf = log_in(client, "eve")
    r = client.post("/admin/manual-value", data={"metric": "net_revenue", "period": "2025-01",
                                                 "value": "42", "csrf_token": csrf})
    assert (r.status_code, r.headers["location"]) == (303, "/admin#manual-value-card")
    page = client.get("/admin").text
    assert ('<p class="message" id="admin-message" role="status">'
            "Saved: net_revenue for 2025-01 is now 42.</p>") in page
    card = page.split('id="manual-value-card"')[1].split('class="card"')[0]
    assert 'id="admin-message"' in card  # next to the form that was saved
    assert 'id="admin-message"' not in client.get("/admin").text  # a reload: said once
    project = client.app.state.ns.project  # type: ignore[attr-defined]
    assert project.corrections.manual_values()[("net_revenue", "2025-01")][:2] == (42, "eve")


def test_a_new_password_survives_the_redirect_once(client: TestClient) -> None:
    csrf = log_in(client, "ada")
    r = client.post("/admin/users", data={"username": "new.person", "role": "editor",
                                          "person": "jordan_avery", "csrf_token": csrf})
    assert r.status_code == 303
    assert "new.person" not in r.headers["location"]  # nothing about it in the URL
    page = client.get("/admin").text
    assert "User new.person added as editor." in page
    password = page.split('id="secret-value">')[1].split("<")[0]
    auth = client.app.state.ns.auth  # type: ignore[attr-defined]
    assert auth.login("new.person", password).reason == "ok"
    assert password not in client.get("/admin").text
    r = client.post("/admin/tokens", data={"username": "vic", "name": "sheet",
                                           "csrf_token": csrf})
    assert (r.status_code, r.headers["location"]) == (303, "/admin#tokens-card")
    token = client.get("/admin").text.split('id="secret-value">')[1].split("<")[0]
    assert auth.token_user(token).username == "vic"


def test_flashes_belong_to_one_session_and_expire() -> None:
    flashes = Flashes(ttl=60.0)
    flashes.put("a", Flash("users", "one"))
    assert flashes.pop("b") is None
    assert flashes.pop("a") == Flash("users", "one")
    assert flashes.pop("a") is None
    gone = Flashes(ttl=0.0)
    gone.put("a", Flash("users", "one"))
    assert gone.pop("a") is None
    full = Flashes(limit=2)
    for name in "xyz":
        full.put(name, Flash("users", name))
    assert full.pop("x") is None and full.pop("z") == Flash("users", "z")
