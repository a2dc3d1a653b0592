"""The `[web]` section of northstar.toml: read, validated with file:line, overridden by
NORTHSTAR__WEB__* environment variables, applied by the app, and documented in docs/web.md
(whose examples are checked here)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from northstar.config import OidcSettings, WebConfig, load_settings
from northstar.errors import ConfigError
from northstar.project import Project
from northstar.web import WebSettings, create_app
from web_helpers import PASSWORDS, Clock, copy_project, csrf_of, shared_template

DOCS = Path(__file__).resolve().parent.parent / "docs"


def settings_from(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> WebConfig:
    (tmp_path / "northstar.toml").write_text(text, encoding="utf-8")
    return load_settings(tmp_path, environ or {}).web


def test_defaults_without_a_web_section(tmp_path: Path) -> None:
    web = settings_from(tmp_path, '[company]\nname = "Acme"\n')
    assert (web.idle_minutes, web.absolute_hours, web.stale_hours) == (30, 12, 36)
    assert (web.slow_after, web.slow_seconds, web.max_wait_seconds, web.forget_minutes) == (
        3, 1, 30, 15)
    assert (web.client_slow_after, web.all_slow_after, web.trusted_proxies) == (10, 100, [])
    assert web.secure_cookies is None and web.password_login is True and web.oidc is None
    assert WebSettings() == WebSettings.from_config(web)


def test_values_are_read(tmp_path: Path) -> None:
    web = settings_from(tmp_path, "[web]\nidle_minutes = 10\nabsolute_hours = 8.5\n"
                        "max_wait_seconds = 7\nsecure_cookies = true\nstale_hours = 48\n"
                        'trusted_proxies = ["127.0.0.1"]\n')
    s = WebSettings.from_config(web, slow_seconds=0.0)
    assert (s.idle_minutes, s.absolute_hours, s.max_wait_seconds, s.secure_cookies,
            s.stale_hours, s.slow_seconds, s.trusted_proxies) == (
        10, 8.5, 7, True, 48, 0.0, ["127.0.0.1"])


@pytest.mark.parametrize(("text", "line", "message"), [
    ("[company]\nname = \"A\"\n\n[web]\nidle_minute = 5\n", 5, "unknown key 'web.idle_minute'"),
    ("[web]\nidle_minutes = 10\nabsolute_hours = \"long\"\n", 3,
     "web.absolute_hours: Input should be a valid number"),
    ("[web]\nsecure_cookies = 3\n", 2, "web.secure_cookies: Input should be a valid boolean"),
    ("[web]\nlock_after = 5\nlock_minutes = 15\n", 1,
     "lock_after and lock_minutes: failed logins no longer lock an account"),
    ("[web]\ntrusted_proxies = [\"proxy.local\"]\n", 2, "'proxy.local' is not an IP address"),
    ("[web]\nidle_minutes = 0\n", 2, "web.idle_minutes: Input should be greater than 0"),
    ("[web]\npassword_login = false\n", 1,
     "password_login = false needs a [web.oidc] section"),
    ("[web]\n\n[web.oidc]\nissuer = \"http://id.example.com\"\nclient_id = \"c\"\n"
     "allowed_domains = [\"example.com\"]\n", 4, "the issuer must use https://"),
    ("[web.oidc]\nissuer = \"https://id.example.com\"\nclient_id = \"c\"\n"
     "allowed_domains = [\"example.com\"]\nclient_secret = \"oops\"\n", 5,
     "unknown key 'web.oidc.client_secret'"),
    ("[web.oidc]\nissuer = \"https://id.example.com\"\nclient_id = \"c\"\n", 1,
     "web.oidc.allowed_domains: required but missing"),
    ("[web.oidc]\nissuer = \"https://id.example.com\"\nclient_id = \"c\"\n"
     "allowed_domains = [\"@example.com\", \"me@x.org\"]\n", 4,
     "each allowed domain is a domain name"),
])
def test_mistakes_are_reported_with_file_and_line(tmp_path: Path, text: str, line: int,
                                                  message: str) -> None:
    with pytest.raises(ConfigError) as err:
        settings_from(tmp_path, text)
    assert str(err.value).startswith(f"{tmp_path / 'northstar.toml'}:{line}: ")
    assert message in str(err.value)


def test_environment_variables_override_the_file(tmp_path: Path) -> None:
    web = settings_from(tmp_path, "[web]\nidle_minutes = 10\nsecure_cookies = false\n",
                        {"NORTHSTAR__WEB__IDLE_MINUTES": "45",
                         "NORTHSTAR__WEB__SECURE_COOKIES": "true",
                         "NORTHSTAR__WEB__ABSOLUTE_HOURS": "2"})
    assert (web.idle_minutes, web.secure_cookies, web.absolute_hours) == (45, True, 2)
    with pytest.raises(ConfigError) as err:
        settings_from(tmp_path, "[web]\nidle_minutes = 10\n",
                      {"NORTHSTAR__WEB__IDLE_MINUTES": "soon"})
    assert str(err.value) == ("environment variable NORTHSTAR__WEB__IDLE_MINUTES: "
                              "web.idle_minutes: Input should be a valid number, unable to "
                              "parse string as a number")


def test_oidc_section_is_read(tmp_path: Path) -> None:
    web = settings_from(tmp_path, '[web.oidc]\nissuer = "https://accounts.google.com"\n'
                        'client_id = "123.apps.googleusercontent.com"\nname = "Google"\n'
                        'client_secret_env = "NORTHSTAR_OIDC_SECRET"\n'
                        'allowed_domains = ["Example.com"]\n')
    assert web.oidc == OidcSettings(issuer="https://accounts.google.com",
                                    client_id="123.apps.googleusercontent.com", name="Google",
                                    client_secret_env="NORTHSTAR_OIDC_SECRET",
                                    allowed_domains=["example.com"])
    assert web.oidc.auto_create is False and web.oidc.scopes == ["openid", "email", "profile"]
    from northstar.sources.secrets import Secret
    from northstar.web.oidc import OidcClient

    unnamed = web.oidc.model_copy(update={"name": None})
    assert OidcClient(unnamed, Secret("x"), b"k" * 32).name == "accounts.google.com"


@pytest.fixture
def project_root(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    return copy_project(shared_template(tmp_path_factory), tmp_path / "p")


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC).replace(tzinfo=None))


@pytest.fixture
def app_with(project_root: Path, clock: Clock) -> Iterator[object]:
    opened: list[Project] = []

    def make(toml: str, **env: str) -> TestClient:
        with (project_root / "northstar.toml").open("a", encoding="utf-8") as f:
            f.write("\n" + toml)
        with pytest.MonkeyPatch.context() as mp:
            for k, v in env.items():
                mp.setenv(k, v)
            project = Project.open(project_root)
        opened.append(project)
        app = create_app(project)
        app.state.ns.settings.clock = clock  # the same object Auth reads
        return TestClient(app, follow_redirects=False)

    yield make
    for p in opened:
        p.close()


def login(c: TestClient) -> str:
    """Log in as vic; returns the session cookie as the app set it."""
    page = c.get("/login")
    r = c.post("/login", data={"username": "vic", "password": PASSWORDS["vic"],
                               "csrf_token": csrf_of(page.text)})
    assert r.headers["location"] == "/"
    return next(h for h in r.headers.get_list("set-cookie") if h.startswith("ns_session="))


def test_the_app_follows_the_web_section(app_with: object, clock: Clock) -> None:
    c = app_with("[web]\nidle_minutes = 5\nsecure_cookies = true\n",  # type: ignore[operator]
                 NORTHSTAR__WEB__ABSOLUTE_HOURS="1")
    settings = c.app.state.ns.settings  # type: ignore[attr-defined]
    assert (settings.idle_minutes, settings.absolute_hours) == (5, 1)
    # forced, although this request came over plain http
    assert "Secure" in c.get("/login").headers["set-cookie"]


def test_idle_minutes_from_the_file_end_a_session(app_with: object, clock: Clock) -> None:
    c = app_with("[web]\nidle_minutes = 5\n")  # type: ignore[operator]
    login(c)
    clock.advance(minutes=4)
    assert c.get("/scorecard").status_code == 200
    clock.advance(minutes=4)  # 4 minutes idle since the last request: still in
    assert c.get("/scorecard").status_code == 200
    clock.advance(minutes=5, seconds=1)
    assert c.get("/scorecard").headers["location"] == "/login"


# -- docs/web.md -------------------------------------------------------------------------------
BLOCK = re.compile(r"```toml\n(.*?)```", re.S)


def test_every_web_setting_is_documented() -> None:
    doc = (DOCS / "web.md").read_text()
    documented = set(re.findall(r"^\| `(\w+)` \|", doc, re.M))
    for model in (WebConfig, OidcSettings):
        missing = set(model.model_fields) - documented
        assert not missing, f"docs/web.md does not document {sorted(missing)}"


def test_the_toml_examples_in_the_docs_are_valid(tmp_path: Path) -> None:
    examples = [b for name in ("web.md", "deploy.md")
                for b in BLOCK.findall((DOCS / name).read_text())]
    assert len(examples) >= 3
    for text in examples:
        web = settings_from(tmp_path, text)
        assert "[web" not in text or web != WebConfig(), text


def test_the_documented_defaults_are_the_real_ones() -> None:
    doc = (DOCS / "web.md").read_text()
    table = dict(re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", doc, re.M))
    words: dict[str, object] = {"unset": None, "none": None, "true": True, "false": False,
                                "empty": []}
    for name, field in WebConfig.model_fields.items():
        shown = table[name]
        value = words[shown] if shown in words else float(shown)
        assert value == field.default, f"docs/web.md says {name} defaults to {shown}"
