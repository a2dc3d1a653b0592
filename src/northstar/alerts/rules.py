"""`alerts.yml`: when Northstar tells someone, whom, through which channel, and the weekly
digest. docs/alerts.md is the reference for users; this is the typed file.

The file holds no secret: a webhook URL, a bot token or the SMTP password is read from an
environment variable named in the file, or from the secrets file (`alerts.<name>`)."""

from __future__ import annotations

import re
from datetime import time as dtime
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from northstar.alerts import ALERTS_FILE
from northstar.errors import ConfigError
from northstar.files import Loc, load_yaml, validate

__all__ = ["ALERTS_FILE", "AlertsFile", "Channel", "DigestSettings", "EmailSettings", "Rule",
           "duration", "load_alerts", "parse_alerts"]

KINDS = ("status", "threshold", "finding", "source", "check")
STATUSES = ("green", "yellow", "red", "grey")
PEOPLE = ("owner", "lead")
"""Recipients that are people: the metric's owner, its department's lead(s)."""
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def duration(text: str | int | float | timedelta) -> timedelta:
    """`30m`, `24h`, `7d` (or 0) as a timedelta."""
    if isinstance(text, timedelta):
        return text
    if isinstance(text, int | float) and not isinstance(text, bool) and text == 0:
        return timedelta(0)
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a duration: write minutes, hours or days as "
                         "30m, 24h or 7d")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class EmailSettings(_Strict):
    """The SMTP server alerts and digests are sent through (`email:`)."""

    host: str = Field(min_length=1)
    """The SMTP server's host name."""
    port: int = Field(587, ge=1, le=65535)
    """587 for STARTTLS (the usual), 465 for TLS from the start, 25 inside a network."""
    security: Literal["starttls", "tls", "none"] = "starttls"
    """`starttls`: upgrade the connection before logging in; `tls`: TLS from the first byte;
    `none`: plain (only for a relay on this machine or network)."""
    username: str | None = None
    """Log in as this user (the password is a secret: `password_env` or the secrets file)."""
    password_env: str | None = None
    """Environment variable holding the password (else `alerts.smtp_password` in the secrets
    file)."""
    sender: str = Field(alias="from", min_length=3)
    """The From address, e.g. `Northstar <kpi@example.com>`."""
    ca_file: str | None = None
    """A CA certificate (PEM) to trust for the server, for a company's own certificate
    authority; relative to the project folder."""
    timeout: float = Field(20, gt=0)
    """Seconds to wait for the server."""

    @model_validator(mode="after")
    def _login_needs_tls(self) -> EmailSettings:
        if self.username and self.security == "none":
            raise ValueError("a password is never sent in clear: with a username, security "
                             "must be starttls or tls")
        return self


class Channel(_Strict):
    """A named place alerts go to besides people (`channels:`)."""

    kind: Literal["email", "slack", "teams"]
    to: list[str] = []
    """email: the addresses."""
    webhook_env: str | None = None
    """slack or teams: environment variable holding the incoming webhook URL (else
    `alerts.<channel>` in the secrets file, key `webhook`)."""
    token_env: str | None = None
    """slack with a bot token instead of a webhook: environment variable holding the token
    (else key `token` in the secrets file); needs `channel`."""
    channel: str | None = None
    """slack with a bot token: the channel to post in (`#sales` or its id)."""
    api_url: str = "https://slack.com/api"
    """slack with a bot token: the Web API's address."""

    @model_validator(mode="after")
    def _complete(self) -> Channel:
        if self.kind == "email":
            if not self.to or any("@" not in a for a in self.to):
                raise ValueError("an email channel needs `to:`, a list of addresses")
        elif self.to:
            raise ValueError(f"`to:` is for email channels; a {self.kind} channel posts to "
                             "its webhook")
        if self.kind == "teams" and (self.token_env or self.channel):
            raise ValueError("a teams channel posts to an incoming webhook (webhook_env)")
        if self.kind == "slack" and self.token_env and not self.channel:
            raise ValueError("a slack bot token needs `channel:` to post in")
        return self

    @property
    def uses_token(self) -> bool:
        return self.kind == "slack" and (self.token_env is not None or self.channel is not None)


