"""Alerts as their recipients see them: an email in a real (local) SMTP server's inbox, over
STARTTLS with a login; one alert per change, none for a rerun, the quiet period; the rule
kinds. Numbers are the hand-worked ones of tests/alerts_fixture.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from alerts_fixture import NOW, SMTP_ENV, alerts_yml, build, copy, open_at
from fakes.smtp import FakeSmtp, bodies
from northstar.alerts.service import Alerts
from northstar.project import Project

RED_TO_OWNER = """\
  - name: red-metrics
    when: status
    notify: [owner]
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("alerts") / "tpl")


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[FakeSmtp]:
    with FakeSmtp(tmp_path / "certs") as server:
        yield server


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Iterator[Project]:
    p = open_at(copy(template, tmp_path / "p"))
    yield p
    p.close()


class Clock:
    """The one clock of a test: the metric layer's and the alerts' (both read it)."""

    def __init__(self, p: Project, now: datetime = NOW) -> None:
        self.p = p
        p.metrics.now = now

    def advance(self, **kwargs: float) -> None:
        assert self.p.metrics.now is not None
        self.p.metrics.now += timedelta(**kwargs)


def service(p: Project, smtp: FakeSmtp, rules: str, extra: str = "") -> Alerts:
    (p.root / "alerts.yml").write_text(alerts_yml(smtp.port, smtp.ca_file, rules, extra),
                                       encoding="utf-8")
    return Alerts(p, environ={SMTP_ENV: smtp.password}, sleep=lambda s: None)


def test_a_metric_turning_red_emails_its_owner_once(project: Project, smtp: FakeSmtp) -> None:
    clock = Clock(project)
    alerts = service(project, smtp, RED_TO_OWNER)
    # $185 against $150 by today: green, so nothing to say
    assert alerts.check() == ([], [])
    assert smtp.messages == []
    # a correction takes April down by $100: $85 is below $120 (80% of $150): red
    project.adjust_metric("new_mrr", "2025-04", "-100", author="eve", reason="refunds")
    raised, sent = alerts.check()
    assert len(raised) == 1 and [s.ok for s in sent] == [True]
    assert len(smtp.messages) == 1
    msg = smtp.messages[0]
    assert msg["To"] == "ada@example.com"
    assert msg["From"] == "Northstar <kpi@example.com>"
    assert msg["Subject"] == "New MRR is red"
    assert smtp.logins == ["kpi"]  # logged in, after STARTTLS (the server allows no other way)
    text, html = bodies(msg)
    assert "Value: $85" in text
    assert "Status: red" in text
    assert "Target: $300 for 2025-04 ($150 by today, at pace)" in text
    assert "What to do: Well behind. Review the sign-up page with the team this week." in text
    assert "Open it: https://kpi.example.com/metric/new_mrr" in text
    assert 'href="https://kpi.example.com/metric/new_mrr"' in html
    assert "$85" in html and "Well behind." in html
    # a second run: nothing changed, nothing sent
    assert alerts.check() == ([], [])
    assert len(smtp.messages) == 1
    # back to green, then red again within the quiet period (24 hours): held back, logged
    clock.advance(hours=2)
    project.adjust_metric("new_mrr", "2025-04", "100", author="eve", reason="refunds undone")
    assert alerts.check() == ([], [])  # green is not a status this rule alerts on
    project.adjust_metric("new_mrr", "2025-04", "-100", author="eve", reason="refunds again")
    raised, sent = alerts.check()
    assert len(raised) == 1 and sent == []
    assert len(smtp.messages) == 1
    held = alerts.log.alerts()[0]
    assert (held["outcome"], held["deliveries"]) == ("quiet", [])
    # after the quiet period, a new change sends again
    clock.advance(hours=23)
    project.adjust_metric("new_mrr", "2025-04", "100", author="eve", reason="fixed")
    alerts.check()
    project.adjust_metric("new_mrr", "2025-04", "-100", author="eve", reason="wrong again")
    raised, sent = alerts.check()
    assert len(raised) == 1 and [s.ok for s in sent] == [True]
    assert len(smtp.messages) == 2
    alerts.close()
