"""Authentication: a static bearer token, HTTP Basic, or OAuth2 with a rotating refresh token.

The OAuth2 access token lives only in memory. The refresh token is read from the secret store
(the newest rotated one wins) and every new one is written back before it is used, under the
store's lock, so two runs never spend the same refresh token."""

from __future__ import annotations

import base64
import time
from collections.abc import Generator

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


class OAuth2Refresh(httpx.Auth):
    """Refresh-token grant (client id and secret sent with HTTP Basic, as Intuit requires)."""

    MARGIN = 60.0
    """Refresh this many seconds before the access token expires."""

    def __init__(self, store: SecretStore, source: str, token_url: str, *,
                 client_id: Secret, client_secret: Secret, refresh_env: str | None,
                 timeout: float = 30.0) -> None:
        self.store = store
        self.source = source
        self.token_url = token_url
        self._client = (client_id, client_secret)
        self.refresh_env = refresh_env
        self.timeout = timeout
        self._access: Secret | None = None
        self._expires = 0.0
        self.refreshes = 0

    def refresh(self) -> None:
        with self.store.locked():
            token = self.store.require(self.source, "refresh_token", self.refresh_env)
            try:
                response = httpx.post(
                    self.token_url,
                    data={"grant_type": "refresh_token", "refresh_token": token.reveal()},
                    auth=(self._client[0].reveal(), self._client[1].reveal()),
                    headers={"Accept": "application/json"}, timeout=self.timeout,
                )
            except httpx.TransportError as exc:
                raise SourceError(f"{self.source}: could not reach the token endpoint "
                                  f"({type(exc).__name__})") from None
            try:
                body = response.json()
            except ValueError:
                body = {}
            if response.status_code != 200 or "access_token" not in body:
                raise SourceError(
                    f"{self.source}: POST {httpx.URL(self.token_url).path} refused the refresh "
                    f"token (HTTP {response.status_code}: {vendor_message(body) or 'no detail'})"
                    "; connect the app again and store the new refresh token"
                )
            new_refresh = body.get("refresh_token")
            if new_refresh and new_refresh != token.reveal():
                self.store.put(self.source, "refresh_token", str(new_refresh))
            self._access = Secret(str(body["access_token"]))
            self._expires = time.monotonic() + float(body.get("expires_in", 3600))
            self.refreshes += 1

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._access is None or time.monotonic() > self._expires - self.MARGIN:
            self.refresh()
        assert self._access is not None
        request.headers["Authorization"] = f"Bearer {self._access.reveal()}"
        response = yield request
        if response.status_code == 401:
            # Expired early or revoked: one refresh, one more try; a second 401 is final.
            self.refresh()
            request.headers["Authorization"] = f"Bearer {self._access.reveal()}"
            yield request
