"""The single sign-on routes: `/login/oidc` leaves for the provider, `/login/oidc/callback`
comes back, checks everything (web/oidc.py), finds the Northstar user by email and starts the
same server-side session a password login starts. Every sign-in and every refusal is audited;
a refusal is a page that says what happened, never a 500."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from northstar.web.auth import User
from northstar.web.context import SESSION_COOKIE, WebContext, client_of, ctx
from northstar.web.oidc import FLOW_SECONDS, Identity, OidcError
from northstar.web.pages import render, secure

router = APIRouter(include_in_schema=False)
FLOW_COOKIE = "ns_oidc_flow"
FLOW_PATH = "/login/oidc"


def _refused(request: Request, exc: OidcError) -> Response:
    c = ctx(request)
    c.audit.record(c.settings.clock(), exc.email or "-", "login.sso", "failed",
                   {"reason": exc.reason, **exc.detail}, client_of(request))
    response = render(request, "error.html", exc.status, message=exc.message,
                      back=("/login", "Back to the login page"))
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response


def _not_configured(request: Request) -> Response:
    return render(request, "error.html", 404, message="Single sign-on is not set up here.",
                  back=("/login", "Back to the login page"))


@router.get("/login/oidc")
async def oidc_start(request: Request) -> Response:
    c = ctx(request)
    if c.oidc is None:
        return _not_configured(request)
    redirect_uri = c.oidc.settings.redirect_url or str(request.url_for("oidc_callback"))
    try:
        url, flow = await c.oidc.start(redirect_uri)
    except OidcError as exc:
        return _refused(request, exc)
    response = RedirectResponse(url, status_code=303)
    # SameSite=Lax: the provider's redirect back is a top-level GET, which carries it
    response.set_cookie(FLOW_COOKIE, flow, max_age=FLOW_SECONDS, path=FLOW_PATH,
                        httponly=True, samesite="lax", secure=secure(request))
    return response


@router.get("/login/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    c = ctx(request)
    if c.oidc is None:
        return _not_configured(request)
    params = {k: v for k, v in request.query_params.items()
              if k in ("code", "state", "error", "error_description")}
    try:
        identity = await c.oidc.finish(params, request.cookies.get(FLOW_COOKIE))
        user = user_for(c, identity)
    except OidcError as exc:
        return _refused(request, exc)
    raw, _ = c.auth.start_session(user)
    c.audit.record(c.settings.clock(), user.username, "login.sso", "ok",
                   {"email": identity.email, "sub": identity.subject,
                    "issuer": c.oidc.settings.issuer}, client_of(request))
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, raw, httponly=True, samesite="lax",
                        secure=secure(request), path="/")
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response


def user_for(c: WebContext, identity: Identity) -> User:
    """The user with the signed-in email; with `auto_create`, a new viewer for the person in
    people.yml who has that email. Anyone else is refused."""
    user, disabled = c.auth.user_by_email(identity.email)
    if disabled:
        raise OidcError("disabled_user", "This account is disabled. Ask an admin.", 403,
                        email=identity.email)
    if user is not None:
        return user
    assert c.oidc is not None
    if c.oidc.settings.auto_create:
        person = next((p for p in c.project.catalog.people.values()
                       if p.email and p.email.strip().lower() == identity.email), None)
        if person is not None:
            name = re.sub(r"[^A-Za-z0-9._-]", "_", identity.email.partition("@")[0]) or "user"
            user = c.auth.add_sso_user(name, person.id, identity.email)
            c.audit.record(c.settings.clock(), "sso", "user.add", "ok",
                           {"username": user.username, "role": user.role,
                            "person": person.id, "email": identity.email})
            return user
    raise OidcError("unknown_user", f"No Northstar user has the email {identity.email}. "
                    "Ask an admin to add you.", 403, email=identity.email)
