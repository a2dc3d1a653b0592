"""Bill.com (the BILL v3 API): bills with their approval and payment status, and vendors with
what says whether they can be paid (their BILL network connection, a bank account on file)
and whether their W-9 is in (tracked for 1099 with a tax id on file).

Auth: a session. `POST /v3/login` with the user name, password, organization id and developer
key answers a `sessionId`; every later call sends the `devKey` and `sessionId` headers. A
session ends after 35 minutes without a call (each call starts the 35 minutes again), so the
client logs in again before a call that comes later than that, and once more when the API
says the session is invalid (`BDC_1109`, or an HTTP 401). Logins are limited to 200 an hour
per developer key: a run logs in once.

Lists are `GET /v3/bills` and `GET /v3/vendors` with `max` (1 to 100 a page), `sort=
updatedTime:asc`, `filters=updatedTime:gte:"<UTC time>"` from the cursor (less a few minutes)
and `page=<nextPage>` until an answer has no `nextPage`. Archived records are collected too
(`archived` true): a bill archived in Bill.com leaves the overdue list.

Limits: 20,000 calls an hour per developer key (`BDC_1144`: the API wants the next hour, more
than a run waits; the run fails and the next one continues) and 3 calls at once per developer
key and organization (`BDC_1322`: one second, then again). Error bodies are JSON arrays of
`{code, severity, category, message}`."""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pyarrow as pa

from northstar.sources.auth import TokenAuth
from northstar.sources.base import MONEY, TS, Connector, ObjectSpec, Record, Row, TableSpec
from northstar.sources.config import SourceConfig
from northstar.sources.http import ApiClient, SourceError, vendor_message
from northstar.sources.paging import cursor_pages
from northstar.sources.secrets import Secret, SecretStore
from northstar.sources.values import RecordError, boolean, day, money, text, timestamp

S, B, D = pa.string(), pa.bool_(), pa.date32()
MAX_PAGE = 100
LOOKBACK = timedelta(minutes=10)
SESSION_IDLE = 35 * 60.0
"""Seconds a session lives without a call."""
CONCURRENT_WAIT = 1.0
"""Seconds to wait after `BDC_1322` (more than 3 calls at once)."""
HOURLY_WAIT = 3600.0
"""Seconds asked after `BDC_1144` (the hour's calls are spent): longer than a run waits."""
SESSION_INVALID = "BDC_1109"

_BILLS = TableSpec("billcom_bills", (
    ("id", S), ("vendor_id", S), ("vendor_name", S), ("invoice_number", S),
    ("invoice_date", D), ("due_date", D), ("amount", MONEY), ("due_amount", MONEY),
    ("payment_status", S), ("approval_status", S), ("archived", B), ("created_time", TS),
    ("updated_time", TS),
))
_VENDORS = TableSpec("billcom_vendors", (
    ("id", S), ("name", S), ("short_name", S), ("email", S), ("network_status", S),
    ("bank_account_on_file", B), ("track_1099", B), ("tax_id_on_file", B), ("archived", B),
    ("created_time", TS), ("updated_time", TS),
))
PATHS = {"bills": "/v3/bills", "vendors": "/v3/vendors"}


