"""The HTTP client every connector uses: JSON in and out, retries that respect the vendor.

Retried (exponential back-off with full jitter, tenacity): 429 and 5xx answers, dropped or timed
out connections, and bodies that are not JSON. A vendor's `Retry-After` is honoured. A request
gives up after `retry.attempts` tries or `retry.max_total` seconds, whichever comes first.
A vendor that documents a wait for a 429 without `Retry-After` sets `throttle_wait`.
A vendor whose throttle answers are not 429s says which are (`transient`, Meta's HTTP 400 with
code 17). Any other 4xx (400, 401, 403, 404, ...) fails at once with the vendor's own
message."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_random_exponential

from northstar.errors import NorthstarError
from northstar.sources.config import RetrySettings

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class SourceError(NorthstarError):
    """A vendor refused a request, or kept failing until the retry budget ran out."""


class _Transient(Exception):
    """A failure worth another try; `retry_after` is the vendor's requested wait, if any."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def retry_after_seconds(value: str | None) -> float | None:
    """Parse a Retry-After header: delay seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def vendor_message(body: Any) -> str:
    """The human part of a vendor's error body (HubSpot, Stripe, QuickBooks, ConnectWise,
    GoHighLevel, Meta's Graph errors, Google's RPC errors and ServiceTitan's problem-details
    shapes), and Bill.com's array of `{code, message}` errors."""
    if isinstance(body, list) and body and isinstance(body[0], dict) and body[0].get("message"):
        first = body[0]
        code = f"{first['code']}: " if first.get("code") else ""
        return f"{code}{first['message']}"
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"]) + _google_failure(err)
        if isinstance(err, str):
            # OAuth2's {error, error_description}; GoHighLevel's {statusCode, message, error}
            detail = body.get("error_description") or _text(body.get("message"))
            return f"{err}: {detail or ''}".rstrip(": ")
        for key in ("Fault", "fault"):
            fault = body.get(key)
            if isinstance(fault, dict):
                errors = fault.get("Error") or fault.get("error") or []
                if errors and isinstance(errors[0], dict):
                    e = {k.lower(): v for k, v in errors[0].items()}
                    return "; ".join(str(e[k]) for k in ("message", "detail") if e.get(k))
        if body.get("title") and "status" in body:
            return _problem(body)
        if body.get("message"):
            return _with_details(body)
    return ""


def _google_failure(err: dict[str, Any]) -> str:
    """The first error of a Google RPC error's `GoogleAdsFailure` detail, where the useful
    words are (`(DEVELOPER_TOKEN_NOT_APPROVED: The developer token is only approved for ...)`)."""
    for detail in err.get("details") or []:
        errors = detail.get("errors") if isinstance(detail, dict) else None
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            codes = first.get("errorCode")
            code = "/".join(map(str, codes.values())) if isinstance(codes, dict) else ""
            words = ": ".join(str(part) for part in (code, first.get("message")) if part)
            return f" ({words})" if words else ""
    return ""


def _text(value: Any) -> str:
    """A message that may be a list of messages (GoHighLevel's 422)."""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value) if value else ""


def _problem(body: dict[str, Any]) -> str:
    """An ASP.NET problem-details body (`{type, title, status, traceId, errors: {field:
    [messages]}}`, ServiceTitan): the title, then each field's messages."""
    title = str(body["title"])
    errors = body.get("errors")
    if not isinstance(errors, dict) or not errors:
        return title
    details = [f"{field}: {'; '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
               for field, msgs in errors.items()]
    return f"{title} ({'; '.join(details)})"


def _with_details(body: dict[str, Any]) -> str:
    """`message`, led by a text `code` and followed by the `errors[]` details when the body has
    them (ConnectWise's `{code, message, errors[]}`)."""
    message = _text(body["message"])
    code = body.get("code")
    if isinstance(code, str) and code and not message.startswith(code):
        message = f"{code}: {message}"
    details = [": ".join(str(e[k]) for k in ("field", "message") if e.get(k))
               for e in body.get("errors") or [] if isinstance(e, dict) and e.get("message")]
    return f"{message} ({'; '.join(details)})" if details else message


