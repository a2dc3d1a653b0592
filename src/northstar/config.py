"""`northstar.toml`: one typed settings object, every field documented.

Any setting can be overridden by an environment variable `NORTHSTAR__SECTION__KEY`, for example
`NORTHSTAR__ENGINE__URL=postgresql://kpi@db/kpi`."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from northstar.files import config_error, load_toml

CONFIG_FILE = "northstar.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r} (use an IANA name such as "
                         "America/Chicago)") from None
    return value


def _check_cron(value: str | None) -> str | None:
    from northstar.schedule import crontab_trigger

    if value is not None:
        try:
            crontab_trigger(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a crontab line (minute hour day month "
                             f"weekday): {exc}") from None
    return value


class CompanySettings(_Strict):
    name: str = "My company"
    """Shown on screens and reports."""
    timezone: str = "UTC"
    """IANA timezone whose local midnights bound every period (e.g. America/Chicago)."""
    fiscal_year_start_month: int = Field(1, ge=1, le=12)
    """Month the fiscal year starts in; a fiscal year is named by the year it ends in."""

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return check_timezone(value)


_SIZE = re.compile(r"(?i)^\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$")


class EngineSettings(_Strict):
    url: str = "duckdb:///northstar.duckdb"
    """Where the ledger lives: `duckdb:///file.duckdb` (relative to the project folder) or
    `postgresql://user@host:5432/db`."""
    memory_limit: str = "1GB"
    """DuckDB only: the most memory DuckDB's buffer manager holds (cached blocks, query
    state) in each process that opens the project; a query that needs more spills to
    `.tmp` beside the database file. DuckDB's own default is 80% of the machine's memory."""
    threads: int = Field(2, ge=1, le=256)
    """DuckDB only: the threads one statement may use. Each one keeps buffers of its own,
    so more threads use more memory."""

    @field_validator("memory_limit")
    @classmethod
    def _a_size(cls, value: str) -> str:
        if not _SIZE.match(value):
            raise ValueError(f"{value!r} is not a size: write a number and its unit, such as "
                             '"1GB" or "512MB"')
        return value.strip()


class FreezeSettings(_Strict):
    closed_periods: bool = True
    """Freeze a period's metric values the first time they are read after the period closes."""
    after_days: int = Field(10, ge=0)
    """Days after a period ends before it counts as closed (room for late bookkeeping)."""


class OwnershipRule(_Strict):
    owner: str
    """Source whose value wins when several sources report the same record."""
    key: str = "source_id"
    """Column that identifies the same fact in every source."""
    fields: list[str] = []
    """Columns compared across sources; a difference is listed as a data-quality finding."""


class SourceSchedule(_Strict):
    cron: str | None = None
    """Overrides `schedule.cron` for this source."""
    closed_months: int | None = Field(None, ge=0, le=120)
    """Overrides `schedule.closed_months` for this source."""
    enabled: bool = True
    """False: the schedule skips this source even when `northstar source enable` turned it on
    (it still syncs by hand)."""

    _cron = field_validator("cron")(_check_cron)


class ScheduleSettings(_Strict):
    cron: str = "30 22 * * *"
    """When collection runs, as a crontab line (minute hour day month weekday)."""
    timezone: str = "America/Chicago"
    """Timezone the crontab line is read in; daylight saving is followed."""
    closed_months: int = Field(12, ge=0, le=120)
    """Closed months collected again on every run, besides the current month."""
    sources: dict[str, SourceSchedule] = {}
    """Per source, e.g. `[schedule.sources.hubspot] cron = "0 6 * * *"`."""
    log_file: str = ".northstar/logs/collection.log"
    """Every collection run is also written here, as JSON lines: one for the run and one for
    each of its objects (relative to the project folder; empty: the ledger's collection log
    only)."""
    log_max_bytes: int = Field(5_000_000, ge=0)
    """The log file is rotated when a run would take it past this size (0: never)."""
    log_backups: int = Field(5, ge=0, le=100)
    """Rotated log files kept (`collection.log.1` is the newest); older ones are removed."""

    _timezone = field_validator("timezone")(check_timezone)
    _cron = field_validator("cron")(_check_cron)


