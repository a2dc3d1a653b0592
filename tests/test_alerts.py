"""Alerts as their recipients see them: an email in a real (local) SMTP server's inbox, over
STARTTLS with a login; one alert per change, none for a rerun, the quiet period; the rule
kinds. Numbers are the hand-worked ones of tests/alerts_fixture.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from alerts_fixture import NOW, SMTP_ENV, alerts_yml, build, copy, open_at
from fakes.chat import FakeSlack, FakeTeams
from fakes.smtp import FakeSmtp, bodies
from northstar.alerts.rules import (
    AlertsFile,
    Channel,
    DigestSettings,
    EmailSettings,
    Rule,
    parse_alerts,
)
from northstar.alerts.service import Alerts
from northstar.errors import ConfigError
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


CHANNELS = """\
channels:
  sales-hook:
    kind: slack
    webhook_env: NS_TEST_SLACK_HOOK
  sales-bot:
    kind: slack
    token_env: NS_TEST_SLACK_TOKEN
    channel: "#sales"
    api_url: {api}
  leadership:
    kind: teams
    webhook_env: NS_TEST_TEAMS_HOOK
  ops:
    kind: email
    to: [ops@example.com, cfo@example.com]
"""


@pytest.fixture
def chat() -> Iterator[tuple[FakeSlack, FakeTeams]]:
    with FakeSlack() as slack, FakeTeams() as teams:
        yield slack, teams


def chat_service(p: Project, smtp: FakeSmtp, chat: tuple[FakeSlack, FakeTeams], rules: str,
                 slept: list[float] | None = None, bot_channel: str = "#sales") -> Alerts:
    slack, teams = chat
    channels = CHANNELS.format(api=slack.api_url).replace('"#sales"', f'"{bot_channel}"')
    (p.root / "alerts.yml").write_text(alerts_yml(smtp.port, smtp.ca_file, rules, channels),
                                       encoding="utf-8")
    env = {SMTP_ENV: smtp.password, "NS_TEST_SLACK_HOOK": slack.webhook_url,
           "NS_TEST_SLACK_TOKEN": slack.token, "NS_TEST_TEAMS_HOOK": teams.webhook_url}
    return Alerts(p, environ=env, sleep=(slept if slept is not None else []).append)


LOW_MRR = """\
  - name: low-mrr
    when: threshold
    metrics: [new_mrr]
    below: 100
    notify: [sales-hook, sales-bot, leadership, ops]
