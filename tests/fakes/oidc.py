"""A fake OpenID Connect provider (Google-like): discovery, JWKS (an RSA key generated at
start), an authorize endpoint that approves the configured test user at once and redirects
back with code and state, and a token endpoint that checks the code, the redirect URI, the
PKCE verifier (S256) and the client's secret (HTTP Basic or form) and answers with an RS256
ID token.

Switches (`fake.misbehave = ...`) make the ID token wrong in one way:
  "wrong_key"        signed by a key that is not in the JWKS (same key id)
  "wrong_audience"   aud is another client
  "expired"          exp an hour ago
  "unverified_email" email_verified false
  "wrong_nonce"      a nonce the client never sent
  "wrong_issuer"     iss is another provider
`fake.rotate()` replaces the signing key with one under a new key id (clients must fetch the
JWKS again)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey

from fakes.server import Answer, FakeServer, Request

CLIENT_ID = "northstar-test.apps.example"
CLIENT_SECRET = "s3cret/with+odd&chars"


class OidcFake(FakeServer):
    def __init__(self, email: str = "ada@example.com", name: str = "Ada Admin") -> None:
        super().__init__()
        self.user: dict[str, Any] = {"sub": "1000001", "email": email, "email_verified": True,
                                     "name": name}
        self.misbehave: str | None = None
        self.key = RSAKey.generate_key(2048, parameters={"kid": "key-1", "use": "sig"})
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_requests: list[dict[str, str]] = []

    def rotate(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": f"key-{secrets.token_hex(3)}",
                                                         "use": "sig"})

    @property
    def issuer(self) -> str:
        return self.url

    def error_body(self, status: int, message: str) -> Any:
        return {"error": "server_error", "error_description": message}

    def route(self, req: Request) -> Answer:
        if req.path == "/.well-known/openid-configuration":
            return 200, {}, {
                "issuer": self.issuer,
                "authorization_endpoint": self.url + "/authorize",
                "token_endpoint": self.url + "/token",
                "jwks_uri": self.url + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                          "client_secret_post"],
            }
        if req.path == "/jwks":
            return 200, {}, {"keys": [self.key.as_dict(private=False)]}
        if req.path == "/authorize" and req.method == "GET":
            return self._authorize(req)
        if req.path == "/token" and req.method == "POST":
            return self._token(req)
        return 404, {}, self.error_body(404, f"no {req.method} {req.path}")

    def _authorize(self, req: Request) -> Answer:
        redirect = req.arg("redirect_uri") or ""
        problems = []
        if req.arg("client_id") != CLIENT_ID:
            problems.append("unknown client_id")
        if req.arg("response_type") != "code":
            problems.append("response_type must be code")
        if "openid" not in (req.arg("scope") or "").split():
            problems.append("scope lacks openid")
        if req.arg("code_challenge_method") != "S256" or not req.arg("code_challenge"):
            problems.append("PKCE S256 is required")
        if not req.arg("state") or not req.arg("nonce"):
            problems.append("state and nonce are required")
        if problems or not redirect:
            return 400, {}, {"error": "invalid_request", "error_description": "; ".join(problems)}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": req.arg("code_challenge"), "nonce": req.arg("nonce"),
                            "redirect_uri": redirect, "at": time.time(), "used": False}
        query = urlencode({"code": code, "state": req.arg("state")})
        return 302, {"Location": f"{redirect}?{query}"}, {}

    def _client(self, req: Request, form: dict[str, str]) -> tuple[str, str]:
        header = req.headers.get("authorization", "")
        if header.startswith("Basic "):
            pair = base64.b64decode(header[6:]).decode()
            client_id, _, client_secret = pair.partition(":")
            return unquote(client_id.replace("+", " ")), unquote(client_secret.replace("+", " "))
        return form.get("client_id", ""), form.get("client_secret", "")

    def _token(self, req: Request) -> Answer:
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        self.token_requests.append(form)
        client_id, client_secret = self._client(req, form)
        if client_id != CLIENT_ID or client_secret != CLIENT_SECRET:
            return 401, {}, {"error": "invalid_client"}
        grant = self.codes.get(form.get("code", ""))
        if form.get("grant_type") != "authorization_code" or grant is None or grant["used"] \
                or time.time() - grant["at"] > 60:
            return 400, {}, {"error": "invalid_grant", "error_description": "bad code"}
        grant["used"] = True
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {}, {"error": "invalid_grant", "error_description": "redirect_uri"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if challenge.rstrip(b"=").decode() != grant["challenge"]:
            return 400, {}, {"error": "invalid_grant", "error_description": "PKCE verifier"}
        return 200, {"Cache-Control": "no-store"}, {
            "access_token": secrets.token_urlsafe(20), "token_type": "Bearer",
            "expires_in": 3600, "scope": "openid email profile",
            "id_token": self.id_token(grant["nonce"])}

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "azp": CLIENT_ID, "iat": now,
                  "exp": now + 3600, "nonce": nonce, **self.user}
        key = self.key
        bad = self.misbehave
        if bad == "wrong_key":
            key = RSAKey.generate_key(2048, parameters={"kid": self.key.kid})
        elif bad == "wrong_audience":
            claims["aud"] = claims["azp"] = "someone-else.apps.example"
        elif bad == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        elif bad == "unverified_email":
            claims["email_verified"] = False
        elif bad == "wrong_nonce":
            claims["nonce"] = secrets.token_urlsafe(24)
        elif bad == "wrong_issuer":
            claims["iss"] = "https://evil.example"
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)
