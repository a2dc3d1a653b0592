"""Goal values pushed to Asana, against a local fake of the Goals API (tests/fakes/asana.py):
the value lands in the goal's unit, a rerun makes no call, a goal edited by hand is left alone
(until the metric file says `overwrite: true`), 429 and 500 are tried again, a bad token says
so in one line; every push is in the collection run log. Numbers are the hand-worked ones of
tests/alerts_fixture.py: on 2025-04-16, New MRR for April so far is $185 (target $300), New
subscriptions 8."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from alerts_fixture import build, copy, open_at
from fakes.asana import TOKEN, AsanaFake
from fakes.cli import run
from fakes.clock import FakeClock
from northstar.asana.push import GoalPush, Result
from northstar.collection.log import entries
from northstar.project import Project

GOAL = "1204000000000101"
OTHER = "1204000000000102"
ASANA_TOML = """
[asana]
base_url = "{url}"
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("asana") / "tpl")


@pytest.fixture
def asana() -> Iterator[AsanaFake]:
    with AsanaFake() as fake:
        fake.add_goal(GOAL, "Grow new MRR", unit="currency", currency_code="USD",
                      current=0.0, target=300.0, initial=0.0)
        yield fake


def link(root: Path, metric: str, block: str) -> None:
    """Give a metric file an `asana:` block (indented YAML under it)."""
    path = root / "metrics" / f"{metric}.yml"
    path.write_text(path.read_text() + "asana:\n" + block)


def folder(template: Path, tmp_path: Path, asana: AsanaFake, block: str | None = None) -> Path:
    root = copy(template, tmp_path / "p")
    with (root / "northstar.toml").open("a") as f:
        f.write(ASANA_TOML.format(url=asana.api_url))
    link(root, "new_mrr", block or f'  goal: "{GOAL}"\n')
    return root


@pytest.fixture
def project(template: Path, tmp_path: Path, asana: AsanaFake) -> Iterator[Project]:
    p = open_at(folder(template, tmp_path, asana))
    yield p
    p.close()


def pusher(p: Project, token: str | None = TOKEN, clock: FakeClock | None = None) -> GoalPush:
    return GoalPush(p, environ={"ASANA_TOKEN": token} if token else {},
                    sleep=(clock or FakeClock()).sleep)


def outcomes(results: list[Result]) -> list[tuple[str, str]]:
    return [(r.plan.metric.name, r.outcome) for r in results]


def test_the_value_is_pushed_once_and_a_rerun_makes_no_call(project: Project,
                                                            asana: AsanaFake) -> None:
    [r] = pusher(project).run()
    assert (r.outcome, r.plan.period, r.plan.value) == ("pushed", "2025-04", 185.0)
    assert r.message == "set USD 185 (was USD 0); Northstar's first push to this goal"
    # read first, then the documented write, with the token as a bearer token
    assert [(q.method, q.path) for q in asana.requests] == [
        ("GET", f"/api/1.0/goals/{GOAL}"),
        ("POST", f"/api/1.0/goals/{GOAL}/setMetricCurrentValue")]
    assert {q.headers["authorization"] for q in asana.requests} == {f"Bearer {TOKEN}"}
    assert asana.requests[1].json() == {"data": {"current_number_value": 185.0}}
    assert asana.current(GOAL) == 185.0 and asana.target(GOAL) == 300.0  # target untouched
    # the push is in the collection run log
    [entry] = entries(project, 10, "asana")
    assert (entry["kind"], entry["period"], entry["status"], entry["read"],
            entry["appended"]) == ("push", "2025-04", "ok", 1, 1)
    assert entry["reason"] == (f"new_mrr -> Asana goal {GOAL} (Grow new MRR): set USD 185 "
                               "(was USD 0); Northstar's first push to this goal")
    # a rerun with nothing new: no request at all, nothing more in the log
    assert outcomes(pusher(project).run()) == [("new_mrr", "unchanged")]
    assert len(asana.requests) == 2
    assert len(entries(project, 10, "asana")) == 1
    # new data: read again, then written
    project.adjust_metric("new_mrr", "2025-04", "15", author="eve", reason="late sign-up")
    [r] = pusher(project).run()
    assert (r.outcome, r.message) == ("pushed", "set USD 200 (was USD 185)")
    assert asana.current(GOAL) == 200.0
    assert [q.method for q in asana.requests] == ["GET", "POST", "GET", "POST"]
    assert [e["status"] for e in entries(project, 10, "asana")] == ["ok", "ok"]


