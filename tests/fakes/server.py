"""A small threaded HTTP server base for the vendor fakes, with fault switches.

Faults are queued and consumed one per request (`fake.fail("500", times=2)`):
  "500"       HTTP 500 with the vendor's error body
  "429"       the vendor's throttle answer (with `Retry-After` when `retry_after` is set)
  "drop"      the status line and part of the body, then the connection is closed
  "malformed" HTTP 200 with a body that is not JSON
  "expire"    the access token is expired before this request is checked
`on_request(n)` is called before each request is answered (the kill tests use it)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, dict[str, str], Any]


class Request:
    def __init__(self, method: str, path: str, query: dict[str, list[str]],
                 headers: dict[str, str], body: bytes) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


class FakeServer:
    """Subclasses implement `route(request) -> (status, headers, json body)` and the vendor's
    error bodies (`error_body(status, message)`, `throttle()`)."""

    def __init__(self) -> None:
        self.faults: list[tuple[str, float | None]] = []
        self.requests: list[Request] = []
        self.on_request: Callable[[int], None] | None = None
        self.lock = threading.Lock()
        self.expired = False
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls per answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                req = Request(self.command, parts.path, parse_qs(parts.query),
                              {k.lower(): v for k, v in self.headers.items()}, body)
                fake.handle(self, req)

            do_GET = do_POST = _serve

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client killed mid-answer is what the kill tests do on purpose

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,),
                                       daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fail(self, kind: str, times: int = 1, retry_after: float | None = None) -> None:
        self.faults.extend([(kind, retry_after)] * times)

    # -- to override -------------------------------------------------------------------------
    def route(self, req: Request) -> Answer:
        raise NotImplementedError

    def error_body(self, status: int, message: str) -> Any:
        return {"message": message}

    def throttle(self, retry_after: float | None) -> Answer:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        return 429, headers, self.error_body(429, "rate limited")

    # -- plumbing ------------------------------------------------------------------------------
    def handle(self, handler: BaseHTTPRequestHandler, req: Request) -> None:
        with self.lock:
            self.requests.append(req)
            n = len(self.requests)
            fault = self.faults.pop(0) if self.faults else None
        if self.on_request is not None:
            self.on_request(n)
        kind = fault[0] if fault else None
        if kind == "expire":
            self.expired = True
        if kind == "500":
            self._send(handler, 500, {}, self.error_body(500, "internal error"))
        elif kind == "429":
            self._send(handler, *self.throttle(fault[1] if fault else None))
        elif kind == "drop":
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", "5000")
            handler.end_headers()
            handler.wfile.write(b'{"results": [{"id": "1", "prop')
            handler.wfile.flush()
            handler.close_connection = True
        elif kind == "malformed":
            self._send_raw(handler, 200, {}, b'{"results": [ <html>oops</html>')
        else:
            try:
                answer = self.route(req)
            except Exception as exc:  # a fake bug should show as a 500, not a hang
                answer = 500, {}, self.error_body(500, f"fake error: {exc!r}")
            self._send(handler, *answer)

    def _send(self, handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str],
              body: Any) -> None:
        self._send_raw(handler, status, headers, json.dumps(body).encode())

    def _send_raw(self, handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str],
                  data: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(data)
