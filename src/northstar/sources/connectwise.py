"""ConnectWise Manage (PSA, REST 3.0): service boards, tickets, time entries, companies,
agreements and agreement additions.

Auth: HTTP Basic `{company}+{publicKey}:{privateKey}` (an API member's keys) plus the
integration's `clientId` header on every request; answers are pinned to one API version
through `Accept`. Lists are bare JSON arrays, ordered `id asc`, at most 1,000 a page. Tickets
and time entries (the big lists) use forward-only paging (header `pagination-type:
forward-only`; `pageId` acts as `id > pageId`); the others `page`/`pageSize`. Both follow the
`Link: <...>; rel="next"` header; an empty page or one without a next link is the last.

Incremental: `conditions=lastUpdated >= [2026-01-01T00:00:00Z]` from the cursor, the newest
`_info.lastUpdated` read. `>=` rather than `>`: the times have whole seconds, so a record changed
later in the cursor's second is not skipped (those already read are not appended again). Pages
come in id order, not change order: a record edited during a run after its page was read can be
older than the newest time read, so each run re-reads a look-back day before the cursor.

Agreement additions live under their agreement (`/finance/agreements/{id}/additions`); there is
no list of all additions. Each run lists every agreement's id (`fields=id`, paged), then asks
each agreement for its additions changed since the cursor (the same conditions): one request per
agreement per run, since a changed addition is not known to move its agreement's `lastUpdated`.
The cursor is the newest addition's `_info.lastUpdated`. Deleted records are simply no longer
listed (ConnectWise has no tombstones); they keep their last version."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pyarrow as pa

from northstar.sources.auth import BasicAuth
from northstar.sources.base import MONEY, TS, Connector, ObjectSpec, Record, Row, TableSpec
from northstar.sources.config import SourceConfig
from northstar.sources.http import ApiClient, SourceError
from northstar.sources.paging import cursor_pages
from northstar.sources.secrets import Secret, SecretStore
from northstar.sources.values import RecordError, boolean, day, quantity, text, timestamp

S, B, D = pa.string(), pa.bool_(), pa.date32()
HOURS, QTY = pa.decimal128(12, 2), pa.decimal128(18, 4)
API_PATH = "/v4_6_release/apis/3.0"
ACCEPT = "application/vnd.connectwise.com+json; version=2022.1"
MAX_PAGE = 1000
LOOKBACK = timedelta(days=1)

_BOARDS = TableSpec("cw_boards", (
    ("id", S), ("name", S), ("location", S), ("department", S), ("inactive", B),
    ("updated_at", TS),
))
_TICKETS = TableSpec("cw_tickets", (
    ("id", S), ("summary", S), ("record_type", S), ("board_id", S), ("board", S), ("status", S),
    ("company_id", S), ("company", S), ("priority", S), ("owner", S), ("parent_ticket_id", S),
    ("date_entered", TS), ("closed_date", TS), ("closed_flag", B), ("actual_hours", HOURS),
    ("updated_at", TS), ("client_id", S),
))
_TIME = TableSpec("cw_time_entries", (
    ("id", S), ("charge_to_type", S), ("charge_to_id", S), ("member", S), ("company_id", S),
    ("time_start", TS), ("time_end", TS), ("actual_hours", HOURS), ("billable_option", S),
    ("work_type", S), ("date_entered", TS), ("updated_at", TS), ("client_id", S),
))
_COMPANIES = TableSpec("cw_companies", (
    ("id", S), ("identifier", S), ("name", S), ("status", S), ("type", S), ("deleted", B),
    ("date_entered", TS), ("updated_at", TS), ("client_id", S),
))
_AGREEMENTS = TableSpec("cw_agreements", (
    ("id", S), ("name", S), ("type", S), ("company_id", S), ("start_date", D), ("end_date", D),
    ("cancelled_flag", B), ("no_ending_date", B), ("bill_amount", MONEY), ("billing_cycle", S),
    ("updated_at", TS), ("client_id", S),
))
_ADDITIONS = TableSpec("cw_agreement_additions", (
    ("id", S), ("agreement_id", S), ("product", S), ("description", S), ("quantity", QTY),
    ("unit_price", MONEY), ("unit_cost", MONEY), ("effective_date", D), ("cancelled_date", D),
    ("bill_customer", S), ("updated_at", TS),
))
# object: (path, forward-only paging)
_LISTS = {"boards": ("/service/boards", False), "tickets": ("/service/tickets", True),
          "time_entries": ("/time/entries", True), "companies": ("/company/companies", False),
          "agreements": ("/finance/agreements", False)}
_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')


def _cw_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ref(value: Any, key: str = "name") -> str | None:
    """One field of a reference object such as `board: {id, name, _info}`."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RecordError(f"expected a reference object, got {value!r}")
    return text(value.get(key))


