"""ServiceTitan (API v2): business units, job types, campaigns, customers, locations, jobs,
appointments, estimates, invoices with their items, payments with what they are applied to,
and payroll's gross pay items (the labour side of job costing).

Auth: OAuth2 client credentials (`POST https://auth.servicetitan.io/connect/token`, client id
and secret in the form body, no scope); the access token is kept in memory until a minute
before `expires_in` and fetched again once on a 401 (auth.py). Every call also carries the
app's `ST-App-Key` header. Paths are `/{module}/v2/tenant/{tenant}/{resource}`.

Most objects are read through ServiceTitan's export endpoints (`.../export/{resource}`): each
answer is `{data, hasMore, continueFrom}`, the next request passes `continueFrom` as `from`,
and the list ends when `hasMore` is false. The token of the last answer is kept with the run
(`ObjectSpec.continuation`) and the next run passes it as `from`: the export then yields every
record changed since, active, inactive or deleted alike, newest version only. A first run (or
a backfill) starts from the date it is given (`from=2024-01-01T06:00:00Z`), or from the start.

Job types and campaigns have no export: they are paged with `page` (from 1), `pageSize` (up
to 5,000), `active=Any` and `modifiedOnOrAfter` from the cursor less a day, while `hasMore`.

ServiceTitan allows 60 requests a second per app and tenant; a 429 is retried after its
`Retry-After`, or after one second (the limit's window) when it names none. Error bodies are
ASP.NET problem details (`{title, status, errors}`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, ClassVar

import pyarrow as pa

from northstar.errors import ConfigError
from northstar.sources.auth import ClientCredentials
from northstar.sources.base import (
    MONEY,
    TS,
    Connector,
    Lookup,
    ObjectSpec,
    Record,
    Row,
    TableSpec,
)
from northstar.sources.config import SourceConfig
from northstar.sources.http import ApiClient, SourceError
from northstar.sources.paging import numbered_pages
from northstar.sources.secrets import SecretStore
from northstar.sources.values import RecordError, boolean, day, quantity, text, timestamp

S, B, D, N = pa.string(), pa.bool_(), pa.date32(), pa.int64()
QTY, HOURS = pa.decimal128(18, 4), pa.decimal128(12, 2)
TOKEN_URL = "https://auth.servicetitan.io/connect/token"
MAX_PAGE = 5000
THROTTLE_WAIT = 1.0
"""Seconds to wait after a 429 that names no Retry-After: the window of the 60-a-second limit."""
LOOKBACK = timedelta(days=1)

_BUSINESS_UNITS = TableSpec("st_business_units", (
    ("id", S), ("name", S), ("official_name", S), ("active", B), ("created_on", TS),
    ("modified_on", TS),
))
_JOB_TYPES = TableSpec("st_job_types", (
    ("id", S), ("name", S), ("business_unit_ids", S), ("class", S), ("priority", S),
    ("duration", N), ("sold_threshold", MONEY), ("no_charge", B), ("active", B),
    ("created_on", TS), ("modified_on", TS),
))
_CAMPAIGNS = TableSpec("st_campaigns", (
    ("id", S), ("name", S), ("category_id", S), ("category", S), ("active", B),
    ("created_on", TS), ("modified_on", TS),
))
_CUSTOMERS = TableSpec("st_customers", (
    ("id", S), ("name", S), ("type", S), ("balance", MONEY), ("merged_to_id", S),
    ("active", B), ("created_on", TS), ("modified_on", TS), ("client_id", S),
))
_LOCATIONS = TableSpec("st_locations", (
    ("id", S), ("customer_id", S), ("name", S), ("city", S), ("state", S), ("zip", S),
    ("tax_zone_id", S), ("merged_to_id", S), ("active", B), ("created_on", TS),
    ("modified_on", TS), ("client_id", S),
))
_JOBS = TableSpec("st_jobs", (
    ("id", S), ("job_number", S), ("customer_id", S), ("location_id", S), ("project_id", S),
    ("job_status", S), ("business_unit_id", S), ("job_type_id", S), ("campaign_id", S),
    ("priority", S), ("completed_on", TS), ("appointment_count", N),
    ("first_appointment_id", S), ("last_appointment_id", S), ("recall_for_id", S),
    ("warranty_id", S), ("no_charge", B), ("sold_by_id", S), ("invoice_id", S),
    ("membership_id", S), ("created_from_estimate_id", S), ("total", MONEY), ("active", B),
    ("created_on", TS), ("modified_on", TS), ("client_id", S),
))
_APPOINTMENTS = TableSpec("st_appointments", (
    ("id", S), ("job_id", S), ("appointment_number", S), ("start", TS), ("end", TS),
    ("arrival_window_start", TS), ("arrival_window_end", TS), ("status", S),
    ("customer_id", S), ("unused", B), ("is_confirmed", B), ("active", B), ("created_on", TS),
    ("modified_on", TS), ("client_id", S),
))
_ESTIMATES = TableSpec("st_estimates", (
    ("id", S), ("job_id", S), ("project_id", S), ("location_id", S), ("customer_id", S),
    ("name", S), ("job_number", S), ("status", S), ("status_value", N), ("review_status", S),
    ("sold_on", TS), ("sold_by", S), ("subtotal", MONEY), ("tax", MONEY),
    ("business_unit_id", S), ("business_unit_name", S), ("is_recommended", B),
    ("is_change_order", B), ("active", B), ("created_on", TS), ("modified_on", TS),
    ("client_id", S),
))
_INVOICES = TableSpec("st_invoices", (
    ("id", S), ("reference_number", S), ("invoice_date", D), ("due_date", D),
    ("sub_total", MONEY), ("sales_tax", MONEY), ("total", MONEY), ("balance", MONEY),
    ("invoice_type", S), ("customer_id", S), ("customer_name", S), ("location_id", S),
    ("business_unit_id", S), ("business_unit_name", S), ("job_id", S), ("job_number", S),
    ("project_id", S), ("adjustment_to_id", S), ("active", B), ("created_on", TS),
    ("modified_on", TS), ("client_id", S),
))
_INVOICE_ITEMS = TableSpec("st_invoice_items", (
    ("id", S), ("invoice_id", S), ("sku_id", S), ("sku_name", S), ("type", S),
    ("description", S), ("quantity", QTY), ("price", MONEY), ("total", MONEY), ("cost", MONEY),
    ("total_cost", MONEY), ("sold_hours", HOURS), ("business_unit_id", S),
    ("business_unit_name", S), ("service_date", TS), ("item_order", N), ("active", B),
    ("modified_on", TS),
))
_PAYMENTS = TableSpec("st_payments", (
    ("id", S), ("reference_number", S), ("paid_on", TS), ("type", S), ("type_id", S),
    ("total", MONEY), ("unapplied_amount", MONEY), ("customer_id", S), ("customer_name", S),
    ("business_unit_id", S), ("business_unit_name", S), ("batch_id", S), ("active", B),
    ("created_on", TS), ("modified_on", TS), ("client_id", S),
))
_APPLICATIONS = TableSpec("st_payment_applications", (
    ("id", S), ("payment_id", S), ("invoice_id", S), ("invoice_reference", S),
    ("amount", MONEY), ("applied_on", TS), ("applied_by", S), ("payment_active", B),
))
_GROSS_PAY = TableSpec("st_gross_pay_items", (
    ("id", S), ("job_id", S), ("invoice_id", S), ("invoice_item_id", S), ("employee_id", S),
    ("employee_type", S), ("payroll_id", S), ("date", TS), ("gross_pay_item_type", S),
    ("activity", S), ("activity_code", S), ("paid_time_type", S),
    ("paid_duration_hours", HOURS), ("amount", MONEY), ("amount_adjustment", MONEY),
    ("business_unit_name", S), ("payout_business_unit_name", S), ("started_on", TS),
    ("ended_on", TS), ("active", B), ("created_on", TS), ("modified_on", TS),
))

EXPORTS = {
    "business_units": "/settings/v2/tenant/{tenant}/export/business-units",
    "customers": "/crm/v2/tenant/{tenant}/export/customers",
    "locations": "/crm/v2/tenant/{tenant}/export/locations",
    "jobs": "/jpm/v2/tenant/{tenant}/export/jobs",
    "appointments": "/jpm/v2/tenant/{tenant}/export/appointments",
    "estimates": "/sales/v2/tenant/{tenant}/export/estimates",
    "invoices": "/accounting/v2/tenant/{tenant}/export/invoices",
    "payments": "/accounting/v2/tenant/{tenant}/export/payments",
    "gross_pay_items": "/payroll/v2/tenant/{tenant}/export/gross-pay-items",
}
"""Objects read through an export endpoint (path under the API host)."""
LISTS = {
    "job_types": "/jpm/v2/tenant/{tenant}/job-types",
    "campaigns": "/marketing/v2/tenant/{tenant}/campaigns",
}
"""Objects without an export: paged lists filtered on `modifiedOnOrAfter`."""


def tenant_of(cfg: SourceConfig) -> str:
    """The source's tenant id (`tenant` in sources.toml): the number in every path."""
    tenant = (cfg.tenant or "").strip()
    if not tenant.isdigit():
        shown = f"not {tenant!r}" if tenant else "and it is not set"
        raise ConfigError(f"source {cfg.name!r} needs its tenant: ServiceTitan's tenant id, a "
                          f"number, in sources.toml (tenant = \"1234567890\"), {shown}")
    return tenant