class ApiClient:
    """One source's HTTP session. Counts requests and pages for progress reports."""

    sleep: ClassVar[Callable[[float], None]] = time.sleep
    """How a retry waits (tests set a fake clock's, read through the class: no real sleeps)."""

    def __init__(self, source: str, base_url: str, retry: RetrySettings, *,
                 auth: httpx.Auth | None = None, headers: Mapping[str, str] | None = None,
                 check: Callable[[Any], str | None] | None = None,
                 throttle_wait: float | None = None,
                 transient: Callable[[int, httpx.Headers, Any], float | None] | None = None
                 ) -> None:
        self.source = source
        self.retry = retry
        self.check = check
        """Vendor hook: returns an error message for a 200 body that is really a failure."""
        self.throttle_wait = throttle_wait
        """Seconds to wait after a 429 without `Retry-After` (None: our own back-off)."""
        self.transient = transient
        """Vendor hook for an error answer that means "later" and says how long (Meta's
        throttles come as HTTP 400; Google's 429 names a `retryDelay`): given the status,
        headers and body of an answer without `Retry-After`, the seconds to wait before another
        try, or None (then a 429 or 5xx is retried as usual and anything else fails)."""
        self.http = httpx.Client(base_url=base_url, auth=auth, headers=dict(headers or {}),
                                 timeout=retry.timeout)
        self.requests = 0
        self.bytes = 0
        self.headers = httpx.Headers()
        """The last answer's headers (for vendors that page with a `Link` header)."""

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = exc.retry_after if isinstance(exc, _Transient) else None
        if asked is not None:
            return asked  # the vendor knows best; `max_total` still bounds it
        jitter = wait_random_exponential(multiplier=self.retry.backoff,
                                         max=self.retry.max_backoff)
        return float(jitter(state))

    def _stop(self, state: RetryCallState) -> bool:
        if state.attempt_number >= self.retry.attempts:
            return True
        # Stop now rather than sleep past the budget.
        return (state.seconds_since_start or 0.0) + self._wait(state) > self.retry.max_total

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json_body: Any = None, data: Mapping[str, str] | None = None,
                content: str | None = None, headers: Mapping[str, str] | None = None) -> Any:
        """Send one request (retrying transient failures) and return the decoded JSON body."""
        base = self.http.base_url.path.rstrip("/")
        endpoint = f"{method} {path.split('?')[0] if '://' in path else base + path}"
        retrying = Retrying(retry=retry_if_exception_type(_Transient), wait=self._wait,
                            stop=self._stop, reraise=True,
                            sleep=lambda seconds: type(self).sleep(seconds))
        tries = 0
        try:
            for attempt in retrying:
                with attempt:
                    tries += 1
                    return self._once(method, path, endpoint, params=params, json=json_body,
                                      data=data, content=content, headers=headers)
        except _Transient as exc:
            raise SourceError(f"{self.source}: {endpoint} still failing after {tries} "
                              f"tries: {exc}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, method: str, path: str, endpoint: str, **kwargs: Any) -> Any:
        self.requests += 1
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise _Transient(f"connection failed ({type(exc).__name__}: {exc})") from None
        self.bytes += len(response.content)
        self.headers = response.headers
        status = response.status_code
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        if status >= 400 and asked is None and self.transient is not None:
            try:
                failure = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                failure = None
            wait = self.transient(status, response.headers, failure)
            if wait is not None:
                raise _Transient(f"HTTP {status} {_short(response)}", wait)
        if status in RETRY_STATUS:
            if asked is None and status == 429:
                asked = self.throttle_wait
            raise _Transient(f"HTTP {status} {_short(response)}", asked)
        if status >= 400:
            hint = {401: " (check the token)", 403: " (the token lacks a permission)"}
            raise SourceError(
                f"{self.source}: {endpoint} was refused with HTTP {status}"
                f"{hint.get(status, '')}: {_short(response) or response.reason_phrase}"
            )
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise _Transient(f"the answer was not valid JSON ({len(response.content)} "
                             "bytes)") from None
        if self.check is not None:
            problem = self.check(body)
            if problem:
                raise SourceError(f"{self.source}: {endpoint} failed: {problem}")
        return body


def _short(response: httpx.Response) -> str:
    try:
        message = vendor_message(response.json())
    except (json.JSONDecodeError, UnicodeDecodeError):
        message = response.text[:200]
    return message[:300]