"""


def test_slack_and_teams_receive_the_number_status_target_action_and_link(
        project: Project, smtp: FakeSmtp, chat: tuple[FakeSlack, FakeTeams]) -> None:
    slack, teams = chat
    Clock(project)
    with chat_service(project, smtp, chat, LOW_MRR) as alerts:
        assert alerts.check() == ([], [])  # $185 is not below $100
        project.adjust_metric("new_mrr", "2025-04", "-100", author="eve", reason="refunds")
        raised, sent = alerts.check()  # $85 is
    assert len(raised) == 1 and [s.ok for s in sent] == [True] * 4
    hook, bot = slack.posts
    assert hook["text"] == bot["text"] == (
        "New MRR is below $100: Period: 2025-04 (so far) | Value: $85 | Status: red | "
        "Target: $300 for 2025-04 ($150 by today, at pace)")
    assert bot["channel"] == "#sales"
    blocks = {b["type"]: b for b in reversed(hook["blocks"])}  # the first of each type
    assert blocks["section"]["text"]["text"] == (
        ":red_circle: New MRR is $85 for 2025-04, below the line of $100.")
    assert blocks["actions"]["elements"][0]["url"] == "https://kpi.example.com/metric/new_mrr"
    assert any("Well behind." in b.get("text", {}).get("text", "") for b in hook["blocks"])
    [card] = [a["content"] for a in teams.posts[0]["attachments"]]
    facts = {f["title"]: f["value"] for b in card["body"] if b["type"] == "FactSet"
             for f in b["facts"]}
    assert facts == {"Metric": "New MRR", "Period": "2025-04 (so far)", "Value": "$85",
                     "Status": "red", "Target": "$300 for 2025-04 ($150 by today, at pace)"}
    assert card["actions"][0]["url"] == "https://kpi.example.com/metric/new_mrr"
    assert any("Well behind." in b.get("text", "") for b in card["body"])
    [mail] = smtp.messages  # an email channel: one message to all its addresses
    assert mail["To"] == "ops@example.com, cfo@example.com"


def test_a_failed_delivery_is_retried_with_backoff_and_never_lost(
        project: Project, smtp: FakeSmtp, chat: tuple[FakeSlack, FakeTeams]) -> None:
    slack, _ = chat
    clock = Clock(project)
    slept: list[float] = []
    rule = LOW_MRR.replace("[sales-hook, sales-bot, leadership, ops]", "[sales-hook]")
    with chat_service(project, smtp, chat, rule, slept) as alerts:
        project.adjust_metric("new_mrr", "2025-04", "-100", author="eve", reason="refunds")
        slack.fail("500")  # once: the retry within the run gets it through
        _, sent = alerts.check()
        assert [s.ok for s in sent] == [True] and len(slack.posts) == 1
        assert slept == [1.0]
        # Slack down for longer: three tries (waiting 1 s, then 2 s), then 5 minutes later
        project.adjust_metric("new_mrr", "2025-04", "100", author="eve", reason="undo")
        alerts.check()
        project.adjust_metric("new_mrr", "2025-04", "-100", author="eve", reason="redo")
        clock.advance(hours=25)  # past the quiet period
        slack.fail("500", times=3)
        slept.clear()
        _, sent = alerts.check()
        assert [s.ok for s in sent] == [False] and slept == [1.0, 2.0]
        assert sent[0].error == "the slack webhook of sales-hook answered HTTP 500: rollup_error"
        assert sent[0].next_at == alerts.now() + timedelta(minutes=5)
        [d] = alerts.log.deliveries("status <> 'sent'")
        assert (d.status, d.attempts) == ("retrying", 1)
        assert alerts.deliver() == []  # not due yet
        clock.advance(minutes=5)
        [again] = alerts.deliver()
        assert again.ok and len(slack.posts) == 2
        assert alerts.log.deliveries(f"id = {d.id}")[0].status == "sent"
        # throttled: the wait is what Slack asked for
        slack.fail("429", retry_after=7)
        project.adjust_metric("new_mrr", "2025-04", "100", author="eve", reason="undo")
        alerts.check()
        project.adjust_metric("new_mrr", "2025-04", "-100", author="eve", reason="redo")
        clock.advance(hours=25)
        slept.clear()
        _, sent = alerts.check()
        assert [s.ok for s in sent] == [True] and slept == [7.0]


def test_a_delivery_that_cannot_work_fails_at_once_and_says_why(
        project: Project, smtp: FakeSmtp, chat: tuple[FakeSlack, FakeTeams]) -> None:
    slack, _ = chat
    Clock(project)
    rule = LOW_MRR.replace("[sales-hook, sales-bot, leadership, ops]", "[sales-bot]")
    with chat_service(project, smtp, chat, rule, bot_channel="#gone") as alerts:
        project.adjust_metric("new_mrr", "2025-04", "-100", author="eve", reason="refunds")
        _, sent = alerts.check()
    assert [(s.ok, s.next_at) for s in sent] == [(False, None)]
    assert sent[0].error == "Slack's chat.postMessage for sales-bot: channel_not_found"
    assert len(slack.requests) == 1  # not retried: it would fail the same way


def test_an_smtp_server_saying_try_later_is_tried_again(project: Project,
                                                         smtp: FakeSmtp) -> None:
    Clock(project)
    with service(project, smtp, RED_TO_OWNER) as alerts:
        project.adjust_metric("new_mrr", "2025-04", "-100", author="eve", reason="refunds")
        smtp.fail("451 4.3.0 Mailbox busy, try again later")
        _, sent = alerts.check()
    assert [s.ok for s in sent] == [True]
    assert [m["Subject"] for m in smtp.messages] == ["New MRR is red"]


def test_the_lead_gets_their_departments_alerts_and_a_missing_address_is_shown(
        project: Project, smtp: FakeSmtp) -> None:
    Clock(project)
    people = (project.root / "people.yml").read_text()
    (project.root / "people.yml").write_text(people.replace("    email: alan@example.com\n", ""))
    project.close()
    p = open_at(project.root)
    rules = RED_TO_OWNER.replace("[owner]", "[owner, lead]") + """\
  - name: subscriptions-low
    when: threshold
    metrics: [new_subscriptions]
    below: 10
    notify: [owner, lead]
"""
    with service(p, smtp, rules) as alerts:
        p.adjust_metric("new_mrr", "2025-04", "-100", author="eve", reason="refunds")
        raised, _ = alerts.check()
        log = {a["rule"]: a for a in alerts.log.alerts()}
    p.close()
    # Ada owns New MRR and leads sales: one email, not two. New subscriptions (8 so far, below
    # 10) is Alan's, who has no address: his delivery failed, saying so; Ada still hears.
    assert len(raised) == 2
    assert sorted(m["To"] for m in smtp.messages) == ["ada@example.com", "ada@example.com"]
    assert sorted(m["Subject"] for m in smtp.messages) == ["New MRR is red",
                                                           "New subscriptions is below 10"]
    low = log["subscriptions-low"]["deliveries"]
    assert [(d.recipient, d.status, d.last_error) for d in low] == [
        ("alan_turing", "failed", "Alan Turing has no email in people.yml"),
        ("ada_lovelace", "sent", None)]


def test_a_failing_check_alerts_its_channel(project: Project, smtp: FakeSmtp,
                                            chat: tuple[FakeSlack, FakeTeams]) -> None:
    Clock(project)
    rule = """\
  - name: checks
    when: check
    severity: any
    notify: [ops]
