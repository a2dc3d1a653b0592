"""Times on the pages are the company's wall-clock time, rendered by the server, with the
timezone named next to them and the UTC instant in the tooltip."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from northstar.project import Project
from northstar.web import create_app
from northstar.web.times import time_tag
from web_helpers import copy_project, fast_settings, log_in, shared_template


def test_a_time_is_shown_on_the_company_clock() -> None:
    ny = ZoneInfo("America/New_York")  # UTC-5 in January, UTC-4 (daylight time) in July
    assert time_tag(datetime(2026, 1, 15, 15, 0), ny) == (
        '<time datetime="2026-01-15T15:00:00Z" title="2026-01-15T15:00:00Z">'
        "2026-01-15 10:00</time>")
    assert "2026-07-15 11:00</time>" in time_tag(datetime(2026, 7, 15, 15, 0), ny)
    adelaide = ZoneInfo("Australia/Adelaide")  # UTC+10:30 in its summer: the next day
    assert "2026-01-16 01:30</time>" in time_tag(datetime(2026, 1, 15, 15, 0), adelaide)
    assert time_tag(None, ny) == ""


def test_pages_show_times_in_the_company_timezone(tmp_path_factory: pytest.TempPathFactory,
                                                  tmp_path: Path) -> None:
    root = copy_project(shared_template(tmp_path_factory), tmp_path / "ny")
    toml = root / "northstar.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'timezone = "UTC"' in text
    toml.write_text(text.replace('timezone = "UTC"', 'timezone = "America/New_York"'),
                    encoding="utf-8")
    app = create_app(Project.open(root), fast_settings(), schedule=False, warm=False)
    app.state.ns.audit.record(datetime(2026, 1, 15, 15, 0), "ada", "test.entry", "ok", {})
    with TestClient(app, follow_redirects=False) as c:
        log_in(c, "ada")
        page = c.get("/admin").text
        row = page.split("<td>test.entry</td>")[0].rsplit("<tr>", 1)[1]
        assert ('<td><time datetime="2026-01-15T15:00:00Z" title="2026-01-15T15:00:00Z">'
                "2026-01-15 10:00</time></td><td>ada</td>") in row
        assert "<th>When (America/New_York)</th>" in page
        assert "<th>Finished (America/New_York)</th>" in page
        home = c.get("/").text
        assert re.search(r'<span id="refreshed-at"><time datetime="[0-9T:-]+Z" '
                         r'title="[0-9T:-]+Z">[0-9: -]+</time> \(America/New_York\)</span>',
                         home)
        assert "data-utc" not in page + home and "(UTC)" not in page
    app.state.ns.project.close()
