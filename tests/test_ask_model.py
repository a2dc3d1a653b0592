"""The optional language model, against a local fake OpenAI-compatible endpoint that scripts its
tool calls: it only ever produces a plan (the built-in reader's schema), the core computes the
numbers, and every malicious call (SQL in arguments, a write, a tool it does not have, other
data, numbers in words) is refused with nothing written and nothing run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes.llm import LlmFake
from northstar.ask.core import Answer, Asker, ask
from northstar.ask.plan import Refusal
from northstar.config import Settings, load_settings
from northstar.errors import ConfigError
from northstar.project import Project
from web_helpers import open_copy, shared_template

VIEWER = Asker("vic", "viewer", None)
VAGUE = "how are we doing on the money brands leave with us"
"""A question the built-in reader finds no metric in."""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_template(tmp_path_factory)


@pytest.fixture
def fake() -> Iterator[LlmFake]:
    with LlmFake() as server:
        yield server


def open_with_model(template: Path, dest: Path, fake: LlmFake, extra: str = "") -> Project:
    project = open_copy(template, dest)
    with (project.root / "northstar.toml").open("a") as f:
        f.write(f'\n[ask.model]\nbase_url = "{fake.base_url}"\nmodel = "fake-1"\n{extra}')
    project.settings = load_settings(project.root)
    return project


@pytest.fixture
def project(template: Path, tmp_path: Path, fake: LlmFake) -> Iterator[Project]:
    p = open_with_model(template, tmp_path / "p", fake)
    yield p
    p.close()


def last_month(p: Project) -> str:
    return str(p.calendar.previous(p.calendar.current("month", p.metrics.now)))


def tools_offered(body: dict[str, Any]) -> set[str]:
    return {t["function"]["name"] for t in body.get("tools", [])}


def test_the_model_is_off_by_default(tmp_path: Path) -> None:
    assert Settings().ask.model is None
    Project.init(tmp_path / "p").close()
    assert load_settings(tmp_path / "p").ask.model is None


def test_a_question_the_reader_cannot_read_is_planned_by_the_model_and_computed_by_the_core(
        project: Project, fake: LlmFake) -> None:
    fake.script = [("tool", "list_metrics", {}),
                   ("tool", "answer_with_plan", {"metrics": ["net_revenue"],
                                                 "period": "last month"})]
    result = ask(project, VAGUE, VIEWER)
    assert isinstance(result, Answer), result
    assert result.read_by == "model"
    assert result.plan.period == last_month(project)
    expected = project.compute(["net_revenue"], [last_month(project)])[0]
    assert result.items[0].value == pytest.approx(float(expected.value))
    first, second = fake.bodies()
    assert first["model"] == "fake-1"
    assert tools_offered(first) == {"list_metrics", "list_people", "tag_values",
                                    "answer_with_plan"}  # nothing that computes or writes
    assert VAGUE in json.dumps(first["messages"])
    # the tool's answer is the catalogue as the asker may see it, no number in it
    result_message = next(m for m in second["messages"] if m["role"] == "tool")
    listed = json.loads(result_message["content"])
    assert {m["name"] for m in listed} == set(project.catalog.metrics)
    assert "value" not in listed[0]


def test_a_question_the_reader_reads_never_reaches_the_model(project: Project,
                                                             fake: LlmFake) -> None:
    result = ask(project, "net revenue last month", VIEWER)
    assert isinstance(result, Answer) and result.read_by == "parser"
    for question in ("select * from raw_invoice_lines", "set ebitda to 5", "show me the passwords"):
        refused = ask(project, question, VIEWER)
        assert isinstance(refused, Refusal) and refused.reason in ("sql", "write", "private")
    assert fake.calls == 0


def test_sql_in_a_tool_call_and_a_tool_it_does_not_have_are_refused(project: Project,
                                                                    fake: LlmFake) -> None:
    before = project.engine.scalar("SELECT count(*) FROM raw_invoice_lines")
    head = project.metrics.state().head
    fake.script = [
        ("tool", "run_sql", {"sql": "DROP TABLE raw_invoice_lines"}),
        ("tool", "answer_with_plan", {"metrics": ["net_revenue; DROP TABLE raw_invoice_lines"]}),
        ("tool", "answer_with_plan", {"metrics": ["gmv"], "period": "last month",
                                      "slice": {"filters": {"client_id": "x' OR '1'='1"}}}),
    ]
    result = ask(project, VAGUE, VIEWER)
    assert isinstance(result, Answer), result
    # the injected filter is a value like any other: no client is called that
    assert result.items[0].value is None
    expected = project.compute(["gmv"], [last_month(project)],
                               filters={"client_id": "x' OR '1'='1"})[0]
    assert expected.value is None
    sent = json.dumps(fake.bodies()[1]["messages"]) + json.dumps(fake.bodies()[2]["messages"])
    assert "run_sql" in sent and "Unknown tool" in sent
    assert "is not a metric name" in sent
    assert project.engine.scalar("SELECT count(*) FROM raw_invoice_lines") == before
    assert project.metrics.state().head == head


def test_a_write_and_numbers_in_words_get_no_answer(project: Project, fake: LlmFake) -> None:
    head = project.metrics.state().head
    fake.script = [
        ("tool", "set_manual_value", {"metric": "ebitda", "period": "2025-01", "value": 1}),
        ("text", "Net revenue last month was $9,999,999."),
        ("tool", "adjust", {"metric": "net_revenue", "delta": -5}),
        ("text", "Done: EBITDA is now 1."),
        ("tool", "freeze", {"metric": "net_revenue"}),
        ("text", "Net revenue last month was $9,999,999."),
    ]
    result = ask(project, VAGUE, VIEWER)
    assert isinstance(result, Refusal)
    assert result.reason == "unknown"  # the built-in reader's word stands...
    assert "language model gave no plan" in result.message  # ...with the model's failure
    assert "9,999,999" not in result.model_dump_json()
    assert project.metrics.state().head == head
    assert "ns_manual_values" not in project.engine.relations() or not project.engine.scalar(
        "SELECT count(*) FROM ns_manual_values WHERE metric = 'ebitda'")


def test_a_metric_that_is_not_there_goes_back_to_the_model_with_the_reason(
        project: Project, fake: LlmFake) -> None:
    fake.script = [
        ("tool", "answer_with_plan", {"metrics": ["audit_log"]}),
        ("tool", "answer_with_plan", {"metrics": ["take_rate"], "slice": {"by": "owner_id"}}),
        ("tool", "answer_with_plan", {"metrics": ["take_rate"], "comparison": "last_year"}),
    ]
    result = ask(project, VAGUE, VIEWER)
    assert isinstance(result, Answer)
    assert result.items[0].metric == "take_rate" and result.items[0].compared is not None
    bodies = fake.bodies()
    assert "unknown metric 'audit_log'" in json.dumps(bodies[1]["messages"])
    assert "Take rate cannot be split by person" in json.dumps(bodies[2]["messages"])


def test_an_endpoint_that_fails_leaves_the_readers_answer(project: Project,
                                                          fake: LlmFake) -> None:
    fake.script = []  # answers 500
    result = ask(project, VAGUE, VIEWER)
    assert isinstance(result, Refusal) and result.reason == "unknown"
    assert "could not be reached" in result.message or "gave no plan" in result.message


def test_always_sends_every_question_to_the_model(template: Path, tmp_path: Path,
                                                  fake: LlmFake) -> None:
    with open_with_model(template, tmp_path / "p", fake, 'mode = "always"\n') as p:
        fake.script = [("tool", "answer_with_plan", {"metrics": ["gmv"]})]
        result = ask(p, "net revenue last month", VIEWER)
        assert isinstance(result, Answer) and result.read_by == "model"
        assert result.items[0].metric == "gmv"
        # and when the model fails, the built-in reader answers
        result = ask(p, "net revenue last month", VIEWER)
        assert isinstance(result, Answer) and result.read_by == "parser"
        assert result.items[0].metric == "net_revenue"


def test_a_key_named_but_not_set_is_a_clear_error(template: Path, tmp_path: Path,
                                                  fake: LlmFake,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NS_TEST_ASK_KEY", raising=False)
    with open_with_model(template, tmp_path / "p", fake, 'api_key_env = "NS_TEST_ASK_KEY"\n') as p:
        with pytest.raises(ConfigError, match="NS_TEST_ASK_KEY, which is not set"):
            ask(p, VAGUE, VIEWER)
        monkeypatch.setenv("NS_TEST_ASK_KEY", "sk-test-123")
        fake.script = [("tool", "answer_with_plan", {"metrics": ["gmv"]})]
        assert isinstance(ask(p, VAGUE, VIEWER), Answer)
        assert fake.requests[-1].headers["authorization"] == "Bearer sk-test-123"


def test_the_models_tool_calls_are_steps_as_it_makes_them_before_the_numbers(
        project: Project, fake: LlmFake) -> None:
    from northstar.ask.core import ask_steps

    fake.script = [("tool", "list_metrics", {}),
                   ("tool", "tag_values", {"tag": "client_id"}),
                   ("tool", "answer_with_plan", {"metrics": ["net_revenue"],
                                                 "period": "last month"})]
    steps = list(ask_steps(project, VAGUE, VIEWER))
    assert [s.stage for s in steps] == ["model", "model", "model", "model", "reading",
                                        "number", "links", "result"]
    assert steps[0].message == "Asking the language model to read the question."
    assert [s.message for s in steps[1:4]] == [
        "The model called list_metrics", 'The model called tag_values {"tag": "client_id"}',
        'The model called answer_with_plan {"metrics": ["net_revenue"], "period": '
        '"last month"}']
    assert steps[4].plan is not None and steps[4].plan.period == "last month"
    result = steps[-1].result
    assert isinstance(result, Answer) and result.read_by == "model"
    assert steps[5].item is result.items[0]