def test_a_goal_edited_by_hand_is_left_alone_until_the_metric_file_says_overwrite(
        template: Path, tmp_path: Path, asana: AsanaFake) -> None:
    root = folder(template, tmp_path, asana)
    with open_at(root) as p:
        pusher(p).run()
        assert asana.current(GOAL) == 185.0
        asana.edit(GOAL, current=170.0)  # someone types 170 in Asana
        # a rerun wants the same $185: no call, so nothing is noticed or overwritten yet
        assert outcomes(pusher(p).run()) == [("new_mrr", "unchanged")]
        # Northstar's value moves: the goal is read, found edited, and left alone
        p.adjust_metric("new_mrr", "2025-04", "-35", author="eve", reason="refund")
        calls = len(asana.requests)
        [r] = pusher(p).run()
        assert r.outcome == "edited"
        assert r.message.startswith("edited by hand in Asana: it shows USD 170, Northstar "
                                    "last pushed USD 185 on ")
        assert r.message.endswith("Left alone; `overwrite: true` under the metric file's "
                                  "asana: replaces it")
        assert [q.method for q in asana.requests[calls:]] == ["GET"]  # read, never written
        assert asana.current(GOAL) == 170.0
        newest = entries(p, 10, "asana")[0]
        assert (newest["status"], newest["error"]) == ("skipped", r.message)
        state = pusher(p).log.states()[GOAL]
        assert (state.outcome, state.pushed_value, state.goal_value) == ("edited", 185.0, 170.0)
        # and it stays alone: the same value again makes no call
        calls = len(asana.requests)
        [r] = pusher(p).run()
        assert r.outcome == "unchanged" and r.message.startswith("still edited by hand")
        assert len(asana.requests) == calls
    # the metric file says overwrite: the hand edit is replaced, and the log says so
    path = root / "metrics" / "new_mrr.yml"
    path.write_text(path.read_text() + "  overwrite: true\n")
    with open_at(root) as p:
        [r] = pusher(p).run()
        assert r.outcome == "pushed"
        assert r.message == ("set USD 150 (was USD 170); replaced a hand edit (it shows USD "
                             "170, Northstar last pushed USD 185): overwrite is on")
        assert asana.current(GOAL) == 150.0


def test_overwrite_from_the_command_line_is_for_that_run_only(project: Project,
                                                              asana: AsanaFake) -> None:
    pusher(project).run()
    asana.edit(GOAL, current=170.0)
    project.adjust_metric("new_mrr", "2025-04", "-35", author="eve", reason="refund")
    assert outcomes(pusher(project).run()) == [("new_mrr", "edited")]
    assert outcomes(pusher(project).run(overwrite=["new_mrr"])) == [("new_mrr", "pushed")]
    assert asana.current(GOAL) == 150.0
    asana.edit(GOAL, current=160.0)
    project.adjust_metric("new_mrr", "2025-04", "5", author="eve", reason="late")
    assert outcomes(pusher(project).run()) == [("new_mrr", "edited")]
    assert asana.current(GOAL) == 160.0


def test_a_429_and_a_500_are_tried_again_with_backoff(project: Project,
                                                      asana: AsanaFake) -> None:
    clock = FakeClock()
    asana.fail("429", retry_after=7)
    asana.fail("500")
    [r] = pusher(project, clock=clock).run()
    assert r.outcome == "pushed" and asana.current(GOAL) == 185.0
    # Retry-After honoured (7 s), then tenacity's back-off: 2 s after the second try
    assert clock.slept == [7.0, 2.0]
    assert [q.method for q in asana.requests] == ["GET", "GET", "GET", "POST"]


def test_asana_down_fails_the_push_not_the_run_and_the_next_run_tries_again(
        project: Project, asana: AsanaFake) -> None:
    clock = FakeClock()
    asana.fail("500", times=4)  # every try of the read ([asana] attempts = 4)
    [r] = pusher(project, clock=clock).run()
    assert r.outcome == "failed"
    assert r.message == ("Asana answered HTTP 500 to GET /goals/1204000000000101: Server Error "
                         "(phrase for Asana support: 6 sad squid snuggle softly) (gave up "
                         "after 4 tries)")
    assert clock.slept == [1.0, 2.0, 4.0]
    [entry] = entries(project, 10, "asana")
    assert (entry["status"], entry["error"]) == ("failed", r.message)
    assert asana.current(GOAL) == 0.0
    # the value has not changed, but it never arrived: the next run tries again
    [r] = pusher(project).run()
    assert r.outcome == "pushed" and asana.current(GOAL) == 185.0


