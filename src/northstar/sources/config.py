"""`sources.toml`: which systems to collect from, and how their records get their tags.

One table per source, named by the source (`[hubspot]`, `[books]`, ...). Example:

    [hubspot]
    kind = "hubspot"
    token_env = "HUBSPOT_TOKEN"
    objects = ["companies", "deals"]
    start_date = "2024-01-01"

    [[hubspot.tags]]
    tag = "department"
    value = "demand"

    [[hubspot.tags]]
    tag = "source_funnel"
    from = "first_touch_source"
    map = { PAID_SEARCH = "inbound", OFFLINE = "outbound" }
    default = "other"
    tables = ["contacts"]
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from northstar.errors import ConfigError
from northstar.files import load_toml, validate
from northstar.ledger.schema import TAGS, check_name

SOURCES_FILE = "sources.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TagRule(_Strict):
    """One declared rule that sets a tag on the rows a source writes."""

    tag: str
    """The tag to set: department, team, owner_id, client_id, source_funnel, utm_*."""
    value: str | None = None
    """A constant value."""
    from_: str | None = Field(None, alias="from")
    """Copy the value of this column of the mapped row."""
    map: dict[str, str] = {}
    """Translate copied values (`{PAID_SEARCH = "inbound"}`); unmapped values pass through."""
    default: str | None = None
    """Value when the copied column is empty (or not in `map`, when `strict_map` is on)."""
    strict_map: bool = False
    """Values missing from `map` become `default` instead of passing through."""
    when: dict[str, str] = {}
    """Apply only to rows whose columns equal these values."""
    tables: list[str] = []
    """Apply only to these raw tables (default: every table of the source)."""

    @field_validator("tag")
    @classmethod
    def _known_tag(cls, value: str) -> str:
        if value not in TAGS:
            raise ValueError(f"{value!r} is not a tag; tags are: {', '.join(TAGS)}")
        return value


class CheckRule(_Strict):
    """Data-quality checks on one raw table, run with every sync of its object."""

    table: str
    """The raw table checked (as named by the connector or `tables`)."""
    expect_rows: bool = False
    """A run that reads no rows for this table is recorded as a finding for review."""
    non_negative: list[str] = []
    """Columns that may not be negative: one negative value rejects the whole run."""
    change_of: str | None = None
    """Column summed per month; a jump of more than `max_change` between the last two closed
    months is recorded as a warning."""
    by: str | None = None
    """Date column that puts a row in a month (with `change_of`)."""
    max_change: float = Field(0.5, gt=0)
    """Largest month-over-month change (0.5 = 50%) before a warning."""


class RetrySettings(_Strict):
    """How hard to try when the vendor throttles or fails."""

    attempts: int = Field(8, ge=1)
    """Most tries per request (the first one included)."""
    backoff: float = Field(1.0, ge=0)
    """First back-off in seconds; doubles on each retry, with full jitter."""
    max_backoff: float = Field(60.0, ge=0)
    """Longest back-off of our own (a vendor's Retry-After is obeyed as sent)."""
    max_total: float = Field(300.0, ge=0)
    """Give up rather than wait past this many seconds on one request's retries."""
    timeout: float = Field(60.0, gt=0)
    """Seconds to wait for a response before the try counts as a dropped connection."""


class SourceConfig(_Strict):
    """One system to collect from."""

    name: str = ""
    """The source's name (the table's key in sources.toml); set by the loader."""
    kind: str
    """Which connector reads it."""
    base_url: str | None = None
    """Override the vendor's API address (a sandbox, a proxy, or a test server)."""
    token_url: str | None = None
    """Override the OAuth2 token endpoint (QuickBooks, NinjaOne, ServiceTitan)."""
    realm_id: str | None = None
    """QuickBooks company id (also read from the secret `realm_id`)."""
    quota_property: str | None = Field(None, pattern=r"^[a-z0-9_]+$")
    """HubSpot: the company property holding each company's sales quota (e.g. `total_quota`),
    read into `quotas` (docs/sources.md)."""
    site: str | None = None
    """ConnectWise Manage host, e.g. `api-na.myconnectwise.net` (`base_url` overrides it)."""
    company: str | None = None
    """ConnectWise company id, the one entered at login (also read from the secret `company`)."""
    tenant: str | None = None
    """ServiceTitan tenant id, the number in every API path."""
    location_id: str | None = None
    """GoHighLevel sub-account (location) id, the one every call names."""
    ad_account_id: str | None = None
    """Meta ad account id (`act_1234567890` or just the digits)."""
    customer_id: str | None = None
    """Google Ads customer id read (`123-456-7890` or the digits)."""
    login_customer_id: str | None = None
    """Google Ads manager (MCC) account the access goes through, sent as `login-customer-id`."""
    property_id: str | None = None
    """Google Analytics 4 property id (the number, `properties/` optional)."""
    organization_id: str | None = None
    """Bill.com organization id, the one the login names (also read from the secret
    `organization_id`)."""
    username_env: str | None = None
    """Environment variable holding the Bill.com user name (an email address)."""
    password_env: str | None = None
    """Environment variable holding the Bill.com user's password."""
    dev_key_env: str | None = None
    """Environment variable holding the Bill.com developer key (sent as `devKey`)."""
    api_version: str | None = None
    """Override the vendor API version in the path (Meta `v25.0`, Google Ads `v24`)."""
    events: list[str] = []
    """GA4: only these event names (default: every event)."""
    token_env: str | None = None
    """Environment variable holding the API token or secret key (ConnectWise: the private
    key)."""
    developer_token_env: str | None = None
    """Environment variable holding the Google Ads developer token (`developer-token`)."""
    public_key_env: str | None = None
    """Environment variable holding the ConnectWise API member's public key."""
    client_id_env: str | None = None
    """Environment variable holding the OAuth2 client id (QuickBooks), or ConnectWise's
    `clientId`."""
    client_secret_env: str | None = None
    """Environment variable holding the OAuth2 client secret (QuickBooks, NinjaOne,
    ServiceTitan)."""
    app_key_env: str | None = None
    """Environment variable holding the ServiceTitan app key (sent as `ST-App-Key`)."""
    refresh_token_env: str | None = None
    """Environment variable holding the first OAuth2 refresh token; rotated ones are kept in the
    secrets file."""
    objects: list[str] = []
    """Objects to collect, in order (default: all the connector knows)."""
    tables: dict[str, str] = {}
    """Rename raw tables: `{companies = "hubspot_companies"}`."""
    start_date: date | None = None
    """Where the first run starts (default: everything the vendor has)."""
    page_size: int | None = Field(None, ge=1)
    """Records per page (default: the vendor's maximum)."""
    batch_bytes: int = Field(8_000_000, ge=1_000)
    """Records are appended in loads of about this many bytes."""
    retry: RetrySettings = RetrySettings()
    """Retries and timeouts."""
    tags: list[TagRule] = []
    """Tag rules, applied in order; the first rule that gives a tag a value wins."""
    checks: list[CheckRule] = []
    """Data-quality checks run with every sync."""

    @field_validator("tables")
    @classmethod
    def _table_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value.values():
            check_name(name)
        return value


def load_sources(root: Path) -> dict[str, SourceConfig]:
    """Every source declared in the project's sources.toml (none when there is no file)."""
    path = root / SOURCES_FILE
    if not path.exists():
        return {}
    data, lines = load_toml(path)
    out: dict[str, SourceConfig] = {}
    for name, body in data.items():
        if not isinstance(body, dict):
            raise ConfigError(f"{name!r} must be a table ([{name}])", path=str(path),
                              line=lines.get((name,)))
        try:
            check_name(name, "source")
        except Exception as exc:
            raise ConfigError(str(exc), path=str(path), line=lines.get((name,))) from None
        cfg = validate(SourceConfig, body, path, lines, prefix=(name,))
        out[name] = cfg.model_copy(update={"name": name})
    return out


def get_source(root: Path, name: str) -> SourceConfig:
    sources = load_sources(root)
    if name not in sources:
        known = ", ".join(sorted(sources)) or f"none (no {SOURCES_FILE})"
        raise ConfigError(f"no source named {name!r}; sources: {known}")
    return sources[name]