def _info(record: Record, key: str) -> Any:
    info = record.get("_info")
    return info.get(key) if isinstance(info, dict) else None


class ConnectWise(Connector):
    kind = "connectwise"
    default_base_url = "https://api-na.myconnectwise.net"
    objects = (
        ObjectSpec("boards", (_BOARDS,), lookback=LOOKBACK),
        ObjectSpec("companies", (_COMPANIES,), lookback=LOOKBACK),
        ObjectSpec("tickets", (_TICKETS,), lookback=LOOKBACK),
        ObjectSpec("time_entries", (_TIME,), lookback=LOOKBACK),
        ObjectSpec("agreements", (_AGREEMENTS,), lookback=LOOKBACK),
        ObjectSpec("agreement_additions", (_ADDITIONS,), lookback=LOOKBACK),
    )

    @classmethod
    def open_client(cls, cfg: SourceConfig, store: SecretStore) -> ApiClient:
        company = cfg.company or store.require(cfg.name, "company", None).reveal()
        public = store.require(cfg.name, "public_key", cfg.public_key_env)
        private = store.require(cfg.name, "private_key", cfg.token_env)
        client_id = store.require(cfg.name, "client_id", cfg.client_id_env)
        site = cfg.site if cfg.site is None or "://" in cfg.site else f"https://{cfg.site}"
        host = cfg.base_url or site or cls.default_base_url
        auth = BasicAuth(Secret(f"{company}+{public.reveal()}"), private)
        return ApiClient(cfg.name, host.rstrip("/") + API_PATH, cfg.retry, auth=auth,
                         headers={"clientId": client_id.reveal(), "Accept": ACCEPT})

    # -- fetching --------------------------------------------------------------------------
    def fetch(self, obj: str, since: datetime | None) -> Iterator[list[Record]]:
        if obj != "agreement_additions":
            path, forward = _LISTS[obj]
            yield from self._list(path, since, forward=forward)
            return
        for agreements in self._list("/finance/agreements", None, forward=False, fields="id"):
            for agreement in agreements:
                parent = text(agreement.get("id"))
                for page in self._list(f"/finance/agreements/{parent}/additions", since,
                                       forward=False):
                    if page:
                        yield [{**r, "agreementId": r.get("agreementId") or parent}
                               for r in page]

    def _list(self, path: str, since: datetime | None, *, forward: bool,
              fields: str | None = None) -> Iterator[list[Record]]:
        params: dict[str, Any] = {"pageSize": self.page_size(MAX_PAGE), "orderBy": "id asc"}
        if since is not None:
            params["conditions"] = f"lastUpdated >= [{_cw_time(since)}]"
        if fields:
            params["fields"] = fields
        if not forward:
            params["page"] = 1
        headers = {"pagination-type": "forward-only"} if forward else None

        def page(link: str | None) -> tuple[list[Record], str | None]:
            body = self.client.request("GET", link or path, params=None if link else params,
                                       headers=headers)
            if not isinstance(body, list) or not all(isinstance(r, dict) for r in body):
                raise SourceError(f"{self.cfg.name}: GET {path} answered "
                                  f"{type(body).__name__} where a JSON array of records was "
                                  "expected")
            return body, (self._next_link() if body else None)

        yield from cursor_pages(page)

    def _next_link(self) -> str | None:
        found = _NEXT.search(self.client.headers.get("Link", ""))
        if not found:
            return None
        link, base = httpx.URL(found.group(1)), self.client.http.base_url
        if (link.scheme, link.host, link.port) != (base.scheme, base.host, base.port):
            raise SourceError(f"{self.cfg.name}: the next-page link points to another server "
                              f"({link.host}); not followed")
        return str(link)

    # -- mapping ---------------------------------------------------------------------------
    def modified(self, obj: str, record: Record) -> datetime | None:
        when = timestamp(_info(record, "lastUpdated"))
        if when is None:
            raise RecordError(f"{obj} {record.get('id')!r} has no _info.lastUpdated")
        return when

    def rows(self, obj: str, record: Record) -> Iterator[tuple[str, Row]]:
        try:
            yield self._row(obj, record)
        except RecordError as exc:
            raise RecordError(f"{obj} {record.get('id')!r}: {exc}") from None

    def _row(self, obj: str, r: Record) -> tuple[str, Row]:
        rid, updated = text(r.get("id")), timestamp(_info(r, "lastUpdated"))
        if rid is None:
            raise RecordError("a record has no id")
        entered = timestamp(_info(r, "dateEntered") or r.get("dateEntered"))
        if obj == "boards":
            return "cw_boards", {
                "id": rid, "name": text(r.get("name")), "location": _ref(r.get("location")),
                "department": _ref(r.get("department")),
                "inactive": boolean(r.get("inactiveFlag")), "updated_at": updated}
        if obj == "tickets":
            company = _ref(r.get("company"), "id")
            return "cw_tickets", {
                "id": rid, "summary": text(r.get("summary")),
                "record_type": text(r.get("recordType")), "board_id": _ref(r.get("board"), "id"),
                "board": _ref(r.get("board")), "status": _ref(r.get("status")),
                "company_id": company, "company": _ref(r.get("company")),
                "priority": _ref(r.get("priority")), "owner": _ref(r.get("owner"), "identifier"),
                "parent_ticket_id": text(r.get("parentTicketId")), "date_entered": entered,
                "closed_date": timestamp(r.get("closedDate")),
                "closed_flag": boolean(r.get("closedFlag")),
                "actual_hours": quantity(r.get("actualHours"), 2), "updated_at": updated,
                "client_id": company}
        if obj == "time_entries":
            company = _ref(r.get("company"), "id")
            return "cw_time_entries", {
                "id": rid, "charge_to_type": text(r.get("chargeToType")),
                "charge_to_id": text(r.get("chargeToId")),
                "member": _ref(r.get("member"), "identifier"), "company_id": company,
                "time_start": timestamp(r.get("timeStart")),
                "time_end": timestamp(r.get("timeEnd")),
                "actual_hours": quantity(r.get("actualHours"), 2),
                "billable_option": text(r.get("billableOption")),
                "work_type": _ref(r.get("workType")), "date_entered": entered,
                "updated_at": updated, "client_id": company}
        if obj == "companies":
            types = r.get("types")
            kind = (", ".join(n for n in (_ref(t) for t in types) if n) or None
                    if isinstance(types, list) else _ref(r.get("type")))
            return "cw_companies", {
                "id": rid, "identifier": text(r.get("identifier")), "name": text(r.get("name")),
                "status": _ref(r.get("status")), "type": kind,
                "deleted": boolean(r.get("deletedFlag")), "date_entered": entered,
                "updated_at": updated, "client_id": rid}
        if obj == "agreements":
            company = _ref(r.get("company"), "id")
            return "cw_agreements", {
                "id": rid, "name": text(r.get("name")), "type": _ref(r.get("type")),
                "company_id": company, "start_date": day(r.get("startDate")),
                "end_date": day(r.get("endDate")),
                "cancelled_flag": boolean(r.get("cancelledFlag")),
                "no_ending_date": boolean(r.get("noEndingDateFlag")),
                "bill_amount": quantity(r.get("billAmount"), 2),
                "billing_cycle": _ref(r.get("billingCycle")), "updated_at": updated,
                "client_id": company}
        return "cw_agreement_additions", {
            "id": rid, "agreement_id": text(r.get("agreementId")),
            "product": _ref(r.get("product"), "identifier"),
            "description": text(r.get("description")), "quantity": quantity(r.get("quantity")),
            "unit_price": quantity(r.get("unitPrice"), 2),
            "unit_cost": quantity(r.get("unitCost"), 2),
            "effective_date": day(r.get("effectiveDate")),
            "cancelled_date": day(r.get("cancelledDate")),
            "bill_customer": text(r.get("billCustomer")), "updated_at": updated}
