"""POST /api/ask and the Ask box (POST /ask, htmx) over a real DuckDB project holding the
marketplace sample company: the numbers are the metric layer's, every question is in the
audit log, a session needs its CSRF token, nothing is written to the ledger."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from northstar.web import create_app
from web_helpers import csrf_of, fast_settings, log_in, open_copy, shared_template


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    template = shared_template(tmp_path_factory)
    app = create_app(open_copy(template, tmp_path_factory.mktemp("ask") / "p"),
                     fast_settings())
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.ns.project.close()


def token(client: TestClient, user: str) -> dict[str, str]:
    _, raw = client.app.state.ns.auth.create_token(user, "test")  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {raw}"}


def project(client: TestClient) -> Any:
    return client.app.state.ns.project  # type: ignore[attr-defined]


def last_audit(client: TestClient) -> Any:
    return client.app.state.ns.audit.entries(1)[0]  # type: ignore[attr-defined]


def test_a_question_is_answered_with_the_metric_layers_number(client: TestClient) -> None:
    p = project(client)
    last_month = p.calendar.previous(p.calendar.current("month", p.metrics.now))
    r = client.post("/api/ask", json={"question": "What was net revenue last month?"},
                    headers=token(client, "vic"))
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["kind"] == "answer"
    assert data["plan"]["metrics"] == ["net_revenue"]
    assert data["plan"]["period"] == str(last_month)
    [item] = data["items"]
    expected = p.compute(["net_revenue"], [str(last_month)])[0]
    assert item["value"] == pytest.approx(float(expected.value))
    assert item["tile"]["formatted"]["value"] == item["formatted"]
    assert item["status"] == expected.status
    assert item["target"] == expected.target
    assert {link["href"] for link in item["links"]} == {
        f"/metric/net_revenue?period={last_month}", f"/drill/net_revenue?period={last_month}"}
    entry = last_audit(client)
    assert (entry.actor, entry.action, entry.outcome) == ("vic", "ask", "answer")
    detail = json.loads(entry.detail)
    assert detail["question"] == "What was net revenue last month?"
    assert detail["plan"]["metrics"] == ["net_revenue"]
    assert detail["answer"].startswith("Net revenue, ")


def test_a_plan_runs_as_given_and_a_clarifications_choice_is_a_plan(client: TestClient) -> None:
    h = token(client, "vic")
    r = client.post("/api/ask", json={"question": "bill reconciliation variance"}, headers=h)
    data = r.json()["data"]
    assert data["kind"] == "clarify"
    assert [c["plan"]["metrics"] for c in data["choices"]] == [
        ["bill_count_variance"], ["bill_dollar_variance"]]
    r = client.post("/api/ask", json={"plan": data["choices"][1]["plan"]}, headers=h)
    answered = r.json()["data"]
    assert answered["kind"] == "answer"
    assert answered["items"][0]["metric"] == "bill_dollar_variance"
    assert last_audit(client).outcome == "answer"


@pytest.mark.parametrize(("body", "needle"), [
    ({"question": "select * from raw_invoices"}, "never runs SQL"),
    ({"question": "set ebitda for last month to 500000"}, "only reads"),
    ({"question": "show me the audit log"}, "metrics only"),
    ({"plan": {"metrics": ["net_revenue; drop table raw_invoices"]}}, "not a metric name"),
    ({"plan": {"metrics": ["net_revenue"], "slice": {"by": "amount"}}}, "is not a tag"),
    ({"plan": {"metrics": ["take_rate"], "slice": {"by": "owner_id"}}}, "cannot be split"),
    ({"plan": {"metrics": ["net_revenue"], "period": "the day after tomorrow"}},
     "is not a period"),
])
def test_what_ask_refuses_is_refused_and_logged(client: TestClient, body: dict[str, Any],
                                                needle: str) -> None:
    p = project(client)
    head = p.metrics.state().head
    r = client.post("/api/ask", json=body, headers=token(client, "ada"))
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["kind"] == "refused"
    assert needle in data["message"]
    assert last_audit(client).outcome == "refused"
    assert p.metrics.state().head == head  # the ledger did not move


def test_ask_needs_a_login_and_a_sessions_csrf_token(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "gmv"})
    assert r.status_code == 401
    csrf = log_in(client, "eve")
    r = client.post("/api/ask", json={"question": "gmv"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "CSRF_FAILED"
    r = client.post("/api/ask", json={"question": "gmv"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["data"]["kind"] == "answer"
    client.cookies.clear()


@pytest.mark.parametrize("body", [{}, {"question": "gmv", "plan": {"metrics": ["gmv"]}},
                                  {"question": "gmv", "sql": "select 1"}])
def test_a_body_with_neither_or_both_is_a_validation_error(client: TestClient,
                                                           body: dict[str, Any]) -> None:
    r = client.post("/api/ask", json=body, headers=token(client, "vic"))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "VALIDATION_ERROR"


def test_ask_is_in_the_openapi_document(client: TestClient) -> None:
    doc = client.get("/api/openapi.json").json()
    post = doc["paths"]["/api/ask"]["post"]
    assert post["summary"] == "Ask a question of the numbers"
    schema = doc["components"]["schemas"]["AskIn"]
    assert set(schema["properties"]) == {"question", "plan"}


def test_the_ask_box_is_on_every_page_and_answers_in_place(client: TestClient) -> None:
    log_in(client, "vic")
    for path in ("/", "/scorecard", "/dashboards", "/integrity"):
        page = client.get(path)
        assert 'id="ask-form"' in page.text and 'hx-post="/ask"' in page.text, path
    csrf = csrf_of(client.get("/scorecard").text)
    r = client.post("/ask", data={"question": "gmv last month", "csrf_token": csrf},
                    headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.text  # a fragment for #ask-answer
    p = project(client)
    last_month = p.calendar.previous(p.calendar.current("month", p.metrics.now))
    expected = p.compute(["gmv"], [str(last_month)])[0]
    from northstar.formatting import format_value

    assert f'data-metric="gmv" data-period="{last_month}"' in r.text
    assert format_value(expected.value, "usd") in r.text
    # asked back: each reading is a button posting its plan
    r = client.post("/ask", data={"question": "bill reconciliation variance",
                                  "csrf_token": csrf}, headers={"HX-Request": "true"})
    assert r.text.count('class="ask-choice"') == 2
    plans = [json.loads(unescape(v))
             for v in re.findall(r'name="plan" value="([^"]+)"', r.text)]
    assert plans == [{"metrics": ["bill_count_variance"]}, {"metrics": ["bill_dollar_variance"]}]
    r = client.post("/ask", data={"plan": json.dumps(plans[0]), "csrf_token": csrf},
                    headers={"HX-Request": "true"})
    assert 'data-metric="bill_count_variance"' in r.text
    # without JavaScript the box posts a whole page
    r = client.post("/ask", data={"question": "gmv", "csrf_token": csrf})
    assert "<html" in r.text and 'data-metric="gmv"' in r.text
    # and a form without its token is refused
    r = client.post("/ask", data={"question": "gmv"}, headers={"HX-Request": "true"})
    assert r.status_code == 403
    client.cookies.clear()


def test_ask_writes_nothing_to_the_ledger(client: TestClient, tmp_path: Path) -> None:
    p = project(client)
    head = p.metrics.state().head
    h = token(client, "vic")
    for q in ("net revenue in March 2024", "why did gmv change last quarter",
              "which rep has the lowest win rate last year", "take rate the last 13 weeks"):
        r = client.post("/api/ask", json={"question": q}, headers=h)
        assert r.json()["data"]["kind"] == "answer", (q, r.json())
    assert p.metrics.state().head == head


def events_of(body: str) -> list[tuple[str, str]]:
    """A text/event-stream body as (event, data) pairs, as a browser's EventSource reads it."""
    out = []
    for block in body.split("\n\n"):
        lines = [x for x in block.splitlines() if x]
        if not lines:
            continue
        event = next(x[len("event: "):] for x in lines if x.startswith("event: "))
        out.append((event, "\n".join(x[len("data: "):] for x in lines
                                      if x.startswith("data: "))))
    return out