def test_a_retry_after_longer_than_the_longest_wait_gives_up_at_once(
        project: Project, asana: AsanaFake) -> None:
    clock = FakeClock()
    asana.fail("429", retry_after=3600)
    [r] = pusher(project, clock=clock).run()
    assert r.outcome == "failed" and r.message.startswith(
        "Asana answered HTTP 429 to GET /goals/1204000000000101: You've made too many "
        "requests and hit a rate limit.")
    assert clock.slept == [] and len(asana.requests) == 1


def test_a_bad_token_is_reported_clearly_and_stops_the_other_pushes(
        template: Path, tmp_path: Path, asana: AsanaFake) -> None:
    asana.add_goal(OTHER, "Subscriptions", current=0.0, target=20.0)
    root = folder(template, tmp_path, asana)
    link(root, "new_subscriptions", f'  goal: "{OTHER}"\n')
    with open_at(root) as p:
        results = pusher(p, token="2/1/2:not-the-token").run()
        secrets = root / ".secrets" / "secrets.json"
        said = ("Asana refused the token (HTTP 401: Not Authorized): give a valid personal "
                f"access token or service account token as asana.token in {secrets} or in "
                "the environment variable ASANA_TOKEN")
        assert [(r.outcome, r.message) for r in results] == [("failed", said)] * 2
        assert len(asana.requests) == 1  # the second goal was not tried with the same token
        assert [e["status"] for e in entries(p, 10, "asana")] == ["failed", "failed"]
        # no token at all: said without a call
        results = pusher(p, token=None).run()
        assert {r.message for r in results} == {
            "no Asana token: set a personal access token or service account token as "
            f"asana.token in {secrets} or in the environment variable ASANA_TOKEN"}
        assert len(asana.requests) == 1
    # from the command line: the same line, exit 1, no traceback
    proc = run("asana", "push", cwd=root, ok=False)
    assert proc.returncode == 1
    assert "failed new_mrr" in proc.stdout  # the real clock: this month, whatever it is
    assert f"-> goal {GOAL}: no Asana token: set a personal access token" in proc.stdout


def test_the_token_from_the_secrets_file_and_the_command_line(template: Path, tmp_path: Path,
                                                              asana: AsanaFake) -> None:
    import json
    import os

    root = folder(template, tmp_path, asana)
    secrets = root / ".secrets"
    secrets.mkdir(mode=0o700)
    (secrets / "secrets.json").write_text(json.dumps({"asana": {"token": TOKEN}}))
    os.chmod(secrets / "secrets.json", 0o600)
    # the real clock: this month has no subscriptions, so New MRR is $0; the goal shows 50
    asana.edit(GOAL, current=50.0)
    dry = run("asana", "push", "--dry-run", cwd=root).stdout
    assert "would push new_mrr" in dry and "would set USD 0 (was USD 50)" in dry
    assert asana.writes == []
    proc = run("asana", "push", cwd=root)
    assert "pushed new_mrr" in proc.stdout and f"goal {GOAL} (Grow new MRR): set USD 0 " \
        "(was USD 50)" in proc.stdout
    assert asana.current(GOAL) == 0.0
    again = run("asana", "push", cwd=root).stdout
    assert "unchanged new_mrr" in again and "no call" in again
    listing = run("asana", "list", cwd=root).stdout
    assert "new_mrr" in listing and GOAL in listing and "Grow new MRR" in listing
    assert "pushed: set USD 0 (was USD 50)" in listing


def test_a_dry_run_reads_but_writes_nothing(project: Project, asana: AsanaFake) -> None:
    [r] = pusher(project).run(dry_run=True)
    assert (r.outcome, r.message) == ("would_push", "would set USD 185 (was USD 0); "
                                                    "Northstar's first push to this goal")
    assert [q.method for q in asana.requests] == ["GET"]
    assert asana.current(GOAL) == 0.0
    assert entries(project, 10, "asana") == [] and pusher(project).log.states() == {}