class OidcSettings(_Strict):
    """Single sign-on through an OpenID Connect provider (`[web.oidc]`)."""

    issuer: str = Field(pattern=r"^https?://[^\s]+$")
    """The provider's issuer URL, e.g. `https://accounts.google.com`; its discovery document
    is read from `<issuer>/.well-known/openid-configuration`."""
    client_id: str = Field(min_length=1)
    """The client id the provider gave this app."""
    client_secret_env: str | None = None
    """Environment variable holding the client secret (else `oidc.client_secret` in the
    secrets file); the secret is never written in northstar.toml or the database."""
    name: str | None = None
    """The provider's name on the login page, "Sign in with <name>" (default: the issuer's
    host name)."""
    allowed_domains: list[str] = Field(min_length=1)
    """Email domains allowed to sign in, e.g. `["example.com"]`."""
    auto_create: bool = False
    """Create a viewer on first sign-in when no user has the email but a person in people.yml
    does; otherwise only users added with `northstar user add --email` can sign in."""
    redirect_url: str | None = Field(None, pattern=r"^https?://[^\s]+/login/oidc/callback$")
    """The callback URL registered with the provider (default: this server's own address +
    `/login/oidc/callback`; set it behind a reverse proxy)."""
    scopes: list[str] = ["openid", "email", "profile"]
    """Scopes asked for; `openid` and `email` are needed."""

    @field_validator("issuer")
    @classmethod
    def _https(cls, value: str) -> str:
        from urllib.parse import urlsplit

        host = urlsplit(value).hostname or ""
        if value.startswith("http://") and host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the issuer must use https:// (plain http only on this machine)")
        return value

    @field_validator("allowed_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        out = [d.strip().lower().lstrip("@") for d in value]
        if any(not d or "@" in d or "." not in d for d in out):
            raise ValueError("each allowed domain is a domain name such as example.com")
        return out

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        if "openid" not in value or "email" not in value:
            raise ValueError("scopes must include openid and email")
        return value


class WebConfig(_Strict):
    """The web app (`[web]`); `NORTHSTAR__WEB__KEY` environment variables override."""

    idle_minutes: float = Field(30, gt=0)
    """A session unused for this long ends."""
    absolute_hours: float = Field(12, gt=0)
    """A session ends this long after login, however busy."""
    slow_after: int = Field(3, ge=1)
    """Failed logins on one user name (real or not) after which each attempt on it waits."""
    slow_seconds: float = Field(1.0, ge=0)
    """The first wait; it doubles with each further failure."""
    max_wait_seconds: float = Field(30, ge=0)
    """The longest an attempt waits: the right password always gets in after at most this."""
    client_slow_after: int = Field(10, ge=1)
    """Failed logins from one address, whatever the user names, after which its attempts
    wait."""
    all_slow_after: int = Field(100, ge=1)
    """Failed logins from everywhere together after which every attempt waits (password
    spraying from many addresses)."""
    forget_minutes: float = Field(15, gt=0)
    """A count of failed logins is forgotten this long after its last failure."""
    trusted_proxies: list[str] = []
    """Addresses of reverse proxies whose `X-Forwarded-For` names the real client (for the
    throttle and the audit log); empty: the connecting address is the client."""
    stale_hours: float = Field(36, gt=0)
    """A source whose last good load is older than this is shown as stale."""
    secure_cookies: bool | None = None
    """Always set the Secure flag on cookies (behind a TLS proxy); unset: when the request
    came over HTTPS."""
    password_login: bool = True
    """False: only single sign-on logs in (needs `[web.oidc]`)."""
    oidc: OidcSettings | None = None
    """Single sign-on; see docs/web.md."""

    @model_validator(mode="before")
    @classmethod
    def _no_lockout(cls, data: Any) -> Any:
        if isinstance(data, dict):
            gone = sorted(k for k in ("lock_after", "lock_minutes") if k in data)
            if gone:
                raise ValueError(f"{' and '.join(gone)}: failed logins no longer lock an "
                                 "account; they make its next attempts wait (slow_after, "
                                 "slow_seconds, max_wait_seconds, forget_minutes; docs/web.md)")
        return data

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        import ipaddress

        for address in value:
            try:
                ipaddress.ip_address(address)
            except ValueError:
                raise ValueError(f"{address!r} is not an IP address") from None
        return value

    @model_validator(mode="after")
    def _some_login(self) -> WebConfig:
        if not self.password_login and self.oidc is None:
            raise ValueError("password_login = false needs a [web.oidc] section, or nobody "
                             "could log in")
        return self


class AsanaSettings(_Strict):
    """Pushing goal values to Asana (docs/asana.md); the token is a secret, never here."""

    enabled: bool = True
    """Push after every collection and by `northstar asana push`; false stops every push
    without touching the metric files."""
    base_url: str = Field("https://app.asana.com/api/1.0", pattern=r"^https?://[^\s]+$")
    """Asana's API address (a proxy's, or a test server's)."""
    token_env: str | None = "ASANA_TOKEN"
    """Environment variable holding the personal access token or service account token, when
    the secrets file has no `asana.token`."""
    attempts: int = Field(4, ge=1, le=10)
    """Tries of one request when Asana throttles (429) or fails (5xx), the first included."""
    max_wait: float = Field(60.0, ge=0)
    """Longest wait between two tries, in seconds (a longer Retry-After gives up instead)."""
    timeout: float = Field(30.0, gt=0)
    """Seconds to wait for an answer before a try counts as failed."""


class LoadSettings(_Strict):
    """What `northstar load`, `load-mapped` and the reference files accept (`[load]`): a file
    past one of these is refused before it is read whole, with the line at fault."""

    max_columns: int = Field(2000, ge=1)
    """Columns a file may have (a CSV header's fields, a JSON Lines file's distinct keys)."""
    max_line_length: int = Field(1_000_000, ge=1000)
    """Characters one line of the file may hold."""
    max_file_megabytes: float = Field(512, gt=0)
    """Size of the file, in megabytes (10^6 bytes)."""

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_megabytes * 1_000_000)