class Rule(_Strict):
    """One rule: when to alert (`when` and its options) and whom (`notify`)."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    """Names the rule in the alert log; changing it starts the rule afresh."""
    when: Literal["status", "threshold", "finding", "source", "check"]
    """status: a metric's status changes into one of `to`; threshold: its value crosses
    `above` or `below`; finding: a data-quality finding appears; source: a source fails or
    goes stale; check: a data check fails."""
    notify: list[str] = Field(min_length=1)
    """`owner`, `lead` (the metric's department lead), or the name of a channel."""
    quiet: Annotated[timedelta | None, Field(validate_default=True)] = None
    """After an alert, further changes of the same subject within this long are logged but
    not sent (default: the file's `quiet`)."""
    metrics: list[str] = []
    """status, threshold, finding: the metrics it watches (default: every metric)."""
    to: list[Literal["green", "yellow", "red", "grey"]] = ["red"]
    """status: the statuses that alert when a metric enters them."""
    above: float | None = None
    """threshold: alert when the value goes above this (in the metric's unit)."""
    below: float | None = None
    """threshold: alert when the value goes below this."""
    sources: list[str] = []
    """source: the sources it watches (default: every source)."""
    states: list[Literal["failed", "stale"]] = ["failed", "stale"]
    """source: what alerts: the last load failed, or no good load for too long."""
    checks: list[str] = []
    """check: the checks it watches (default: every check)."""
    severity: Literal["error", "any"] = "error"
    """check: `error` (only error-severity checks) or `any` (warnings too)."""

    @field_validator("quiet", mode="before")
    @classmethod
    def _quiet(cls, v: Any) -> Any:
        return None if v is None else duration(v)

    @model_validator(mode="after")
    def _options_fit(self) -> Rule:
        own = {"status": {"metrics", "to"}, "threshold": {"metrics", "above", "below"},
               "finding": {"metrics"}, "source": {"sources", "states"},
               "check": {"checks", "severity"}}[self.when]
        every = {"metrics", "to", "above", "below", "sources", "states", "checks", "severity"}
        stray = sorted((every - own) & self.model_fields_set)
        if stray:
            raise ValueError(f"{', '.join(stray)} do not apply to a `when: {self.when}` rule")
        if self.when == "threshold" and (self.above is None) == (self.below is None):
            raise ValueError("a threshold rule gives one of `above` or `below`")
        if self.when in ("source", "check"):
            people = [r for r in self.notify if r in PEOPLE]
            if people:
                raise ValueError(f"{people[0]} is a metric's person; a {self.when} rule "
                                 "notifies a channel")
        return self


class DigestSettings(_Strict):
    """The weekly digest (`digest:`): each person's metric, and for leads their department."""

    enabled: bool = True
    day: str = "monday"
    """The weekday it is sent on."""
    time: dtime = dtime(7, 0)
    """The local time it is sent at, in the company's timezone (northstar.toml)."""
    people: list[str] = []
    """Only these person ids (default: everyone with an email who owns a metric or leads)."""

    @field_validator("day")
    @classmethod
    def _day(cls, v: str) -> str:
        if v.lower() not in _DAYS:
            raise ValueError(f"day must be one of {', '.join(_DAYS)}")
        return v.lower()

    @property
    def cron(self) -> str:
        """The send time as a crontab line (minute hour * * weekday)."""
        return f"{self.time.minute} {self.time.hour} * * {self.day[:3]}"


class AlertsFile(_Strict):
    """The whole of alerts.yml."""

    base_url: str = Field("http://127.0.0.1:8000", pattern=r"^https?://\S+$")
    """The app's address as people open it: every message links to `<base_url>/metric/<name>`."""
    quiet: Annotated[timedelta, Field(validate_default=True)] = timedelta(hours=24)
    """Default quiet period of every rule."""
    schedule: str = "0 * * * *"
    """Besides after every collection, rules are evaluated on this crontab line (company
    timezone) while `northstar serve` runs: an open period's pace moves with time alone."""
    retries: int = Field(6, ge=0, le=20)
    """A failed delivery is tried again this many times, waiting 5 minutes, then twice as
    long each time (capped at 6 hours), before it is marked failed."""
    email: EmailSettings | None = None
    channels: dict[str, Channel] = {}
    digest: DigestSettings = DigestSettings()
    rules: list[Rule] = []

    @field_validator("quiet", mode="before")
    @classmethod
    def _quiet(cls, v: Any) -> Any:
        return duration(v)

    @field_validator("schedule")
    @classmethod
    def _cron(cls, v: str) -> str:
        from northstar.schedule import crontab_trigger

        try:
            crontab_trigger(v)
        except ValueError as exc:
            raise ValueError(f"{v!r} is not a crontab line: {exc}") from None
        return v

    @field_validator("base_url")
    @classmethod
    def _no_slash(cls, v: str) -> str:
        return v.rstrip("/")

    @field_validator("channels")
    @classmethod
    def _channel_names(cls, v: dict[str, Channel]) -> dict[str, Channel]:
        for name in v:
            if name in PEOPLE or not re.match(r"^[a-z0-9][a-z0-9_\-]*$", name):
                raise ValueError(f"channel name {name!r}: lower-case letters, digits, - and _ "
                                 "(and not owner or lead)")
        return v

    @model_validator(mode="after")
    def _references(self) -> AlertsFile:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.name in seen:
                raise ValueError(f"rule name {rule.name!r} appears twice")
            seen.add(rule.name)
            for target in rule.notify:
                if target not in PEOPLE and target not in self.channels:
                    known = ", ".join([*PEOPLE, *self.channels])
                    raise ValueError(f"rule {rule.name}: notify {target!r} is neither a person "
                                     f"(owner, lead) nor a channel ({known})")
        needs_email = any(c.kind == "email" for c in self.channels.values()) or any(
            t in PEOPLE for r in self.rules for t in r.notify) or (
            self.digest.enabled and "digest" in self.model_fields_set)
        if needs_email and self.email is None:
            raise ValueError("people and email channels are reached by email: add an `email:` "
                             "section (the SMTP server)")
        return self

    def quiet_of(self, rule: Rule) -> timedelta:
        return rule.quiet if rule.quiet is not None else self.quiet


def parse_alerts(text: str, path: Path, metrics: set[str] | None = None) -> AlertsFile:
    """Parse alerts.yml's text (from the file or the admin page's editor): a mistake is a
    ConfigError naming the line. `metrics`, when given, are the names rules may refer to."""
    data, lines = load_yaml(path, text)
    return _validated(data, lines, path, metrics)


def _validated(data: Any, lines: dict[Loc, int], path: Path,
               metrics: set[str] | None) -> AlertsFile:
    if data is not None and not isinstance(data, dict):
        raise ConfigError("alerts.yml holds a mapping (rules:, channels:, email:...)",
                          path=str(path), line=1)
    parsed = validate(AlertsFile, data or {}, path, lines)
    if metrics is not None:
        for i, rule in enumerate(parsed.rules):
            for j, name in enumerate(rule.metrics):
                if name not in metrics:
                    raise ConfigError(f"rule {rule.name}: no metric {name!r}", path=str(path),
                                      line=lines.get(("rules", i, "metrics", j)))
    return parsed


def load_alerts(root: Path, metrics: set[str] | None = None) -> AlertsFile | None:
    """The project's alerts.yml, or None when it has none."""
    path = root / ALERTS_FILE
    if not path.is_file():
        return None
    data, lines = load_yaml(path)
    return _validated(data, lines, path, metrics)