def test_the_target_is_set_where_the_metric_file_asks(template: Path, tmp_path: Path,
                                                      asana: AsanaFake) -> None:
    asana.edit(GOAL, target=250.0)
    root = folder(template, tmp_path, asana, f'  goal: "{GOAL}"\n  set_target: true\n')
    with open_at(root) as p:
        [r] = pusher(p).run()
        assert r.message == ("set USD 185 (was USD 0), target USD 300 (was USD 250); "
                             "Northstar's first push to this goal")
        [write] = asana.writes
        assert write == (GOAL, "setMetric", {
            "unit": "currency", "precision": 0, "current_number_value": 185.0,
            "target_number_value": 300.0, "initial_number_value": 0.0,
            "currency_code": "USD", "progress_source": "manual"})
        assert (asana.current(GOAL), asana.target(GOAL)) == (185.0, 300.0)
        assert outcomes(pusher(p).run()) == [("new_mrr", "unchanged")]
        # a target changed by hand counts as a hand edit too
        asana.edit(GOAL, target=350.0)
        p.adjust_metric("new_mrr", "2025-04", "15", author="eve", reason="late")
        [r] = pusher(p).run()
        assert r.outcome == "edited" and "its target is USD 350, Northstar last set USD 300" \
            in r.message
        assert (asana.current(GOAL), asana.target(GOAL)) == (185.0, 350.0)


ATTAINMENT = """\
name: mrr_attainment
title: MRR attainment
description: New MRR as a share of the $300 plan.
department: sales
unit: percent
expression: new_mrr / 300
"""


@pytest.mark.parametrize(("unit", "precision", "expected"), [
    ("percentage", 1, 0.617),  # 185 / 300 = 0.61666...: 61.7% shows with one decimal
    ("none", 1, 61.7),  # a plain number goal gets the percent as people read it
])
def test_a_percent_lands_in_the_goals_unit(template: Path, tmp_path: Path, asana: AsanaFake,
                                           unit: str, precision: int, expected: float) -> None:
    asana.add_goal(OTHER, "Hit plan", unit=unit, precision=precision, current=0.0,
                   target=1.0 if unit == "percentage" else 100.0)
    root = folder(template, tmp_path, asana)
    (root / "metrics" / "mrr_attainment.yml").write_text(ATTAINMENT)
    link(root, "mrr_attainment", f'  goal: "{OTHER}"\n')
    with open_at(root) as p:
        results = pusher(p).run(["mrr_attainment"])
        assert outcomes(results) == [("mrr_attainment", "pushed")]
        assert asana.current(OTHER) == expected
        assert asana.current(GOAL) == 0.0  # --metric: only the goal asked for


@pytest.mark.parametrize(("goal", "said"), [
    ({"unit": "currency", "currency_code": "USD"},
     "the goal is in USD and the metric in count: Northstar only writes US dollars to a "
     "currency goal"),
    ({"metric": False}, "the goal has no metric in Asana: open it, add a number, percentage "
     "or currency metric, and the next push sets it"),
    ({"progress_source": "subgoal_progress"}, "Asana works this goal's progress out itself "
     "(progress source subgoal_progress): set it to manual in Asana for Northstar to set it"),
])
def test_a_goal_that_cannot_take_the_value_says_why(template: Path, tmp_path: Path,
                                                    asana: AsanaFake, goal: dict[str, object],
                                                    said: str) -> None:
    asana.add_goal(OTHER, "Subscriptions", **goal)  # type: ignore[arg-type]
    root = folder(template, tmp_path, asana)
    link(root, "new_subscriptions", f'  goal: "{OTHER}"\n')
    with open_at(root) as p:
        [r] = pusher(p).run(["new_subscriptions"])
        assert (r.outcome, r.message) == ("failed", said)
        assert [q.method for q in asana.requests] == ["GET"]


def test_an_unknown_goal_says_what_asana_said(template: Path, tmp_path: Path,
                                              asana: AsanaFake) -> None:
    root = folder(template, tmp_path, asana)
    link(root, "new_subscriptions", '  goal: "1204999999999999"\n')
    with open_at(root) as p:
        [r] = pusher(p).run(["new_subscriptions"])
    assert r.message == ("Asana refused GET /goals/1204999999999999 with HTTP 404 (no such "
                         "goal, or the token's user cannot see it): goal: Not a recognized ID: "
                         "1204999999999999")


