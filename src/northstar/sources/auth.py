"""Authentication: a static bearer token, HTTP Basic, or an OAuth2 access token fetched by a
grant.

Two grants share one machinery (`TokenAuth`): the access token lives only in memory, is
fetched again shortly before it expires, and once more when the vendor answers 401 (expired
early or revoked; a second 401 is final).

- `OAuth2Refresh`: the refresh-token grant (QuickBooks, Google). The refresh token is read from the
  secret store (the newest rotated one wins) and every new one is written back before it is
  used, under the store's lock, so two runs never spend the same refresh token.
- `ClientCredentials`: the client-credentials grant (NinjaOne, ServiceTitan): client id,
  secret and, where the vendor wants one, a scope in the form body; nothing to store.

`BasicAuth` is HTTP Basic from secrets, revealed only when a request is sent (ConnectWise)."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Generator, Mapping
from typing import Any, ClassVar

import httpx

from northstar.sources.http import SourceError, vendor_message
from northstar.sources.secrets import Secret, SecretStore


class BearerAuth(httpx.Auth):
    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        yield request


class BasicAuth(httpx.Auth):
    """HTTP Basic from secrets, revealed only when a request is sent (ConnectWise)."""

    def __init__(self, user: Secret, password: Secret) -> None:
        self._pair = (user, password)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        pair = f"{self._pair[0].reveal()}:{self._pair[1].reveal()}".encode()
        request.headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
        yield request


class TokenAuth(httpx.Auth):
    """An OAuth2 access token from `refresh()`, kept until shortly before it expires."""

    MARGIN = 60.0
    """Fetch a new token this many seconds before the access token expires."""
    clock: ClassVar[Callable[[], float]] = time.monotonic
    """Seconds on a steady clock (tests set a fake one, read through the class)."""

    def __init__(self, source: str, token_url: str, *, timeout: float = 30.0) -> None:
        self.source = source
        self.token_url = token_url
        self.timeout = timeout
        self._access: Secret | None = None
        self._expires = 0.0
        self.refreshes = 0

    def refresh(self) -> None:
        """Fetch a new access token (each grant through `post_token`)."""
        raise NotImplementedError(f"{type(self).__name__} does not say how it fetches a token")

    def post_token(self, form: Mapping[str, str], refused: str, advice: str, *,
                   auth: tuple[str, str] | None = None) -> dict[str, Any]:
        """POST the grant's form to the token endpoint and keep the access token it answers.

        A refusal is one clear line: `refused` (what was refused), the vendor's words, `advice`."""
        try:
            response = httpx.post(self.token_url, data=dict(form), auth=auth,
                                  headers={"Accept": "application/json"}, timeout=self.timeout)
        except httpx.TransportError as exc:
            raise SourceError(f"{self.source}: could not reach the token endpoint "
                              f"({type(exc).__name__})") from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not isinstance(body, dict) \
                or "access_token" not in body:
            raise SourceError(
                f"{self.source}: POST {httpx.URL(self.token_url).path} refused {refused} "
                f"(HTTP {response.status_code}: {vendor_message(body) or 'no detail'}); {advice}"
            )
        self._access = Secret(str(body["access_token"]))
        self._expires = type(self).clock() + float(body.get("expires_in", 3600))
        self.refreshes += 1
        return body

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._access is None or type(self).clock() > self._expires - self.MARGIN:
            self.refresh()
        assert self._access is not None
        request.headers["Authorization"] = f"Bearer {self._access.reveal()}"
        response = yield request
        if response.status_code == 401:
            # Expired early or revoked: one new token, one more try; a second 401 is final.
            self.refresh()
            request.headers["Authorization"] = f"Bearer {self._access.reveal()}"
            yield request


class OAuth2Refresh(TokenAuth):
    """Refresh-token grant: the client id and secret sent with HTTP Basic, as Intuit requires,
    or in the form body (`client_in_body`), as Google documents."""

    def __init__(self, store: SecretStore, source: str, token_url: str, *,
                 client_id: Secret, client_secret: Secret, refresh_env: str | None,
                 timeout: float = 30.0, client_in_body: bool = False) -> None:
        super().__init__(source, token_url, timeout=timeout)
        self.store = store
        self._client = (client_id, client_secret)
        self.refresh_env = refresh_env
        self.client_in_body = client_in_body

    def refresh(self) -> None:
        with self.store.locked():
            token = self.store.require(self.source, "refresh_token", self.refresh_env)
            form = {"grant_type": "refresh_token", "refresh_token": token.reveal()}
            pair = (self._client[0].reveal(), self._client[1].reveal())
            if self.client_in_body:
                form.update(client_id=pair[0], client_secret=pair[1])
            body = self.post_token(
                form, "the refresh token", "connect the app again and store the new refresh token",
                auth=None if self.client_in_body else pair)
            new_refresh = body.get("refresh_token")
            if new_refresh and new_refresh != token.reveal():
                self.store.put(self.source, "refresh_token", str(new_refresh))


class ClientCredentials(TokenAuth):
    """Client-credentials grant: client id, secret and (NinjaOne) scope in the form body;
    ServiceTitan's grant takes no scope (the app's scopes are fixed when it is made)."""

    def __init__(self, source: str, token_url: str, *, client_id: Secret,
                 client_secret: Secret, scope: str | None = None, advice: str | None = None,
                 timeout: float = 30.0) -> None:
        super().__init__(source, token_url, timeout=timeout)
        self._client = (client_id, client_secret)
        self.scope = scope
        self.advice = advice
        """What to check when the credentials are refused (default: the id, secret and
        scopes)."""

    def refresh(self) -> None:
        form = {"grant_type": "client_credentials", "client_id": self._client[0].reveal(),
                "client_secret": self._client[1].reveal()}
        if self.scope is not None:
            form["scope"] = self.scope
        advice = self.advice or (
            "check the client id and secret" if self.scope is None else
            f"check the client id and secret, and that the API app is granted the scopes "
            f"{self.scope!r}")
        self.post_token(form, "the client credentials", advice)
