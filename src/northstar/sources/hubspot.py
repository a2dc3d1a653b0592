"""HubSpot CRM (v3): companies, contacts (first and last touch), owners, deal pipelines and
stages, deals with their company associations and the history of their stage and amount.

Auth: a private-app token (`Authorization: Bearer`). Companies, contacts and deals are read
with the search endpoint, filtered on the last-modified property (contacts use
`lastmodifieddate`, the others `hs_lastmodifieddate`) in epoch milliseconds, ascending. Search
stops at 10,000 results per query, so a long window is re-queried from the last timestamp
seen. Owners and pipelines have no changed-since filter and are read whole every run.

Deletions. After the live pages, companies, contacts and deals read HubSpot's archived list
(`GET /crm/v3/objects/{type}?archived=true`, same properties, cursor paging, up to 100 a page).
Search never returns archived records and cannot filter them by modification time, so the whole
list is read every run (it is usually short); a live record maps to `is_deleted = False`, an
archived one to a version with `is_deleted = True` and its properties as HubSpot returns them,
and the writer's `record_hash` dedupe keeps an unchanged tombstone from being appended again.
The base views leave out a record whose newest version is deleted; a record restored in HubSpot
is read back by the next incremental search with `is_deleted = False` (as long as restoring moves
its last-modified time, which we assume but have not confirmed).

- An archived record the ledger never had is still written, as a tombstone (harmless: the view
  leaves it out, and the ledger then says the record existed and was deleted). No ledger query
  decides what to fetch.
- Archived records never move the incremental cursor (`modified` is None for them; their
  `updated_at` column still holds their last-modified time): the list is read after the search
  pages, so an archive time later than a live change not yet read would otherwise skip it.
- An archived deal's associations are not read (HubSpot's association reads are for live
  records): its tombstone keeps the primary company of its newest version in the ledger, and
  its `deal_companies` rows are left as they are. Models reach them through `deals`, whose view
  drops the deal. An empty archived list adds no page to a run.

Quotas. With `quota_property` set in the source's settings (the marketplace seed's "total quota
from a HubSpot company property"), companies are read with that property too and each company
with a value gives a `quotas` row for the quarter the run is in (id `<company>-<quarter start>`,
its owner the seller): the value in force at the quarter's end is the one the quarter's last
run read. A run that finds no quota row of the current quarter in the ledger (the quarter's
first) reads every company, not only the changed ones, so each quarter gets its rows though
nobody touched the property; rows of past quarters stay as the ledger holds them. HubSpot's
goals (`/crm/v3/objects/goal_targets`) are not read: see docs/sources.md.

Deal property history. Search cannot return a property's history, so every page of changed
deals is read again through the batch read (`POST /crm/v3/objects/deals/batch/read`) with
`propertiesWithHistory: ["dealstage", "amount"]`, at most 50 deals a request (HubSpot's limit
when history is asked for). Each version becomes a row of `deal_property_history`: deal id,
property, value (an amount as a plain decimal, a cleared one as NULL), when it was set
(`changed_at`, UTC), HubSpot's `sourceType` and, for a stage, that stage's probability. A
version's id is deal-property-millisecond, so the versions a deal already had are not
appended again when it changes. A deal deleted between the search and the batch read is left
out of the answer (HTTP 207), and an archived deal's history is not read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any, ClassVar

import pyarrow as pa

from northstar.sources.auth import BearerAuth
from northstar.sources.base import MONEY, TS, Connector, ObjectSpec, Record, Row, TableSpec
from northstar.sources.config import SourceConfig
from northstar.sources.http import ApiClient, SourceError
from northstar.sources.paging import cursor_pages
from northstar.sources.secrets import SecretStore
from northstar.sources.values import RecordError, boolean, day, money, text, timestamp

S = pa.string()

_CUSTOMERS = TableSpec("customers", (
    ("id", S), ("name", S), ("domain", S), ("industry", S), ("lifecycle_stage", S),
    ("created_date", pa.date32()), ("created_at", TS), ("updated_at", TS), ("archived", pa.bool_()),
    ("is_deleted", pa.bool_()), ("owner_id", S), ("client_id", S),
))
_CONTACTS = TableSpec("contacts", (
    ("id", S), ("email", S), ("first_name", S), ("last_name", S), ("lifecycle_stage", S),
    ("company_id", S), ("first_touch_source", S), ("first_touch_detail", S),
    ("last_touch_source", S), ("last_touch_detail", S), ("created_at", TS), ("updated_at", TS),
    ("is_deleted", pa.bool_()), ("owner_id", S), ("client_id", S),
))
_OWNERS = TableSpec("owners", (
    ("id", S), ("email", S), ("first_name", S), ("last_name", S), ("user_id", S),
    ("archived", pa.bool_()), ("updated_at", TS),
))
_STAGES = TableSpec("deal_stages", (
    ("id", S), ("pipeline_id", S), ("pipeline_label", S), ("label", S),
    ("display_order", pa.int64()), ("probability", pa.decimal128(5, 2)), ("is_closed", pa.bool_()),
    ("archived", pa.bool_()),
))
_DEALS = TableSpec("deals", (
    ("id", S), ("deal_name", S), ("amount", MONEY), ("stage", S), ("pipeline", S),
    ("stage_probability", pa.decimal128(5, 2)), ("create_date", TS), ("close_date", pa.date32()),
    ("company_id", S), ("first_touch_source", S), ("last_touch_source", S), ("updated_at", TS),
    ("is_deleted", pa.bool_()), ("owner_id", S), ("client_id", S),
))
_QUOTAS = TableSpec("quotas", (
    ("id", S), ("company_id", S), ("period_start", pa.date32()), ("quota", MONEY),
    ("owner_id", S), ("client_id", S),
))
_DEAL_COMPANIES = TableSpec("deal_companies", (
    ("id", S), ("deal_id", S), ("company_id", S), ("type_id", pa.int64()), ("label", S),
    ("is_primary", pa.bool_()),
))
_DEAL_HISTORY = TableSpec("deal_property_history", (
    ("id", S), ("deal_id", S), ("property", S), ("value", S), ("changed_at", TS), ("source", S),
    ("stage_probability", pa.decimal128(5, 2)),
))
HISTORY_PROPERTIES = ("dealstage", "amount")
"""The deal properties whose history is read (pipeline coverage at the start of a quarter)."""
HISTORY_BATCH = 50
"""HubSpot's most inputs in one batch read that asks for property history."""