@pytest.mark.parametrize(("block", "error"), [
    ("  goal: 1204000000000101\n", "metrics/new_subscriptions.yml:13: asana.goal: quote the "
     'goal gid (1204000000000101): goal: "1204000000000101", or YAML may round it'),
    ('  goal: "1204000000000101"\n', "metrics/new_subscriptions.yml:13: Asana goal "
     "1204000000000101 is already pushed by 'new_mrr': one metric per goal"),
    ('  goal: "120400"\n  set_target: true\n', "metrics/new_subscriptions.yml:14: "
     "asana.set_target is true but the metric has no target: add a `target:` or leave "
     "set_target out"),
    ('  goal: "https://app.asana.com/0/goal/1204000000000777"\n',
     "metrics/new_subscriptions.yml:13: asana.goal: 'https://app.asana.com/0/goal/"
     "1204000000000777' is not a goal gid: give the long number in the goal's Asana address: "
     'goal: "1204000000000777"'),
])
def test_a_mistake_in_the_asana_block_names_its_file_and_line(
        template: Path, tmp_path: Path, asana: AsanaFake, block: str, error: str) -> None:
    root = folder(template, tmp_path, asana)
    link(root, "new_subscriptions", block)
    with open_at(root) as p:
        [found] = [str(e) for e in p.catalog.errors]
        assert "new_subscriptions" not in p.catalog.metrics
    assert error in found, found


def test_a_collection_pushes_and_a_failed_one_does_not(template: Path, tmp_path: Path,
                                                       asana: AsanaFake,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from fakes.project import FAST_RETRY
    from fakes.stripe import KEY, StripeFake
    from northstar.sources.sync import SyncFailed, sync

    monkeypatch.setenv("ASANA_TOKEN", TOKEN)
    monkeypatch.setenv("NS_TEST_STRIPE_KEY", KEY)
    root = folder(template, tmp_path, asana)
    with StripeFake() as stripe:
        (root / "sources.toml").write_text(
            f'[pay]\nkind = "stripe"\nbase_url = "{stripe.url}"\n'
            'token_env = "NS_TEST_STRIPE_KEY"\n' + FAST_RETRY.format(name="pay"))
        with open_at(root) as p:
            stripe.fail("500", times=50)
            with pytest.raises(SyncFailed):
                sync(p, "pay", objects=["charges"])
            assert asana.requests == []  # nothing new landed: nothing pushed
            stripe.faults.clear()
            sync(p, "pay", objects=["charges"])
            assert asana.current(GOAL) == 185.0
            assert [e["status"] for e in entries(p, 10, "asana")] == ["ok"]


def test_inside_the_server_the_push_runs_in_its_own_thread(project: Project,
                                                           asana: AsanaFake,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    import threading

    from northstar.asana import after_collection
    from northstar.asana.runner import AsanaRunner

    monkeypatch.setenv("ASANA_TOKEN", TOKEN)
    lock = threading.RLock()
    runner = AsanaRunner(project, lock)
    runner.start()
    try:
        with lock:  # as the server's scheduled collection holds it
            after_collection(project)  # only wakes the runner: returns before any call
        assert runner.wait_idle(30)
        assert asana.current(GOAL) == 185.0
    finally:
        runner.shutdown()


def test_the_push_state_works_on_both_engines(engine_url: str, tmp_path: Path,
                                              asana: AsanaFake) -> None:
    root = build(tmp_path / "p", engine_url)
    with (root / "northstar.toml").open("a") as f:
        f.write(ASANA_TOML.format(url=asana.api_url))
    link(root, "new_mrr", f'  goal: "{GOAL}"\n')
    with open_at(root) as p:
        assert outcomes(pusher(p).run()) == [("new_mrr", "pushed")]
        assert outcomes(pusher(p).run()) == [("new_mrr", "unchanged")]
        assert pusher(p).log.states()[GOAL].pushed_value == 185.0
    assert len(asana.requests) == 2


def test_a_file_load_pushes_too(template: Path, tmp_path: Path, asana: AsanaFake) -> None:
    import json
    import os
    from datetime import UTC, datetime

    root = folder(template, tmp_path, asana)
    secrets = root / ".secrets"
    secrets.mkdir(mode=0o700)
    (secrets / "secrets.json").write_text(json.dumps({"asana": {"token": TOKEN}}))
    os.chmod(secrets / "secrets.json", 0o600)
    today = datetime.now(UTC).date()  # the real clock, as a person runs it
    (tmp_path / "subs.csv").write_text("id,plan_code,started_on,monthly_amount,department\n"
                                       f"S9001,X,{today},40,sales\n")
    run("load", "subscriptions", str(tmp_path / "subs.csv"), "--source", "billing", cwd=root)
    assert asana.current(GOAL) == 40.0  # this month's only subscription
    assert [w[1] for w in asana.writes] == ["setMetricCurrentValue"]