def st_time(moment: datetime) -> str:
    """A naive UTC moment as ServiceTitan's filters take it."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ref(value: Any, key: str = "id") -> str | None:
    """One field of a reference object such as `businessUnit: {id, name}`."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RecordError(f"expected a reference object, got {value!r}")
    return text(value.get(key))


def _named(value: Any) -> str | None:
    """A value that is a name, or an object carrying one (`type: {id, name}`)."""
    return _ref(value, "name") if isinstance(value, dict) else text(value)


def _count(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise RecordError(f"{value!r} is not a whole number")
    try:
        return int(value)
    except ValueError:
        raise RecordError(f"{value!r} is not a whole number") from None


def _ids(value: Any) -> str | None:
    """A list of ids as text, comma-separated, in the vendor's order."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise RecordError(f"expected a list of ids, got {value!r}")
    return ",".join(t for t in (text(v) for v in value) if t) or None


def _money(value: Any) -> Any:
    return quantity(value, 2)


def _base(r: Record) -> Row:
    return {"active": boolean(r.get("active")), "created_on": timestamp(r.get("createdOn")),
            "modified_on": timestamp(r.get("modifiedOn"))}


class ServiceTitan(Connector):
    kind = "servicetitan"
    default_base_url = "https://api.servicetitan.io"
    EXPORT_PARAMS: ClassVar[dict[str, str]] = {}
    """Extra query parameters sent with every export request (none by default)."""
    objects = (
        ObjectSpec("business_units", (_BUSINESS_UNITS,), continuation=True),
        ObjectSpec("job_types", (_JOB_TYPES,), lookback=LOOKBACK),
        ObjectSpec("campaigns", (_CAMPAIGNS,), lookback=LOOKBACK),
        ObjectSpec("customers", (_CUSTOMERS,), continuation=True),
        ObjectSpec("locations", (_LOCATIONS,), continuation=True),
        ObjectSpec("jobs", (_JOBS,), continuation=True),
        ObjectSpec("appointments", (_APPOINTMENTS,), continuation=True),
        ObjectSpec("estimates", (_ESTIMATES,), continuation=True),
        ObjectSpec("invoices", (_INVOICES, _INVOICE_ITEMS), continuation=True),
        ObjectSpec("payments", (_PAYMENTS, _APPLICATIONS), continuation=True),
        ObjectSpec("gross_pay_items", (_GROSS_PAY,), continuation=True),
    )

    def __init__(self, cfg: SourceConfig, client: ApiClient, lookup: Lookup) -> None:
        super().__init__(cfg, client, lookup)
        self.tenant = tenant_of(cfg)

    @classmethod
    def open_client(cls, cfg: SourceConfig, store: SecretStore) -> ApiClient:
        tenant_of(cfg)
        app_key = store.require(cfg.name, "app_key", cfg.app_key_env)
        auth = ClientCredentials(
            cfg.name, cfg.token_url or TOKEN_URL,
            client_id=store.require(cfg.name, "client_id", cfg.client_id_env),
            client_secret=store.require(cfg.name, "client_secret", cfg.client_secret_env),
            advice="check the client id and secret (they differ between the integration and "
                   "production environments) and that the app is connected to this tenant",
            timeout=cfg.retry.timeout)
        return ApiClient(cfg.name, (cfg.base_url or cls.default_base_url).rstrip("/"),
                         cfg.retry, auth=auth,
                         headers={"ST-App-Key": app_key.reveal(), "Accept": "application/json"},
                         throttle_wait=THROTTLE_WAIT)

    # -- fetching --------------------------------------------------------------------------
    def fetch(self, obj: str, since: datetime | None) -> Iterator[list[Record]]:
        if obj in LISTS:
            yield from self._list(LISTS[obj].format(tenant=self.tenant), since)
        else:
            yield from self._export(obj, EXPORTS[obj].format(tenant=self.tenant), since)

    def _export(self, obj: str, path: str, since: datetime | None) -> Iterator[list[Record]]:
        """Every answer of an export from the saved token (or `since`), until `hasMore` is
        false; the last answer's `continueFrom` is left in `resumed_to`."""
        start = self.resume_from.get(obj) or (st_time(since) if since is not None else None)
        seen: set[str] = set()
        while True:
            params = {**self.EXPORT_PARAMS, **({"from": start} if start else {})}
            body = self.client.request("GET", path, params=params)
            data, more, token = self._export_page(path, body)
            if token is not None:
                self.resumed_to[obj] = token
            yield data
            if not more:
                return
            if token is None or token == start or token in seen:
                raise SourceError(f"{self.cfg.name}: GET {path} said hasMore but handed back "
                                  f"continueFrom {token!r} again; not followed")
            seen.add(token)
            start = token

    def _export_page(self, path: str, body: Any) -> tuple[list[Record], bool, str | None]:
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise SourceError(f"{self.cfg.name}: GET {path} answered "
                              f"{type(body).__name__} without a `data` list where an export "
                              "page was expected")
        more = body.get("hasMore")
        if not isinstance(more, bool):
            raise SourceError(f"{self.cfg.name}: GET {path} answered hasMore {more!r}, not "
                              "true or false")
        token = body.get("continueFrom")
        if token is not None and not isinstance(token, str):
            raise SourceError(f"{self.cfg.name}: GET {path} answered continueFrom {token!r}, "
                              "not a token")
        return _records(path, body["data"]), more, token or None

    def _list(self, path: str, since: datetime | None) -> Iterator[list[Record]]:
        params: dict[str, Any] = {"pageSize": self.page_size(MAX_PAGE), "active": "Any"}
        if since is not None:
            params["modifiedOnOrAfter"] = st_time(since)

        def page(number: int) -> tuple[list[Record], bool]:
            body = self.client.request("GET", path, params={**params, "page": number})
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise SourceError(f"{self.cfg.name}: GET {path} answered "
                                  f"{type(body).__name__} without a `data` list where a page "
                                  "was expected")
            return _records(path, body["data"]), body.get("hasMore") is True

        yield from numbered_pages(page)

    # -- mapping ---------------------------------------------------------------------------
    def modified(self, obj: str, record: Record) -> datetime | None:
        return timestamp(record.get("modifiedOn"))

    def rows(self, obj: str, record: Record) -> Iterator[tuple[str, Row]]:
        try:
            yield from self._rows(obj, record)
        except RecordError as exc:
            raise RecordError(f"{obj} {record.get('id')!r}: {exc}") from None

    def _rows(self, obj: str, r: Record) -> Iterator[tuple[str, Row]]:
        rid = text(r.get("id"))
        if obj == "gross_pay_items" and rid is None:
            rid = _gross_pay_id(r)
        if rid is None:
            raise RecordError("a record has no id")
        base = {"id": rid, **_base(r)}
        if obj == "business_units":
            yield _BUSINESS_UNITS.key, {
                **base, "name": text(r.get("name")), "official_name": text(r.get("officialName"))}
        elif obj == "job_types":
            yield _JOB_TYPES.key, {
                **base, "name": text(r.get("name")),
                "business_unit_ids": _ids(r.get("businessUnitIds")),
                "class": text(r.get("class")), "priority": text(r.get("priority")),
                "duration": _count(r.get("duration")),
                "sold_threshold": _money(r.get("soldThreshold")),
                "no_charge": boolean(r.get("noCharge"))}
        elif obj == "campaigns":
            yield _CAMPAIGNS.key, {
                **base, "name": text(r.get("name")), "category_id": _ref(r.get("category")),
                "category": _ref(r.get("category"), "name")}
        elif obj == "customers":
            yield _CUSTOMERS.key, {
                **base, "name": text(r.get("name")), "type": _named(r.get("type")),
                "balance": _money(r.get("balance")), "merged_to_id": text(r.get("mergedToId")),
                "client_id": rid}
        elif obj == "locations":
            address = r.get("address") or {}
            if not isinstance(address, dict):
                raise RecordError(f"expected an address object, got {address!r}")
            customer = text(r.get("customerId"))
            yield _LOCATIONS.key, {
                **base, "customer_id": customer, "name": text(r.get("name")),
                "city": text(address.get("city")), "state": text(address.get("state")),
                "zip": text(address.get("zip")), "tax_zone_id": text(r.get("taxZoneId")),
                "merged_to_id": text(r.get("mergedToId")), "client_id": customer}
        elif obj == "jobs":
            customer = text(r.get("customerId"))
            yield _JOBS.key, {
                **base, "job_number": text(r.get("jobNumber")), "customer_id": customer,
                "location_id": text(r.get("locationId")), "project_id": text(r.get("projectId")),
                "job_status": text(r.get("jobStatus")),
                "business_unit_id": text(r.get("businessUnitId")),
                "job_type_id": text(r.get("jobTypeId")), "campaign_id": text(r.get("campaignId")),
                "priority": text(r.get("priority")),
                "completed_on": timestamp(r.get("completedOn")),
                "appointment_count": _count(r.get("appointmentCount")),
                "first_appointment_id": text(r.get("firstAppointmentId")),
                "last_appointment_id": text(r.get("lastAppointmentId")),
                "recall_for_id": text(r.get("recallForId")),
                "warranty_id": text(r.get("warrantyId")),
                "no_charge": boolean(r.get("noCharge")), "sold_by_id": text(r.get("soldById")),
                "invoice_id": text(r.get("invoiceId")),
                "membership_id": text(r.get("membershipId")),
                "created_from_estimate_id": text(r.get("createdFromEstimateId")),
                "total": _money(r.get("total")), "client_id": customer}
        elif obj == "appointments":
            customer = text(r.get("customerId"))
            yield _APPOINTMENTS.key, {
                **base, "job_id": text(r.get("jobId")),
                "appointment_number": text(r.get("appointmentNumber")),
                "start": timestamp(r.get("start")), "end": timestamp(r.get("end")),
                "arrival_window_start": timestamp(r.get("arrivalWindowStart")),
                "arrival_window_end": timestamp(r.get("arrivalWindowEnd")),
                "status": _named(r.get("status")), "customer_id": customer,
                "unused": boolean(r.get("unused")), "is_confirmed": boolean(r.get("isConfirmed")),
                "client_id": customer}
        elif obj == "estimates":
            customer, status = text(r.get("customerId")), r.get("status")
            yield _ESTIMATES.key, {
                **base, "job_id": text(r.get("jobId")), "project_id": text(r.get("projectId")),
                "location_id": text(r.get("locationId")), "customer_id": customer,
                "name": text(r.get("name")), "job_number": text(r.get("jobNumber")),
                "status": _named(status),
                "status_value": _count(status.get("value")) if isinstance(status, dict)
                else None,
                "review_status": _named(r.get("reviewStatus")),
                "sold_on": timestamp(r.get("soldOn")), "sold_by": text(r.get("soldBy")),
                "subtotal": _money(r.get("subtotal")), "tax": _money(r.get("tax")),
                "business_unit_id": text(r.get("businessUnitId")),
                "business_unit_name": text(r.get("businessUnitName")),
                "is_recommended": boolean(r.get("isRecommended")),
                "is_change_order": boolean(r.get("isChangeOrder")), "client_id": customer}
        elif obj == "invoices":
            yield from self._invoice(rid, base, r)
        elif obj == "payments":
            yield from self._payment(rid, base, r)
        else:
            yield _GROSS_PAY.key, {
                **base, "job_id": text(r.get("jobId")), "invoice_id": text(r.get("invoiceId")),
                "invoice_item_id": text(r.get("invoiceItemId")),
                "employee_id": text(r.get("employeeId")),
                "employee_type": _named(r.get("employeeType")),
                "payroll_id": text(r.get("payrollId")), "date": timestamp(r.get("date")),
                "gross_pay_item_type": _named(r.get("grossPayItemType")),
                "activity": text(r.get("activity")), "activity_code": text(r.get("activityCode")),
                "paid_time_type": _named(r.get("paidTimeType")),
                "paid_duration_hours": quantity(r.get("paidDurationHours"), 2),
                "amount": _money(r.get("amount")),
                "amount_adjustment": _money(r.get("amountAdjustment")),
                "business_unit_name": text(r.get("businessUnitName")),
                "payout_business_unit_name": text(r.get("payoutBusinessUnitName")),
                "started_on": timestamp(r.get("startedOn")),
                "ended_on": timestamp(r.get("endedOn"))}

    def _invoice(self, rid: str, base: Row, r: Record) -> Iterator[tuple[str, Row]]:
        customer = _ref(r.get("customer"))
        items = r.get("items") or []
        if not isinstance(items, list):
            raise RecordError(f"expected a list of items, got {type(items).__name__}")
        for item in items:
            if not isinstance(item, dict) or text(item.get("id")) is None:
                raise RecordError("an invoice item has no id")
            unit = item.get("businessUnit")
            yield _INVOICE_ITEMS.key, {
                "id": text(item["id"]), "invoice_id": rid, "sku_id": text(item.get("skuId")),
                "sku_name": text(item.get("skuName")), "type": _named(item.get("type")),
                "description": text(item.get("description")),
                "quantity": quantity(item.get("quantity")), "price": _money(item.get("price")),
                "total": _money(item.get("total")), "cost": _money(item.get("cost")),
                "total_cost": _money(item.get("totalCost")),
                "sold_hours": quantity(item.get("soldHours"), 2),
                "business_unit_id": _ref(unit), "business_unit_name": _ref(unit, "name"),
                "service_date": timestamp(item.get("serviceDate")),
                "item_order": _count(item.get("order")),
                "active": boolean(item.get("active", r.get("active"))),
                "modified_on": timestamp(item.get("modifiedOn"))}
        job, unit = r.get("job"), r.get("businessUnit")
        yield _INVOICES.key, {
            **base, "reference_number": text(r.get("referenceNumber")),
            "invoice_date": day(r.get("invoiceDate")), "due_date": day(r.get("dueDate")),
            "sub_total": _money(r.get("subTotal")), "sales_tax": _money(r.get("salesTax")),
            "total": _money(r.get("total")), "balance": _money(r.get("balance")),
            "invoice_type": _named(r.get("invoiceType")), "customer_id": customer,
            "customer_name": _ref(r.get("customer"), "name"),
            "location_id": _ref(r.get("location")), "business_unit_id": _ref(unit),
            "business_unit_name": _ref(unit, "name"), "job_id": _ref(job),
            "job_number": _ref(job, "number"), "project_id": text(r.get("projectId")),
            "adjustment_to_id": text(r.get("adjustmentToId")), "client_id": customer}

    def _payment(self, rid: str, base: Row, r: Record) -> Iterator[tuple[str, Row]]:
        applied = r.get("appliedTo") or []
        if not isinstance(applied, list):
            raise RecordError(f"expected a list in appliedTo, got {type(applied).__name__}")
        for entry in applied:
            if not isinstance(entry, dict):
                raise RecordError(f"expected an application object, got {entry!r}")
            invoice = text(entry.get("appliedTo"))
            aid = text(entry.get("appliedId")) or (f"{rid}-{invoice}" if invoice else None)
            if aid is None:
                raise RecordError("an appliedTo entry names neither its id nor its invoice")
            yield _APPLICATIONS.key, {
                "id": aid, "payment_id": rid, "invoice_id": invoice,
                "invoice_reference": text(entry.get("appliedToReferenceNumber")),
                "amount": _money(entry.get("appliedAmount")),
                "applied_on": timestamp(entry.get("appliedOn")),
                "applied_by": text(entry.get("appliedBy")),
                "payment_active": boolean(r.get("active"))}
        customer, unit = _ref(r.get("customer")), r.get("businessUnit")
        yield _PAYMENTS.key, {
            **base, "reference_number": text(r.get("referenceNumber")),
            "paid_on": timestamp(r.get("date")), "type": _named(r.get("type")),
            "type_id": text(r.get("typeId")), "total": _money(r.get("total")),
            "unapplied_amount": _money(r.get("unappliedAmount")), "customer_id": customer,
            "customer_name": _ref(r.get("customer"), "name"), "business_unit_id": _ref(unit),
            "business_unit_name": _ref(unit, "name"), "batch_id": _ref(r.get("batch")),
            "client_id": customer}


def _records(path: str, data: list[Any]) -> list[Record]:
    for record in data:
        if not isinstance(record, dict):
            raise RecordError(f"GET {path} listed a {type(record).__name__}, not a record")
    return data


def _gross_pay_id(r: Record) -> str | None:
    """A gross pay item without an id of its own (the field is nullable): its payroll, type,
    source and date, which together name it."""
    payroll, when = text(r.get("payrollId")), text(r.get("date"))
    if payroll is None or when is None:
        return None
    source = text(r.get("sourceEntityId")) or text(r.get("invoiceItemId")) or ""
    return f"{payroll}:{_named(r.get('grossPayItemType')) or ''}:{source}:{when}"
