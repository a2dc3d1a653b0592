"""The QBR pages: `/qbr` (the last closed quarter), `/qbr/2025-Q1` and its PDF."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from northstar.web import qbr
from northstar.web.context import ctx, require
from northstar.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/qbr")
async def latest(request: Request, quarter: str | None = None) -> Response:
    """The last closed quarter, or the one the picker asks for (`?quarter=2025-Q1`)."""
    require(request)
    q = qbr.quarter(ctx(request).project, quarter or None)
    return RedirectResponse(f"/qbr/{q}", status_code=303)


@router.get("/qbr/{period}", response_class=HTMLResponse)
async def page(request: Request, period: str) -> Response:
    require(request)
    p = ctx(request).project
    q = qbr.quarter(p, period)
    response = render(request, "qbr.html", r=qbr.report(p, q), quarters=qbr.picker(p, q))
    # the page's JSON twin: the same SmartNumbers from the API
    response.headers["Link"] = (f'</api/qbr/smartnumbers?period={q}>; rel="alternate"; '
                                'type="application/json"')
    return response


@router.get("/qbr/{period}/pdf")
async def pdf(request: Request, period: str) -> Response:
    """The same report as a PDF download."""
    from northstar.web import qbr_pdf

    require(request)
    p = ctx(request).project
    q = qbr.quarter(p, period)
    return Response(qbr_pdf.pdf(p, q), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="qbr-{q}.pdf"'})
