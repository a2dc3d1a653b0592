"""Single sign-on through OpenID Connect: the authorization-code flow with PKCE.

`start` sends the browser to the provider with a fresh state, nonce and PKCE verifier, kept in
a short-lived cookie signed with the project secret (nothing is stored server-side before the
user is known). `finish` checks the state against that cookie, trades the code for tokens
(client secret + verifier), and verifies the ID token: its signature against the provider's
JWKS (read through discovery, fetched again once when a key id is unknown: keys rotate), then
iss, aud (and azp), exp, iat, nonce, email_verified and the email's domain. Every refusal is
an `OidcError` with a short reason for the audit log and a sentence for the person."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from northstar.config import OidcSettings
from northstar.sources.secrets import Secret
from northstar.web.auth import same

FLOW_SECONDS = 600
"""How long a sign-in may take between leaving for the provider and coming back."""
LEEWAY = 60
"""Seconds of clock difference tolerated on exp and iat."""
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256")
"""Asymmetric signatures only: never `none`, never HS* (which would make the client secret a
signing key)."""


class OidcError(Exception):
    """A sign-in refused: `reason` goes to the audit log, `message` to the person."""

    def __init__(self, reason: str, message: str, status: int = 400,
                 email: str | None = None, **detail: Any) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
        self.status = status
        self.email = email
        self.detail = detail


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in (already checked)."""

    subject: str
    email: str
    name: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pkce_challenge(verifier: str) -> str:
    """S256: base64url(sha256(verifier)), unpadded (RFC 7636 4.2)."""
    return _b64(hashlib.sha256(verifier.encode("ascii")).digest())