def bill_time(moment: datetime) -> str:
    """A naive UTC moment as Bill.com's filters take it (`2026-01-01T00:00:00.000Z`)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def error_codes(body: Any) -> list[str]:
    """The `code` of each error in a v3 error body (a JSON array)."""
    if not isinstance(body, list):
        return []
    return [str(e["code"]) for e in body if isinstance(e, dict) and e.get("code")]


def _throttled(status: int, headers: httpx.Headers, body: Any) -> float | None:
    codes = error_codes(body)
    if "BDC_1322" in codes:
        return CONCURRENT_WAIT
    if "BDC_1144" in codes:
        return HOURLY_WAIT
    return None


class SessionAuth(httpx.Auth):
    """A Bill.com session: logged in on first use, again after 35 idle minutes (on the
    steady clock the OAuth grants use, `TokenAuth.clock`) and once when a call is refused
    for an invalid session."""

    requires_response_body = True
    MARGIN = 60.0

    def __init__(self, source: str, login_url: str, *, username: Secret, password: Secret,
                 organization_id: str, dev_key: Secret, timeout: float = 30.0) -> None:
        self.source = source
        self.login_url = login_url
        self._credentials = (username, password, dev_key)
        self.organization_id = organization_id
        self.timeout = timeout
        self._session: Secret | None = None
        self._last = 0.0
        self.logins = 0

    def login(self) -> None:
        username, password, dev_key = self._credentials
        form = {"username": username.reveal(), "password": password.reveal(),
                "organizationId": self.organization_id, "devKey": dev_key.reveal()}
        try:
            response = httpx.post(self.login_url, json=form, timeout=self.timeout,
                                  headers={"Accept": "application/json"})
        except httpx.TransportError as exc:
            raise SourceError(f"{self.source}: could not reach the login endpoint "
                              f"({type(exc).__name__})") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict) \
                or not body.get("sessionId"):
            raise SourceError(
                f"{self.source}: POST {httpx.URL(self.login_url).path} refused the login "
                f"(HTTP {response.status_code}: {vendor_message(body) or 'no detail'}); check "
                "the user name, password, organization id and developer key (sandbox and "
                "production keys differ)")
        self._session = Secret(str(body["sessionId"]))
        self._last = TokenAuth.clock()
        self.logins += 1

    def _sign(self, request: httpx.Request) -> None:
        assert self._session is not None
        request.headers["devKey"] = self._credentials[2].reveal()
        request.headers["sessionId"] = self._session.reveal()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._session is None or TokenAuth.clock() - self._last > SESSION_IDLE - self.MARGIN:
            self.login()
        self._sign(request)
        response = yield request
        self._last = TokenAuth.clock()
        if _session_refused(response):  # ended early (a logout elsewhere): once more
            self.login()
            self._sign(request)
            response = yield request
            self._last = TokenAuth.clock()


def _session_refused(response: httpx.Response) -> bool:
    if response.status_code == 401:
        return True
    if response.status_code < 400:
        return False
    try:
        return SESSION_INVALID in error_codes(response.json())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False


def _organization(cfg: SourceConfig, store: SecretStore) -> str:
    found = (cfg.organization_id or "").strip()
    return found or store.require(cfg.name, "organization_id", None).reveal()


class BillCom(Connector):
    kind = "billcom"
    default_base_url = "https://gateway.prod.bill.com/connect"
    objects = (
        ObjectSpec("vendors", (_VENDORS,), lookback=LOOKBACK),
        ObjectSpec("bills", (_BILLS,), lookback=LOOKBACK),
    )

    @classmethod
    def open_client(cls, cfg: SourceConfig, store: SecretStore) -> ApiClient:
        base = (cfg.base_url or cls.default_base_url).rstrip("/")
        auth = SessionAuth(
            cfg.name, base + "/v3/login",
            username=store.require(cfg.name, "username", cfg.username_env),
            password=store.require(cfg.name, "password", cfg.password_env),
            organization_id=_organization(cfg, store),
            dev_key=store.require(cfg.name, "dev_key", cfg.dev_key_env),
            timeout=cfg.retry.timeout)
        return ApiClient(cfg.name, base, cfg.retry, auth=auth,
                         headers={"Accept": "application/json"}, transient=_throttled)

    # -- fetching --------------------------------------------------------------------------
    def fetch(self, obj: str, since: datetime | None) -> Iterator[list[Record]]:
        path = PATHS[obj]
        params: dict[str, Any] = {"max": self.page_size(MAX_PAGE), "sort": "updatedTime:asc"}
        if since is not None:
            params["filters"] = f'updatedTime:gte:"{bill_time(since)}"'

        def page(token: str | None) -> tuple[list[Record], str | None]:
            body = self.client.request("GET", path,
                                       params={**params, **({"page": token} if token else {})})
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise SourceError(f"{self.cfg.name}: GET {path} answered "
                                  f"{type(body).__name__} without a `results` list where a "
                                  "page was expected")
            nxt = body.get("nextPage")
            if nxt is not None and not isinstance(nxt, str):
                raise SourceError(f"{self.cfg.name}: GET {path} answered nextPage {nxt!r}, "
                                  "not a page token")
            for record in body["results"]:
                if not isinstance(record, dict):
                    raise RecordError(f"GET {path} listed a {type(record).__name__}, not a "
                                      "record")
            return body["results"], nxt or None

        yield from cursor_pages(page)

    # -- mapping ---------------------------------------------------------------------------
    def modified(self, obj: str, record: Record) -> datetime | None:
        return timestamp(record.get("updatedTime"))

    def rows(self, obj: str, record: Record) -> Iterator[tuple[str, Row]]:
        try:
            yield self._row(obj, record)
        except RecordError as exc:
            raise RecordError(f"{obj} {record.get('id')!r}: {exc}") from None

    def _row(self, obj: str, r: Record) -> tuple[str, Row]:
        rid = text(r.get("id"))
        if rid is None:
            raise RecordError("a record has no id")
        base: Row = {"id": rid, "archived": boolean(r.get("archived")),
                     "created_time": timestamp(r.get("createdTime")),
                     "updated_time": timestamp(r.get("updatedTime"))}
        if obj == "bills":
            invoice = _object(r.get("invoice"), "invoice")
            return _BILLS.key, {
                **base, "vendor_id": text(r.get("vendorId")),
                "vendor_name": text(r.get("vendorName")),
                "invoice_number": text(invoice.get("invoiceNumber")),
                "invoice_date": day(invoice.get("invoiceDate")), "due_date": day(r.get("dueDate")),
                "amount": money(r.get("amount")), "due_amount": money(r.get("dueAmount")),
                "payment_status": text(r.get("paymentStatus")),
                "approval_status": text(r.get("approvalStatus"))}
        payment = _object(r.get("paymentInformation"), "paymentInformation")
        return _VENDORS.key, {
            **base, "name": text(r.get("name")), "short_name": text(r.get("shortName")),
            "email": text(r.get("email")), "network_status": text(r.get("networkStatus")),
            "bank_account_on_file": text(payment.get("accountNumber")) is not None,
            "track_1099": boolean(r.get("track1099")),
            # whether a tax id is on file, never the number itself
            "tax_id_on_file": text(r.get("taxId")) is not None}


def _object(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RecordError(f"expected an object in {name}, got {value!r}")
    return value