class AskModelSettings(_Strict):
    """A language model that reads the questions the built-in reader cannot (`[ask.model]`,
    docs/ask.md): any endpoint that speaks OpenAI's chat completions API. It only turns a
    question into a plan; every number still comes from the metric layer."""

    base_url: str = Field(pattern=r"^https?://[^\s]+$")
    """The endpoint, e.g. `http://127.0.0.1:11434/v1` (Ollama) or `https://api.openai.com/v1`."""
    model: str = Field(min_length=1)
    """The model's name at that endpoint, e.g. `llama3.1` or `gpt-4o-mini`."""
    api_key_env: str | None = None
    """Environment variable holding the API key (none: the endpoint needs no key, as a
    local one); the key is never written in northstar.toml."""
    timeout: float = Field(20, gt=0, le=300)
    """Seconds to wait for the endpoint; past it the built-in reader's answer stands."""
    mode: Literal["fallback", "always"] = "fallback"
    """`fallback`: only questions the built-in reader cannot read or would ask back go to the
    model; `always`: every question does (the built-in reader when it fails)."""


class AskSettings(_Strict):
    """Asking questions of the numbers (`[ask]`, docs/ask.md)."""

    model: AskModelSettings | None = None
    """The optional language model; off (none) by default."""


class Settings(_Strict):
    company: CompanySettings = CompanySettings()
    engine: EngineSettings = EngineSettings()
    freeze: FreezeSettings = FreezeSettings()
    ownership: dict[str, OwnershipRule] = {}
    """Per raw object (e.g. `payments`), which source owns the fact."""
    schedule: ScheduleSettings = ScheduleSettings()
    web: WebConfig = WebConfig()
    asana: AsanaSettings = AsanaSettings()
    load: LoadSettings = LoadSettings()
    ask: AskSettings = AskSettings()
    vars: dict[str, str | int | float | bool] = {}
    """Values the project's model and check files read with `{{ var('name', default) }}`
    (docs/packs.md), e.g. the marketplace's `linked_payout_share_min`."""


def _apply_env(data: dict[str, Any], environ: dict[str, str]) -> dict[tuple[str, ...], str]:
    """Put `NORTHSTAR__SECTION__KEY` values into the parsed file; returns key path -> variable
    name, so a bad value is reported against the variable rather than a line of the file."""
    applied: dict[tuple[str, ...], str] = {}
    for name, value in environ.items():
        if not name.startswith("NORTHSTAR__"):
            continue
        parts = [p.lower() for p in name.split("__")[1:] if p]
        node = data
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if parts:
            node[parts[-1]] = value
            applied[tuple(parts)] = name
    return applied


def load_settings(folder: Path, environ: dict[str, str] | None = None) -> Settings:
    path = folder / CONFIG_FILE
    data, lines = load_toml(path)
    from_env = _apply_env(data, dict(os.environ if environ is None else environ))
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        loc = tuple(str(p) for p in exc.errors()[0]["loc"])
        for key, name in from_env.items():
            if loc[:len(key)] == key:
                raise config_error(exc, Path(f"environment variable {name}"), {}) from None
        raise config_error(exc, path, lines) from None


DEFAULT_TOML = """\
# Northstar project settings. Every key is optional; these are the defaults.

[company]
name = "{name}"
timezone = "{timezone}"          # period bounds are local midnights here
fiscal_year_start_month = {fiscal}  # a fiscal year is named by the year it ends in

[engine]
url = "{url}"   # or postgresql://user@host:5432/db

[freeze]
closed_periods = true    # freeze metric values of closed periods
after_days = 10          # grace days after a period ends before its numbers freeze:
                         # late rows still count until then (about a month-end close)

# The web app (docs/web.md): sessions, login throttling, single sign-on ([web.oidc]).
# [web]
# idle_minutes = 30
# absolute_hours = 12

# What `northstar load` and `load-mapped` accept (docs/cli.md); a file past these is refused:
# [load]
# max_columns = 2000
# max_line_length = 1000000
# max_file_megabytes = 512

# When two sources report the same fact, name the one that wins:
# [ownership.payments]
# owner = "stripe"
# key = "payment_ref"
# fields = ["amount"]
"""
