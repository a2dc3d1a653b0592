"""The weekly digest as its readers get it: each owner's metric, and for the lead the
department's scorecard, as text and HTML email in the local SMTP server's inbox; once a week;
its time in the company's timezone across daylight saving. Numbers are the hand-worked ones of
tests/alerts_fixture.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts_fixture import SMTP_ENV, alerts_yml, build, copy, open_at
from fakes.smtp import FakeSmtp, bodies
from northstar.alerts import digest
from northstar.alerts.service import Alerts
from northstar.errors import NorthstarError


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("digest") / "tpl")


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[FakeSmtp]:
    with FakeSmtp(tmp_path / "certs") as server:
        yield server


@pytest.fixture
def alerts(template: Path, tmp_path: Path, smtp: FakeSmtp) -> Iterator[Alerts]:
    p = open_at(copy(template, tmp_path / "p"))
    (p.root / "alerts.yml").write_text(alerts_yml(smtp.port, smtp.ca_file, "  []\n",
                                                  "digest:\n  day: monday\n  time: '07:00'\n"),
                                       encoding="utf-8")
    with Alerts(p, environ={SMTP_ENV: smtp.password}, sleep=lambda s: None) as a:
        yield a
    p.close()


def test_each_owner_gets_their_metric_and_the_lead_the_department(alerts: Alerts,
                                                                   smtp: FakeSmtp) -> None:
    sent = digest.send(alerts)
    assert [(d.person.id, outcome) for d, outcome in sent] == [
        ("ada_lovelace", "sent"), ("alan_turing", "sent")]
    mails = {m["To"]: m for m in smtp.messages}
    ada = mails["ada@example.com"]
    # 2025-04-16 is in ISO week 16
    assert ada["Subject"] == "New MRR is green: your week in numbers, 2025-W16"
    text, html = bodies(ada)
    assert text == """\
Good morning Ada,

Your numbers for the week of 2025-W16 (My company).

Your metric: New MRR
  2025-04 so far: $185 (green); target $300 for 2025-04 ($150 by today, at pace)
  2025-03: $300 (green)
  What to do: On plan. Keep the referral offer running.
  Open it: https://kpi.example.com/metric/new_mrr

The sales scorecard (you lead it):
  New MRR (Ada Lovelace): 2025-04 so far $185 (green); 2025-03 $300 (green)
  New subscriptions (Alan Turing): 2025-04 so far 8; 2025-03 12
  Open it: https://kpi.example.com/scorecard?department=sales
"""
    assert 'href="https://kpi.example.com/metric/new_subscriptions"' in html
    assert "<td style=\"padding:4px 10px\">Alan Turing</td>" in html
    assert "$185" in html and "On plan. Keep the referral offer running." in html
    alan_text, alan_html = bodies(mails["alan@example.com"])
    assert mails["alan@example.com"]["Subject"] == "Your week in numbers, 2025-W16"
    assert "  2025-04 so far: 8\n  2025-03: 12\n" in alan_text
    assert "scorecard" not in alan_text  # Alan does not lead
    assert "<h2" in alan_html


def test_one_digest_a_week_however_often_it_runs(alerts: Alerts, smtp: FakeSmtp) -> None:
    digest.send(alerts, ["alan_turing"])
    again = digest.send(alerts, ["alan_turing"])
    assert [outcome for _, outcome in again] == ["already sent"]
    assert len(smtp.messages) == 1
    assert alerts.p.metrics.now is not None
    alerts.p.metrics.now += timedelta(days=7)  # 2025-04-23: week 17
    [(d, outcome)] = digest.send(alerts, ["alan_turing"])
    assert (d.week, outcome) == ("2025-W17", "sent")
    assert len(smtp.messages) == 2


def test_a_dry_run_sends_nothing_and_an_unknown_person_is_named(alerts: Alerts,
                                                                smtp: FakeSmtp) -> None:
    [(d, outcome)] = digest.send(alerts, ["ada_lovelace"], dry_run=True)
    assert outcome == "dry run" and d.own is not None and d.own.value == "$185"
    assert smtp.messages == [] and alerts.log.alerts() == []
    with pytest.raises(NorthstarError, match=r"no person 'grace' in people\.yml"):
        digest.send(alerts, ["grace"])


@pytest.mark.parametrize(("timezone", "after", "expected"), [
    # Monday 07:00 in Chicago is 13:00 UTC in winter (CST, UTC-6)...
    ("America/Chicago", datetime(2025, 3, 3, 12, 59, tzinfo=UTC),
     datetime(2025, 3, 3, 13, 0, tzinfo=UTC)),
    # ...and 12:00 UTC once daylight saving starts (Sunday 9 March 2025, CDT, UTC-5)
    ("America/Chicago", datetime(2025, 3, 3, 13, 0, tzinfo=UTC),
     datetime(2025, 3, 10, 12, 0, tzinfo=UTC)),
    # back to standard time on Sunday 2 November 2025
    ("America/Chicago", datetime(2025, 10, 28, tzinfo=UTC),
     datetime(2025, 11, 3, 13, 0, tzinfo=UTC)),
    # Monday morning in Tokyo is still Sunday in UTC
    ("Asia/Tokyo", datetime(2025, 4, 13, 12, 0, tzinfo=UTC),
     datetime(2025, 4, 13, 22, 0, tzinfo=UTC)),
])
def test_the_digest_time_is_the_companys_local_time(timezone: str, after: datetime,
                                                     expected: datetime) -> None:
    assert digest.next_digest("0 7 * * mon", timezone, after) == expected