class OidcClient:
    def __init__(self, settings: OidcSettings, client_secret: Secret, signing_key: bytes,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self._secret = client_secret
        self._key = hashlib.sha256(b"oidc-flow:" + signing_key).digest()
        self._transport = transport
        self._discovery: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        """The provider as people know it: the configured name, else the issuer's host."""
        return self.settings.name or urlsplit(self.settings.issuer).hostname or "the provider"

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=10, transport=self._transport,
                                 headers={"Accept": "application/json"})

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            async with self._http() as http:
                r = await http.get(url)
        except httpx.HTTPError as exc:
            raise OidcError("unreachable", f"{self.name} could not be reached ({what}): "
                            f"{type(exc).__name__}. Try again in a moment.", 502) from None
        if r.status_code != 200:
            raise OidcError("provider_error", f"{self.name} answered HTTP {r.status_code} "
                            f"for its {what}.", 502)
        try:
            data = r.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise OidcError("provider_error", f"{self.name}'s {what} is not a JSON object.",
                            502)
        return data

    async def discovery(self) -> dict[str, Any]:
        """The provider's discovery document (read once, then kept)."""
        if self._discovery is None:
            issuer = self.settings.issuer.rstrip("/")
            doc = await self._get_json(issuer + "/.well-known/openid-configuration",
                                       "discovery document")
            if doc.get("issuer") != self.settings.issuer:
                raise OidcError("provider_error", f"The discovery document names issuer "
                                f"{doc.get('issuer')!r}, not {self.settings.issuer!r}; check "
                                "web.oidc.issuer in northstar.toml.", 502)
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(doc.get(key), str):
                    raise OidcError("provider_error",
                                    f"The discovery document lacks {key}.", 502)
            self._discovery = doc
        return self._discovery

    async def _keys(self, refresh: bool = False) -> Any:
        from joserfc.jwk import KeySet

        if self._jwks is None or refresh:
            doc = await self.discovery()
            self._jwks = await self._get_json(doc["jwks_uri"], "signing keys (JWKS)")
        try:
            return KeySet.import_key_set(self._jwks)  # type: ignore[arg-type]
        except Exception as exc:  # any malformed key set is the provider's problem
            raise OidcError("provider_error", f"{self.name}'s signing keys cannot be read "
                            f"({type(exc).__name__}).", 502) from None

    # -- the flow cookie ---------------------------------------------------------------------
    def _seal(self, flow: dict[str, Any]) -> str:
        body = _b64(json.dumps(flow, separators=(",", ":")).encode())
        return body + "." + _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def _open(self, cookie: str | None) -> dict[str, Any]:
        body, _, mac = (cookie or "").partition(".")
        good = _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())
        if not body or not same(mac, good):
            raise OidcError("bad_state", "This sign-in was not started from this browser, or "
                            "its cookie is gone. Start again from the login page.")
        flow: dict[str, Any] = json.loads(_unb64(body))
        if time.time() - float(flow["at"]) > FLOW_SECONDS:
            raise OidcError("expired_flow", "This sign-in took too long. Start again from the "
                            "login page.")
        return flow

    # -- the two halves of the flow ----------------------------------------------------------
    async def start(self, redirect_uri: str) -> tuple[str, str]:
        """Where to send the browser, and the flow cookie to set."""
        doc = await self.discovery()
        flow: dict[str, Any] = {
                "state": secrets.token_urlsafe(24), "nonce": secrets.token_urlsafe(24),
                "verifier": secrets.token_urlsafe(48), "redirect_uri": redirect_uri,
                "at": time.time()}
        query = urlencode({
            "response_type": "code", "client_id": self.settings.client_id,
            "redirect_uri": redirect_uri, "scope": " ".join(self.settings.scopes),
            "state": flow["state"], "nonce": flow["nonce"],
            "code_challenge": pkce_challenge(flow["verifier"]), "code_challenge_method": "S256",
        })
        endpoint = doc["authorization_endpoint"]
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", self._seal(flow)

    async def finish(self, params: dict[str, str], cookie: str | None) -> Identity:
        """Check what the provider sent back and return who signed in."""
        flow = self._open(cookie)
        if not same(params.get("state", ""), flow["state"]):
            raise OidcError("bad_state", "The sign-in answer does not match the sign-in this "
                            "browser started. Start again from the login page.")
        if params.get("error"):
            raise OidcError("provider_refused", f"{self.name} did not sign you in: "
                            f"{params.get('error_description') or params['error']}.", 403,
                            error=params["error"])
        code = params.get("code", "")
        if not code:
            raise OidcError("provider_error", f"{self.name} sent no authorization code.")
        id_token = await self._exchange(code, flow)
        claims = await self._verify(id_token, flow["nonce"])
        return self._identity(claims)

    async def _exchange(self, code: str, flow: dict[str, Any]) -> str:
        doc = await self.discovery()
        form = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": flow["redirect_uri"], "code_verifier": flow["verifier"]}
        methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        headers: dict[str, str] = {}
        if "client_secret_basic" in methods:
            # RFC 6749 2.3.1: id and secret are form-encoded before base64
            pair = (urlencode({"": self.settings.client_id})[1:] + ":"
                    + urlencode({"": self._secret.reveal()})[1:])
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form.update(client_id=self.settings.client_id,
                        client_secret=self._secret.reveal())
        try:
            async with self._http() as http:
                r = await http.post(doc["token_endpoint"], data=form, headers=headers)
        except httpx.HTTPError as exc:
            raise OidcError("unreachable", f"{self.name} could not be reached (token "
                            f"endpoint): {type(exc).__name__}. Try again.", 502) from None
        try:
            body = r.json()
        except ValueError:
            body = {}
        if r.status_code != 200 or not isinstance(body, dict):
            error = body.get("error", "") if isinstance(body, dict) else ""
            raise OidcError("token_error", f"{self.name} refused to complete the sign-in "
                            f"(HTTP {r.status_code} {error}). Start again from the login "
                            "page.", 400 if 400 <= r.status_code < 500 else 502,
                            error=error, status_code=r.status_code)
        token = body.get("id_token")
        if not isinstance(token, str):
            raise OidcError("token_error", f"{self.name} sent no ID token.", 502)
        return token

    async def _verify(self, token: str, nonce: str) -> dict[str, Any]:
        from joserfc import jwt
        from joserfc.errors import InvalidKeyIdError, JoseError

        try:
            try:
                decoded = jwt.decode(token, await self._keys(), algorithms=list(ALGORITHMS))
            except InvalidKeyIdError:  # the provider rotated its keys: fetch them again
                decoded = jwt.decode(token, await self._keys(refresh=True),
                                     algorithms=list(ALGORITHMS))
        except OidcError:
            raise
        except (JoseError, ValueError) as exc:
            raise OidcError("bad_signature", "The identity token's signature does not "
                            "verify against the provider's keys; the sign-in was refused.",
                            why=type(exc).__name__) from None
        claims: dict[str, Any] = dict(decoded.claims)
        email = str(claims.get("email") or "").lower() or None

        def refuse(reason: str, what: str) -> OidcError:
            return OidcError(reason, f"The identity token {what}; the sign-in was refused.",
                             email=email)

        if claims.get("iss") != self.settings.issuer:
            raise refuse("wrong_issuer", "comes from another issuer")
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if self.settings.client_id not in audiences:
            raise refuse("wrong_audience", "was issued for another application")
        if len(audiences) > 1 and claims.get("azp") != self.settings.client_id:
            raise refuse("wrong_audience", "was issued for another application (azp)")
        now = time.time()
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int | float) or exp < now - LEEWAY:
            raise refuse("expired_token", "has expired")
        if not isinstance(iat, int | float) or iat > now + LEEWAY:
            raise refuse("bad_claims", "has no valid issue time")
        if not isinstance(claims.get("nonce"), str) or not same(claims["nonce"], nonce):
            raise refuse("wrong_nonce", "does not answer this sign-in (nonce)")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise refuse("bad_claims", "names no subject")
        return claims

    def _identity(self, claims: dict[str, Any]) -> Identity:
        email = str(claims.get("email") or "").strip().lower()
        if not email or "@" not in email:
            raise OidcError("no_email", f"{self.name} did not share an email address; "
                            "the app needs the `email` scope.", 403)
        if claims.get("email_verified") not in (True, "true"):
            raise OidcError("email_unverified", f"{self.name} has not verified the email "
                            f"{email}; the sign-in was refused.", 403, email=email)
        domain = email.rpartition("@")[2]
        if domain not in self.settings.allowed_domains:
            raise OidcError("domain_not_allowed", f"Accounts at {domain} may not sign in "
                            "here.", 403, email=email)
        return Identity(str(claims["sub"]), email, str(claims.get("name") or email))
