"""The shared connector machinery against a real local HTTP server: retries, Retry-After,
dropped connections, malformed JSON, fail-fast 4xx, the retry cap, paging, tags, secrets."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from fakes.server import Answer, FakeServer, Request
from northstar.errors import ConfigError
from northstar.sources.config import CheckRule, RetrySettings, TagRule, load_sources
from northstar.sources.http import ApiClient, SourceError, retry_after_seconds
from northstar.sources.paging import cursor_pages, numbered_pages, offset_pages
from northstar.sources.secrets import Secret, SecretStore
from northstar.sources.tags import apply_tags

FAST = RetrySettings(attempts=5, backoff=0.01, max_backoff=0.05, max_total=10, timeout=2)


class Echo(FakeServer):
    def route(self, req: Request) -> Answer:
        if req.path == "/bad":
            return 400, {}, {"message": "property 'x' does not exist"}
        if req.path == "/denied":
            return 403, {}, {"message": "This app hasn't been granted all required scopes"}
        if req.path == "/unauth":
            return 401, {}, {"message": "Authentication credentials not found"}
        return 200, {}, {"ok": True, "n": len(self.requests)}


@pytest.fixture
def echo() -> Echo:
    with Echo() as server:
        yield server


def client(server: FakeServer, retry: RetrySettings = FAST) -> ApiClient:
    return ApiClient("crm", server.url, retry)


@pytest.mark.parametrize("kind", ["500", "429", "drop", "malformed"])
def test_transient_failures_are_retried_until_success(echo: Echo, kind: str) -> None:
    echo.fail(kind, times=3)
    with client(echo) as c:
        body = c.request("GET", "/things")
    assert body == {"ok": True, "n": 4}
    assert c.requests == 4


def test_retry_after_is_honoured(echo: Echo) -> None:
    echo.fail("429", retry_after=1)
    start = time.monotonic()
    with client(echo) as c:
        assert c.request("GET", "/things")["ok"]
    # our own back-off is at most 0.05 s here: a wait of a second can only be Retry-After
    assert time.monotonic() - start >= 1.0


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


def test_attempts_run_out_with_a_clear_message(echo: Echo) -> None:
    echo.fail("500", times=10)
    with client(echo) as c, pytest.raises(SourceError) as info:
        c.request("GET", "/things")
    assert str(info.value).startswith("crm: GET /things still failing after 5 tries: HTTP 500")
    assert c.requests == 5


def test_total_retry_time_is_capped(echo: Echo) -> None:
    echo.fail("429", times=10, retry_after=2)
    capped = RetrySettings(attempts=50, backoff=0.01, max_backoff=5, max_total=3, timeout=2)
    start = time.monotonic()
    with client(echo, capped) as c, pytest.raises(SourceError, match="still failing after 2"):
        c.request("GET", "/things")
    assert time.monotonic() - start < 3.0


@pytest.mark.parametrize(("path", "status", "text"), [
    ("/bad", 400, "property 'x' does not exist"),
    ("/unauth", 401, "(check the token)"),
    ("/denied", 403, "(the token lacks a permission)"),
])
def test_client_errors_fail_fast(echo: Echo, path: str, status: int, text: str) -> None:
    with client(echo) as c, pytest.raises(SourceError) as info:
        c.request("GET", path, params={"token_hint": "x"})
    assert c.requests == 1
    message = str(info.value)
    assert message.startswith(f"crm: GET {path} was refused with HTTP {status}")
    assert text in message


def test_pagers() -> None:
    pages = {None: ([{"i": 1}], "a"), "a": ([{"i": 2}], "b"), "b": ([{"i": 3}], None)}
    assert [p[0]["i"] for p in cursor_pages(lambda c: pages[c])] == [1, 2, 3]
    data = [{"i": i} for i in range(7)]
    assert [len(p) for p in offset_pages(lambda o, n: data[o:o + n], size=3)] == [3, 3, 1]
    assert [len(p) for p in offset_pages(lambda o, n: data[o:o + n], size=7)] == [7, 0]
    assert [p for p in numbered_pages(lambda n: (data[(n - 1) * 4:n * 4], n < 2))] == [
        data[:4], data[4:]]
    with pytest.raises(SourceError, match="twice"):
        list(cursor_pages(lambda c: ([], "same")))


def test_tag_rules_first_match_wins() -> None:
    rules = [
        TagRule(tag="source_funnel", **{"from": "src"}, map={"PAID_SEARCH": "inbound"},
                when={"kind": "deal"}),
        TagRule(tag="source_funnel", value="unknown"),
        TagRule(tag="department", value="demand", tables=["deals"]),
        TagRule(tag="owner_id", **{"from": "rep"}, default="nobody"),
    ]
    row = {"src": "PAID_SEARCH", "kind": "deal", "owner_id": "from-connector", "rep": None}
    apply_tags(rules, "deals", row)
    assert row["source_funnel"] == "inbound"
    assert row["department"] == "demand"
    assert row["owner_id"] == "nobody"
    other = {"src": "OFFLINE", "kind": "contact"}
    apply_tags(rules, "contacts", other)
    assert other["source_funnel"] == "unknown"
    assert "department" not in other


def test_secrets_file_permissions_and_rotation(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, environ={"TOK": "from-env"})
    assert store.get("crm", "token", "TOK") is not None
    assert repr(store.require("crm", "token", "TOK")) == "Secret('**********')"
    with store.locked():
        store.put("crm", "token", "from-file")
    path = tmp_path / ".secrets" / "secrets.json"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert (tmp_path / ".secrets" / ".gitignore").read_text() == "*\n"
    assert store.require("crm", "token", "TOK").reveal() == "from-file"  # newest wins
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        store.get("crm", "token", "TOK")
    os.chmod(path, 0o600)
    with pytest.raises(ConfigError, match="environment variable NOPE"):
        store.require("crm", "password", "NOPE")
    assert "from-file" not in str(Secret("from-file"))


def test_secrets_file_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.json"
    path.write_text(json.dumps({"crm": {"token": "t"}}))
    os.chmod(path, 0o600)
    store = SecretStore(tmp_path / "project", environ={"NORTHSTAR_SECRETS_FILE": str(path)})
    assert store.require("crm", "token", None).reveal() == "t"


def test_sources_file_errors_point_at_the_line(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text(
        '[crm]\nkind = "hubspot"\n\n[[crm.tags]]\ntag = "colour"\nvalue = "x"\n')
    with pytest.raises(ConfigError) as info:
        load_sources(tmp_path)
    assert "sources.toml:4:" in str(info.value)  # the [[crm.tags]] entry at fault
    assert "'colour' is not a tag" in str(info.value)
    (tmp_path / "sources.toml").write_text('[crm]\nkind = "hubspot"\nbatch_size = 3\n')
    with pytest.raises(ConfigError, match=r"sources\.toml:3: unknown key 'batch_size'"):
        load_sources(tmp_path)


def test_every_setting_is_documented() -> None:
    from northstar.sources.config import SourceConfig

    text = (Path(__file__).resolve().parent.parent / "docs" / "sources.md").read_text()
    keys = [k for k in SourceConfig.model_fields if k not in ("name", "retry")]
    keys += [f"retry.{k}" for k in RetrySettings.model_fields]
    keys += [f.alias or k for k, f in TagRule.model_fields.items()]
    keys += list(CheckRule.model_fields)
    missing = [k for k in keys if f"| `{k}` |" not in text]
    assert missing == []
