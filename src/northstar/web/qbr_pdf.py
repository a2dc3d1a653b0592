"""The QBR as a PDF: the page's own template and stylesheet, printed by WeasyPrint.

WeasyPrint lays out HTML and CSS (its `@media print` and `@page` rules) without a browser, so
the PDF is the page as it prints: one layout, kept in one template. It needs Pango from the
system (Debian: libpango-1.0-0, libpangoft2-1.0-0); docs/qbr.md says why this library."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from markupsafe import Markup

from northstar.errors import NorthstarError
from northstar.periods import Period
from northstar.project import Project
from northstar.web import qbr

HERE = Path(__file__).parent
Paper = Literal["A4", "letter"]


def html(p: Project, q: Period, paper: Paper = "A4") -> str:
    """The QBR for `q` as one self-contained HTML document (styles inlined)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(["html"]))
    # our own files, put in a <style> as they are (escaping would break quotes and `>`)
    css = Markup("\n".join((HERE / "static" / name).read_text(encoding="utf-8")
                            for name in ("style.css", "qbr.css")))
    values: dict[str, Any] = {"r": qbr.report(p, q), "company": p.settings.company.name,
                              "css": css, "paper": paper}
    return env.get_template("qbr_print.html").render(**values)


def pdf(p: Project, q: Period, paper: Paper = "A4") -> bytes:
    """The QBR for `q` as PDF bytes."""
    document = html(p, q, paper)
    try:
        from weasyprint import HTML
    except OSError as exc:  # the Python package is there, the system's Pango is not
        raise NorthstarError(
            "writing a PDF needs Pango: apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 "
            f"({str(exc).splitlines()[0]})") from None
    written: bytes | None = HTML(string=document, base_url=str(HERE)).write_pdf()
    if written is None:
        raise NorthstarError("WeasyPrint wrote no PDF")
    return written