"""
    with chat_service(project, smtp, chat, rule) as alerts:
        assert len(alerts.check()[0]) == 1
        assert alerts.check() == ([], [])
    # plan X is not in reference/plans.csv: 4 subscriptions in March, 2 in April
    [mail] = smtp.messages
    assert mail["Subject"] == "Data check plans_are_known failed"
    text, _ = bodies(mail)
    assert "6 row(s) break it: Every subscription is on a plan the reference list knows." in text
    assert "Open it: https://kpi.example.com/integrity" in text


def test_a_negative_value_is_a_finding_sent_to_the_owner(project: Project,
                                                         smtp: FakeSmtp) -> None:
    metric = project.root / "metrics" / "new_mrr.yml"
    metric.write_text(metric.read_text() + "non_negative: true\n")
    project.close()
    p = open_at(project.root)
    rule = """\
  - name: quality
    when: finding
    notify: [owner]
"""
    with service(p, smtp, rule) as alerts:
        assert alerts.check()[0] == []
        p.adjust_metric("new_mrr", "2025-04", "-200", author="eve", reason="chargebacks")
        raised, _ = alerts.check()  # $185 - $200 = -$15
        assert len(raised) == 1 and alerts.check() == ([], [])
    p.close()
    [mail] = smtp.messages
    assert mail["Subject"] == "Data-quality finding on New MRR"
    text, _ = bodies(mail)
    assert "The value for 2025-04 is negative, which this metric should never be." in text


DOC = Path(__file__).resolve().parents[1] / "docs" / "alerts.md"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def test_the_documented_example_file_is_valid() -> None:
    from northstar.packs import get_pack

    yaml_blocks = [body for kind, body in BLOCK.findall(DOC.read_text()) if kind == "yaml"]
    metrics = {f.stem for f in get_pack("marketplace").metrics_dir.glob("*.yml")}
    cfg = parse_alerts(yaml_blocks[0], DOC, metrics)
    assert [r.when for r in cfg.rules] == ["status", "threshold", "finding", "source", "check"]
    assert cfg.quiet_of(cfg.rules[1]) == timedelta(days=3)
    assert cfg.channels["sales"].uses_token and cfg.digest.cron == "0 7 * * mon"
    documented = set(re.findall(r"`(\w+)`", DOC.read_text()))
    fields = {*Rule.model_fields, *Channel.model_fields, *DigestSettings.model_fields,
              *AlertsFile.model_fields} | {f.alias or n for n, f in
                                           EmailSettings.model_fields.items()}
    assert fields <= documented, sorted(fields - documented)


def test_the_documented_message_is_the_one_sent(project: Project, smtp: FakeSmtp) -> None:
    Clock(project)
    with service(project, smtp, RED_TO_OWNER) as alerts:
        project.adjust_metric("new_mrr", "2025-04", "-100", author="eve", reason="refunds")
        alerts.check()
    text, _ = bodies(smtp.messages[0])
    documented = next(body for kind, body in BLOCK.findall(DOC.read_text()) if kind == "text")
    assert text == documented


@pytest.mark.parametrize(("text", "error"), [
    ("rules:\n  - name: a\n    when: source\n    notify: [owner]\n",
     "alerts.yml:2: rules.0: owner is a metric's person; a source rule notifies "
     "a channel"),
    ("rules:\n  - name: a\n    when: status\n    quiet: soon\n    notify: [x]\n",
     "alerts.yml:4: rules.0.quiet: 'soon' is not a duration: write minutes, hours or days as "
     "30m, 24h or 7d"),
    ("rules:\n  - name: a\n    when: threshold\n    notify: [x]\n",
     "alerts.yml:2: rules.0: a threshold rule gives one of `above` or `below`"),
    ("rules:\n  - name: a\n    when: status\n    above: 3\n    notify: [x]\n",
     "alerts.yml:2: rules.0: above do not apply to a `when: status` rule"),
    ("email:\n  host: h\n  security: none\n  username: u\n  from: a@b.c\n",
     "alerts.yml:1: email: a password is never sent in clear"),
])
def test_a_mistake_in_the_file_says_where_and_what(text: str, error: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_alerts(text, Path("alerts.yml"))
    assert str(caught.value).startswith(error), str(caught.value)


def test_the_alert_log_works_on_both_engines(engine_url: str, tmp_path: Path,
                                             smtp: FakeSmtp) -> None:
    p = open_at(build(tmp_path / "p", engine_url))
    try:
        with service(p, smtp, RED_TO_OWNER) as alerts:
            assert alerts.check() == ([], [])
            p.adjust_metric("new_mrr", "2025-04", "-100", author="eve", reason="refunds")
            raised, sent = alerts.check()
            assert len(raised) == 1 and [s.ok for s in sent] == [True]
            assert alerts.check() == ([], [])
            [logged] = alerts.log.alerts()
            assert (logged["title"], logged["message"]["value"]) == ("New MRR is red", "$85")
            assert [d.status for d in logged["deliveries"]] == ["sent"]
    finally:
        p.close()
    assert [m["Subject"] for m in smtp.messages] == ["New MRR is red"]
