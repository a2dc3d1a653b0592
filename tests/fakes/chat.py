"""Slack and Microsoft Teams as local fakes: the payloads they receive are kept.

Slack's incoming webhook answers 200 with the text `ok`, and a 4xx with the error as text
(`invalid_payload`, `no_service`); its Web API's chat.postMessage answers 200 with
`{"ok": true, ...}` or `{"ok": false, "error": "channel_not_found"}`, and 429 with Retry-After
when throttled. A Teams Workflows webhook answers 202 Accepted; an older connector's answers
200 with the body `1`. `fail("500")`, `fail("429", retry_after=...)` queue faults."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Any

from fakes.server import Answer, FakeServer, Request

SLACK_HOOK = "/services/T0001/B0001/abcdefghijklmnop"
TEAMS_HOOK = "/workflows/ns-test/triggers/manual/paths/invoke"


class _TextFake(FakeServer):
    """A fake whose answers may be plain text (a str body is sent as it is)."""

    def _send(self, handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str],
              body: Any) -> None:
        if isinstance(body, str):
            data = body.encode()
            handler.send_response(status)
            handler.send_header("Content-Type", "text/plain; charset=utf-8")
            handler.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                handler.send_header(k, v)
            handler.end_headers()
            handler.wfile.write(data)
        else:
            super()._send(handler, status, headers, body)


class FakeSlack(_TextFake):
    def __init__(self, token: str = "xoxb-test-token", channels: tuple[str, ...] = ("#sales",)
                 ) -> None:
        super().__init__()
        self.token = token
        self.channels = channels
        self.posts: list[dict[str, Any]] = []
        """Every payload accepted (webhook or chat.postMessage), in order."""

    @property
    def webhook_url(self) -> str:
        return self.url + SLACK_HOOK

    @property
    def api_url(self) -> str:
        return self.url + "/api"

    def error_body(self, status: int, message: str) -> Any:
        return "rollup_error" if status >= 500 else message

    def route(self, req: Request) -> Answer:
        if req.method != "POST":
            return 405, {}, "method_not_allowed"
        if req.path == SLACK_HOOK:
            body = req.json()
            if not body.get("text") and not body.get("blocks"):
                return 400, {}, "invalid_payload"
            self.posts.append(body)
            return 200, {}, "ok"
        if req.path == "/api/chat.postMessage":
            if req.headers.get("authorization") != f"Bearer {self.token}":
                return 200, {}, {"ok": False, "error": "invalid_auth"}
            body = req.json()
            if body.get("channel") not in self.channels:
                return 200, {}, {"ok": False, "error": "channel_not_found"}
            self.posts.append(body)
            ts = f"1700000000.{len(self.posts):06d}"
            return 200, {}, {"ok": True, "channel": "C0001", "ts": ts}
        return 404, {}, "no_service"


class FakeTeams(_TextFake):
    def __init__(self, legacy: bool = False) -> None:
        super().__init__()
        self.legacy = legacy
        self.posts: list[dict[str, Any]] = []

    @property
    def webhook_url(self) -> str:
        return self.url + TEAMS_HOOK

    def error_body(self, status: int, message: str) -> Any:
        return {"error": {"code": "InternalServerError", "message": message}}

    def route(self, req: Request) -> Answer:
        if req.method != "POST" or req.path != TEAMS_HOOK:
            return 404, {}, {"error": {"code": "NotFound", "message": "no such workflow"}}
        body = req.json()
        attachments = body.get("attachments") or []
        if body.get("type") != "message" or not attachments:
            return 400, {}, {"error": {"code": "InvalidRequestContent",
                                       "message": "the body is not a message"}}
        self.posts.append(body)
        return (200, {}, "1") if self.legacy else (202, {}, "")