_SEARCH = {
    "companies": ("companies", "hs_lastmodifieddate",
                  ["name", "domain", "industry", "lifecyclestage", "createdate",
                   "hs_lastmodifieddate", "hubspot_owner_id"]),
    "contacts": ("contacts", "lastmodifieddate",
                 ["email", "firstname", "lastname", "lifecyclestage", "createdate",
                  "lastmodifieddate", "hubspot_owner_id", "associatedcompanyid",
                  "hs_analytics_source", "hs_analytics_source_data_1", "hs_latest_source",
                  "hs_latest_source_data_1"]),
    "deals": ("deals", "hs_lastmodifieddate",
              ["dealname", "amount", "dealstage", "pipeline", "closedate", "createdate",
               "hs_lastmodifieddate", "hubspot_owner_id", "hs_analytics_source",
               "hs_latest_source"]),
}
PRIMARY_DEAL_COMPANY = 5
"""HubSpot's association type id for a deal's primary company."""


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def this_quarter() -> date:
    """The first day of the quarter the run is in (UTC): the quarter a quota row is for."""
    return quarter_start(datetime.now(UTC).date())


def _ms(moment: datetime) -> str:
    return str(int(moment.replace(tzinfo=UTC).timestamp() * 1000))


class HubSpot(Connector):
    kind = "hubspot"
    default_base_url = "https://api.hubapi.com"
    SEARCH_CAP: ClassVar[int] = 10_000
    objects = (
        ObjectSpec("owners", (_OWNERS,), incremental=False),
        ObjectSpec("pipelines", (_STAGES,), incremental=False),
        ObjectSpec("companies", (_CUSTOMERS, _QUOTAS)),
        ObjectSpec("contacts", (_CONTACTS,)),
        ObjectSpec("deals", (_DEALS, _DEAL_COMPANIES, _DEAL_HISTORY)),
    )

    @classmethod
    def open_client(cls, cfg: SourceConfig, store: SecretStore) -> ApiClient:
        token = store.require(cfg.name, "token", cfg.token_env)
        return ApiClient(cfg.name, cfg.base_url or cls.default_base_url, cfg.retry,
                         auth=BearerAuth(token), headers={"Accept": "application/json"})

    # -- fetching --------------------------------------------------------------------------
    def fetch(self, obj: str, since: datetime | None) -> Iterator[list[Record]]:
        if obj == "owners":
            yield from cursor_pages(lambda after: self._list("/crm/v3/owners", after, 100))
        elif obj == "pipelines":
            body = self.client.request("GET", "/crm/v3/pipelines/deals")
            yield list(body.get("results", []))
        else:
            if obj == "companies" and since is not None and self._new_quarter():
                since = None  # a new quarter: every company gives its quota row again
            for page in self._search(obj, since):
                if obj == "deals" and page:
                    self._attach_companies(page)
                    self._attach_history(page)
                yield page
            for page in self._archived(obj):
                if page:
                    yield page

    def _list(self, path: str, after: str | None, limit: int) -> tuple[list[Record], str | None]:
        params: dict[str, Any] = {"limit": self.page_size(limit)}
        if after:
            params["after"] = after
        body = self.client.request("GET", path, params=params)
        return list(body.get("results", [])), _next(body)

    def _new_quarter(self) -> bool:
        """Quotas are read and the ledger has none for this quarter yet."""
        if not self.cfg.quota_property:
            return False
        start = this_quarter()
        return not any(v == start for v in self.lookup("quotas", "period_start").values())

    def _properties(self, obj: str) -> list[str]:
        props = _SEARCH[obj][2]
        if obj == "companies" and self.cfg.quota_property:
            return [*props, self.cfg.quota_property]
        return props

    def _archived(self, obj: str) -> Iterator[list[Record]]:
        """Every archived record of `obj`, whole each run (no changed-since filter exists)."""
        path_type, _, _ = _SEARCH[obj]
        props = self._properties(obj)
        limit = self.page_size(100)

        def page(after: str | None) -> tuple[list[Record], str | None]:
            params: dict[str, Any] = {"limit": limit, "properties": ",".join(props),
                                      "archived": "true"}
            if after:
                params["after"] = after
            body = self.client.request("GET", f"/crm/v3/objects/{path_type}", params=params)
            # whatever the answer says, these came from the archived list
            found = [{**r, "archived": True} for r in body.get("results", [])]
            return found, _next(body)

        yield from cursor_pages(page)

    def _search(self, obj: str, since: datetime | None) -> Iterator[list[Record]]:
        path_type, prop, _ = _SEARCH[obj]
        props = self._properties(obj)
        limit = self.page_size(200)
        lower = since
        while True:
            seen = 0
            after: str | None = None
            last: datetime | None = None
            while True:
                body: dict[str, Any] = {
                    "sorts": [{"propertyName": prop, "direction": "ASCENDING"}],
                    "properties": props, "limit": limit,
                }
                if lower is not None:
                    body["filterGroups"] = [{"filters": [
                        {"propertyName": prop, "operator": "GTE", "value": _ms(lower)}]}]
                if after:
                    body["after"] = after
                answer = self.client.request("POST", f"/crm/v3/objects/{path_type}/search",
                                             json_body=body)
                page = list(answer.get("results", []))
                yield page
                seen += len(page)
                if page:
                    last = self._changed(obj, page[-1])
                after = _next(answer)
                if not after:
                    return
                if seen + limit > self.SEARCH_CAP:
                    break  # the next page would pass the search cap: narrow the window
            if last is None or (lower is not None and last <= lower):
                raise SourceError(f"{self.cfg.name}: more than {self.SEARCH_CAP:,} {obj} share "
                                  "one modification time; the search API cannot page past them")
            lower = last

    def _attach_companies(self, deals: list[Record]) -> None:
        body = self.client.request(
            "POST", "/crm/v4/associations/deals/companies/batch/read",
            json_body={"inputs": [{"id": str(d["id"])} for d in deals]})
        found: dict[str, list[dict[str, Any]]] = {}
        for result in body.get("results", []):
            found.setdefault(str(result["from"]["id"]), []).extend(result.get("to", []))
            more = result.get("paging")
            after = _next(result) if more else None
            while after:
                extra = self.client.request(
                    "POST", "/crm/v4/associations/deals/companies/batch/read",
                    json_body={"inputs": [{"id": str(result["from"]["id"]), "after": after}]})
                for r in extra.get("results", []):
                    found[str(result["from"]["id"])].extend(r.get("to", []))
                    after = _next(r)
                if not extra.get("results"):
                    break
        for deal in deals:
            deal["_companies"] = found.get(str(deal["id"]), [])

    def _attach_history(self, deals: list[Record]) -> None:
        """Each deal's `dealstage` and `amount` versions, read in batches of at most 50."""
        size = min(HISTORY_BATCH, self.page_size(HISTORY_BATCH))
        found: dict[str, dict[str, Any]] = {}
        for first in range(0, len(deals), size):
            body = self.client.request(
                "POST", "/crm/v3/objects/deals/batch/read",
                json_body={"inputs": [{"id": str(d["id"])} for d in deals[first:first + size]],
                           "properties": ["dealstage"],
                           "propertiesWithHistory": list(HISTORY_PROPERTIES)})
            for result in body.get("results", []):
                found[str(result.get("id"))] = result.get("propertiesWithHistory") or {}
        for deal in deals:
            deal["_history"] = found.get(str(deal["id"]), {})

    def _history_rows(self, rid: str | None, record: Record) -> Iterator[tuple[str, Row]]:
        probability = self.lookup("deal_stages", "probability")
        for name, versions in (record.get("_history") or {}).items():
            for version in versions or []:
                when = timestamp(version.get("timestamp"))
                raw = text(version.get("value"))
                value = raw
                if name == "amount" and raw is not None:
                    # an old version that is not a number is kept without its value, rather
                    # than failing every run that reads the deal from now on
                    try:
                        value = str(money(raw))
                    except RecordError:
                        value = None
                yield "deal_property_history", {
                    "id": f"{rid}-{name}-{_ms(when) if when else ''}", "deal_id": rid,
                    "property": name, "value": value, "changed_at": when,
                    "source": text(version.get("sourceType")),
                    "stage_probability": probability.get(raw or "") if name == "dealstage"
                    else None,
                }

    # -- mapping ---------------------------------------------------------------------------
    def modified(self, obj: str, record: Record) -> datetime | None:
        if obj not in _SEARCH or _archived(record):
            return None  # archived records are listed whole each run: not the cursor's
        return self._changed(obj, record)

    def _changed(self, obj: str, record: Record) -> datetime | None:
        """The record's last-modified time (archived or not)."""
        prop = _SEARCH[obj][1]
        props = record.get("properties") or {}
        return timestamp(props.get(prop) or record.get("updatedAt"))

    def rows(self, obj: str, record: Record) -> Iterator[tuple[str, Row]]:
        if obj == "pipelines":
            for stage in record.get("stages", []):
                meta = stage.get("metadata") or {}
                yield "deal_stages", {
                    "id": text(stage.get("id")), "pipeline_id": text(record.get("id")),
                    "pipeline_label": text(record.get("label")), "label": text(stage.get("label")),
                    "display_order": stage.get("displayOrder"),
                    "probability": money(meta.get("probability")),
                    "is_closed": boolean(meta.get("isClosed")),
                    "archived": boolean(stage.get("archived")),
                }
            return
        if obj == "owners":
            yield "owners", {
                "id": text(record.get("id")), "email": text(record.get("email")),
                "first_name": text(record.get("firstName")),
                "last_name": text(record.get("lastName")), "user_id": text(record.get("userId")),
                "archived": boolean(record.get("archived")),
                "updated_at": timestamp(record.get("updatedAt")),
            }
            return
        p = record.get("properties") or {}
        rid = text(record.get("id"))
        deleted = _archived(record)
        if obj == "companies":
            yield "customers", {
                "id": rid, "name": text(p.get("name")), "domain": text(p.get("domain")),
                "industry": text(p.get("industry")),
                "lifecycle_stage": text(p.get("lifecyclestage")),
                "created_date": day(p.get("createdate")),
                "created_at": timestamp(p.get("createdate")),
                "updated_at": self._changed(obj, record), "is_deleted": deleted,
                "archived": boolean(record.get("archived")),
                "owner_id": text(p.get("hubspot_owner_id")), "client_id": rid,
            }
            quota = money(p.get(self.cfg.quota_property)) if self.cfg.quota_property else None
            if quota is not None and not deleted:
                start = this_quarter()
                yield "quotas", {
                    "id": f"{rid}-{start.isoformat()}", "company_id": rid, "period_start": start,
                    "quota": quota, "owner_id": text(p.get("hubspot_owner_id")),
                    "client_id": rid,
                }
        elif obj == "contacts":
            company = text(p.get("associatedcompanyid"))
            yield "contacts", {
                "id": rid, "email": text(p.get("email")), "first_name": text(p.get("firstname")),
                "last_name": text(p.get("lastname")),
                "lifecycle_stage": text(p.get("lifecyclestage")), "company_id": company,
                "first_touch_source": text(p.get("hs_analytics_source")),
                "first_touch_detail": text(p.get("hs_analytics_source_data_1")),
                "last_touch_source": text(p.get("hs_latest_source")),
                "last_touch_detail": text(p.get("hs_latest_source_data_1")),
                "created_at": timestamp(p.get("createdate")),
                "updated_at": self._changed(obj, record), "is_deleted": deleted,
                "owner_id": text(p.get("hubspot_owner_id")), "client_id": company,
            }
        else:
            links = record.get("_companies", [])
            primary = None
            if deleted:  # associations are not read for an archived deal: keep the last known
                primary = text(self.lookup("deals", "company_id").get(rid or ""))
            for link in links:
                cid = text(link.get("toObjectId"))
                types = link.get("associationTypes") or [{}]
                is_primary = any(t.get("typeId") == PRIMARY_DEAL_COMPANY for t in types)
                if is_primary or primary is None:
                    primary = cid
                yield "deal_companies", {
                    "id": f"{rid}-{cid}", "deal_id": rid, "company_id": cid,
                    "type_id": types[0].get("typeId"), "label": text(types[0].get("label")),
                    "is_primary": is_primary,
                }
            yield from self._history_rows(rid, record)
            stage = text(p.get("dealstage"))
            probability = self.lookup("deal_stages", "probability").get(stage or "")
            yield "deals", {
                "id": rid, "deal_name": text(p.get("dealname")), "amount": money(p.get("amount")),
                "stage": stage, "pipeline": text(p.get("pipeline")),
                "stage_probability": probability, "create_date": timestamp(p.get("createdate")),
                "close_date": day(p.get("closedate")), "company_id": primary,
                "first_touch_source": text(p.get("hs_analytics_source")),
                "last_touch_source": text(p.get("hs_latest_source")),
                "updated_at": self._changed(obj, record), "is_deleted": deleted,
                "owner_id": text(p.get("hubspot_owner_id")), "client_id": primary,
            }


def _archived(record: Record) -> bool:
    return record.get("archived") is True


def _next(body: dict[str, Any]) -> str | None:
    paging = body.get("paging") or {}
    nxt = paging.get("next") or {}
    return text(nxt.get("after"))
