"""Fake Stripe API (pinned 2025-03-31.basil shapes): secret-key bearer auth, list envelopes
newest first, `starting_after` paging with `has_more`, `created[gte|gt|lte|lt]` filters,
limit 1..100, Stripe's error object, and 429 with `Stripe-Should-Retry`."""

from __future__ import annotations

from typing import Any

from fakes.server import Answer, FakeServer, Request

KEY = "sk_test_51FakeFakeFakeFakeFake"
BASE = 1_704_067_200  # 2024-01-01T00:00:00Z
PATHS = {"/v1/charges": "charges", "/v1/refunds": "refunds", "/v1/disputes": "disputes",
         "/v1/balance_transactions": "balance_transactions"}


class StripeFake(FakeServer):
    def __init__(self, charges: int = 40) -> None:
        super().__init__()
        self.objects: dict[str, list[dict[str, Any]]] = {k: [] for k in PATHS.values()}
        for i in range(charges):
            created = BASE + i * 3600 * 5
            currency = "jpy" if i % 13 == 12 else "usd"
            amount = 5000 + 137 * i
            refunded = amount // 4 if i % 6 == 0 else 0
            self.objects["charges"].append({
                "id": f"ch_{i:05d}", "object": "charge", "amount": amount,
                "amount_captured": amount, "amount_refunded": refunded,
                "balance_transaction": f"txn_{i:05d}", "captured": True, "created": created,
                "currency": currency, "customer": f"cus_{i % 7:04d}", "paid": True,
                "payment_intent": f"pi_{i:05d}", "refunded": refunded == amount,
                "status": "succeeded", "livemode": False, "metadata": {},
            })
            fee = amount * 29 // 1000 + 30
            self.objects["balance_transactions"].append({
                "id": f"txn_{i:05d}", "object": "balance_transaction", "amount": amount,
                "fee": fee, "net": amount - fee, "currency": currency, "type": "charge",
                "reporting_category": "charge", "source": f"ch_{i:05d}", "status": "available",
                "created": created, "available_on": created + 2 * 86400,
            })
            if refunded:
                self.objects["refunds"].append({
                    "id": f"re_{i:05d}", "object": "refund", "amount": refunded,
                    "charge": f"ch_{i:05d}", "payment_intent": f"pi_{i:05d}",
                    "balance_transaction": f"txn_r{i:05d}", "created": created + 86400,
                    "currency": currency, "reason": "requested_by_customer",
                    "status": "succeeded",
                })
            if i % 15 == 4:
                self.objects["disputes"].append({
                    "id": f"dp_{i:05d}", "object": "dispute", "amount": amount,
                    "charge": f"ch_{i:05d}", "payment_intent": f"pi_{i:05d}",
                    "created": created + 3 * 86400, "currency": currency,
                    "reason": "fraudulent", "status": "needs_response",
                })

    def error_body(self, status: int, message: str) -> Any:
        kind = "invalid_request_error" if status < 500 else "api_error"
        return {"error": {"type": kind, "message": message,
                          "request_log_url": "https://dashboard.stripe.com/test/logs/req_x"}}

    def throttle(self, retry_after: float | None) -> Answer:
        headers = {"Stripe-Should-Retry": "true"}
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        return 429, headers, {"error": {
            "type": "invalid_request_error", "code": "rate_limit",
            "message": "Request rate limit exceeded. Learn more about rate limits here "
                       "https://stripe.com/docs/rate-limits."}}

    def route(self, req: Request) -> Answer:
        auth = req.headers.get("authorization", "")
        if self.expired or auth != f"Bearer {KEY}":
            return 401, {}, {"error": {"type": "invalid_request_error",
                                       "message": "Invalid API Key provided: sk_test_****"}}
        obj = PATHS.get(req.path)
        if obj is None or req.method != "GET":
            return 404, {}, self.error_body(404, f"Unrecognized request URL ({req.method}: "
                                                 f"{req.path}).")
        limit = int(req.arg("limit", "10") or 10)
        if not 1 <= limit <= 100:
            return 400, {}, {"error": {"type": "invalid_request_error", "param": "limit",
                                       "message": "Invalid integer: limit must be 1..100"}}
        rows = sorted(self.objects[obj], key=lambda r: (-r["created"], r["id"]))
        for op, test in (("gte", lambda a, b: a >= b), ("gt", lambda a, b: a > b),
                         ("lte", lambda a, b: a <= b), ("lt", lambda a, b: a < b)):
            bound = req.arg(f"created[{op}]")
            if bound is not None:
                rows = [r for r in rows if test(r["created"], int(bound))]
        after = req.arg("starting_after")
        if after is not None:
            ids = [r["id"] for r in rows]
            if after not in ids:
                return 400, {}, {"error": {"type": "invalid_request_error",
                                           "code": "resource_missing", "param": "starting_after",
                                           "message": f"No such object: '{after}'"}}
            rows = rows[ids.index(after) + 1:]
        return 200, {"Request-Id": "req_fake"}, {
            "object": "list", "url": req.path, "has_more": len(rows) > limit,
            "data": rows[:limit]}