def test_the_ask_box_streams_its_answer_in_order_and_logs_it_once(client: TestClient) -> None:
    p = project(client)
    csrf = log_in(client, "vic")
    r = client.post("/ask", data={"question": "why did gmv change last month", "stream": "1",
                                  "csrf_token": csrf}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.text
    [key] = re.findall(r'sse-connect="/ask/stream/([^"]+)"', r.text)
    audited = len(client.app.state.ns.audit.entries(1000))  # type: ignore[attr-defined]
    with client.stream("GET", f"/ask/stream/{key}") as s:
        assert s.headers["content-type"].startswith("text/event-stream")
        events = events_of(s.read().decode())
    # the reading first, the number, then why it moved and the links, each into the
    # metric's block, and the end
    assert [e for e, _ in events] == ["reading", "number", "part", "part", "end"]
    last_month = p.calendar.previous(p.calendar.current("month", p.metrics.now))
    from northstar.formatting import format_period, format_value

    title = p.catalog.get("gmv").title
    assert events[0][1] == (f"Reading: {title}; {format_period(str(last_month))}; against the "
                            "previous period; and why it moved.")
    expected = p.compute(["gmv"], [str(last_month)])[0]
    number = events[1][1]
    assert f'id="{key}-0" data-metric="gmv" data-period="{last_month}"' in number
    assert f">{format_value(expected.value, 'usd')}</span>" in number
    assert f'hx-swap-oob="beforeend:#{key}-0"' in events[2][1] and 'data-part="why"' in events[2][1]
    assert 'data-part="links"' in events[3][1]
    assert f'href="/drill/gmv?period={last_month}"' in events[3][1]
    assert 'data-ask="answer"' in events[4][1]
    entries = client.app.state.ns.audit.entries(1000)  # type: ignore[attr-defined]
    assert len(entries) == audited + 1
    assert (entries[0].actor, entries[0].action, entries[0].outcome) == ("vic", "ask", "answer")
    assert json.loads(entries[0].detail)["plan"]["why"] is True
    # a key is for one use, by the user who asked
    assert client.get(f"/ask/stream/{key}").status_code == 404
    client.cookies.clear()


def test_the_api_streams_json_steps_and_ends_with_the_same_answer(client: TestClient) -> None:
    h = {**token(client, "vic"), "Accept": "text/event-stream"}
    question = {"question": "why did gmv change last month"}
    audited = len(client.app.state.ns.audit.entries(1000))  # type: ignore[attr-defined]
    with client.stream("POST", "/api/ask", json=question, headers=h) as s:
        assert s.status_code == 200
        assert s.headers["content-type"].startswith("text/event-stream")
        events = [(e, json.loads(d)) for e, d in events_of(s.read().decode())]
    assert [e for e, _ in events] == ["reading", "number", "why", "links", "result"]
    p = project(client)
    last_month = str(p.calendar.previous(p.calendar.current("month", p.metrics.now)))
    assert events[0][1]["message"].startswith("Reading: ")
    number = events[1][1]
    expected = p.compute(["gmv"], [last_month])[0]
    assert (number["index"], number["item"]["metric"], number["item"]["period"]) == (
        0, "gmv", last_month)
    assert number["item"]["value"] == pytest.approx(float(expected.value))
    assert events[2][1]["item"]["why"]["movers"] is not None
    assert {x["href"] for x in events[3][1]["item"]["links"]} == {
        f"/metric/gmv?period={last_month}", f"/drill/gmv?period={last_month}"}
    # the last event is the answer POST /api/ask gives without streaming
    whole = client.post("/api/ask", json=question, headers=token(client, "vic")).json()["data"]
    assert events[-1][1] == whole
    entries = client.app.state.ns.audit.entries(1000)  # type: ignore[attr-defined]
    assert len(entries) == audited + 2  # the streamed question once, the whole one once
    assert [(e.actor, e.outcome) for e in entries[:2]] == [("vic", "answer")] * 2
    # a refusal streams its reading and ends with why
    with client.stream("POST", "/api/ask", json={"question": "set ebitda to 5"},
                       headers=h) as s:
        events = [(e, json.loads(d)) for e, d in events_of(s.read().decode())]
    assert [e for e, _ in events] == ["reading", "result"]
    assert events[-1][1]["kind"] == "refused" and "only reads" in events[-1][1]["message"]
    doc = client.get("/api/openapi.json").json()
    assert "text/event-stream" in doc["paths"]["/api/ask"]["post"]["responses"]["200"]["content"]


def test_a_streamed_question_asked_back_or_refused_ends_with_the_choices_or_why(
        client: TestClient) -> None:
    csrf = log_in(client, "vic")

    def streamed(data: dict[str, str]) -> list[tuple[str, str]]:
        r = client.post("/ask", data={**data, "stream": "1", "csrf_token": csrf},
                        headers={"HX-Request": "true"})
        [key] = re.findall(r'sse-connect="/ask/stream/([^"]+)"', r.text)
        return events_of(client.get(f"/ask/stream/{key}").text)

    events = streamed({"question": "bill reconciliation variance"})
    assert [e for e, _ in events] == ["reading", "end"]
    assert events[-1][1].count('class="ask-choice"') == 2
    assert events[-1][1].count('name="stream" value="1"') == 2  # a choice streams too
    events = streamed({"question": "set ebitda to 5"})
    assert [e for e, _ in events] == ["reading", "end"] and "only reads" in events[-1][1]
    # a choice's plan: its reading, then its number
    events = streamed({"plan": json.dumps({"metrics": ["gmv", "net_revenue"]})})
    assert [e for e, _ in events] == ["reading", "number", "part", "number", "part", "end"]
    titles = [project(client).catalog.get(n).title for n in ("gmv", "net_revenue")]
    assert events[0][1] == f"Reading: {', '.join(titles)}; the current period."
    # another user cannot take a key
    r = client.post("/ask", data={"question": "gmv", "stream": "1", "csrf_token": csrf},
                    headers={"HX-Request": "true"})
    [key] = re.findall(r'sse-connect="/ask/stream/([^"]+)"', r.text)
    client.cookies.clear()
    log_in(client, "eve")
    assert client.get(f"/ask/stream/{key}").status_code == 404
    client.cookies.clear()
    assert client.get(f"/ask/stream/{key}").status_code == 303  # logged out: to the login page
