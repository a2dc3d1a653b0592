"""`northstar ask` as a person runs it: a real process on a copy of the evaluation's
marketplace company, its output, its exit code and its audit entries."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ask_fixture import build
from fakes.cli import ENV, run
from northstar.formatting import format_value
from northstar.project import Project
from northstar.web.audit import AuditLog


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.getbasetemp() / "ask-companies"
    root.mkdir(exist_ok=True)
    dest = tmp_path_factory.mktemp("ask-cli") / "mk"
    shutil.copytree(build("marketplace", root), dest)
    proc = subprocess.run([sys.executable, "-m", "northstar", "user", "add", "vic", "--role",
                           "viewer", "--person", "nora_fitzgerald", "--password-stdin"],
                          cwd=dest, input="viewer-password-1\n", text=True,
                          capture_output=True, env=ENV, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return dest


def audit(folder: Path) -> list[tuple[str, str, str, dict[str, object]]]:
    with Project.open(folder) as p:
        return [(e.actor, e.action, e.outcome, json.loads(e.detail))
                for e in AuditLog(p.engine).entries(50) if e.action == "ask"]


def test_a_question_is_answered_in_words_with_the_tiles_number(folder: Path) -> None:
    out = run("ask", "what was GMV in October 2025?", cwd=folder).stdout
    with Project.open(folder) as p:
        v = p.compute(["gmv"], ["2025-10"])[0]
    assert f"GMV (contract spend), Oct 2025: {format_value(v.value, 'usd')}." in out
    assert "Formula: sum(amount) over gmv_lines" in out
    assert "/drill/gmv?period=2025-10" in out
    actor, action, outcome, detail = audit(folder)[0]
    assert (actor, action, outcome) == ("cli", "ask", "answer")
    assert detail["question"] == "what was GMV in October 2025?"


def test_json_is_the_apis_document(folder: Path) -> None:
    out = run("ask", "which rep has the lowest win rate in 2025-Q3", "--json",
              cwd=folder).stdout
    data = json.loads(out)
    assert data["kind"] == "answer"
    assert data["plan"]["slice"]["by"] == "owner_id" and data["plan"]["rank"] == "lowest"
    [item] = data["items"]
    with Project.open(folder) as p:
        by_rep = {v.slice["owner_id"]: v.value
                  for v in p.compute(["win_rate"], ["2025-Q3"], by="owner_id")}
    lowest = min((v, k) for k, v in by_rep.items() if v is not None)
    assert item["slices"][0]["slice"] == lowest[1]
    assert item["slices"][0]["value"] == pytest.approx(float(lowest[0]))


def test_an_asked_back_question_lists_the_command_of_each_reading(folder: Path) -> None:
    proc = run("ask", "bill reconciliation variance", cwd=folder, ok=False)
    assert proc.returncode == 1
    assert 'Which did you mean by "bill reconciliation variance"?' in proc.stdout
    commands = [line.strip() for line in proc.stdout.splitlines()
                if line.strip().startswith("northstar ask --plan")]
    assert len(commands) == 2
    again = run(*shlex.split(commands[1])[1:], cwd=folder).stdout
    assert again.startswith("Bill reconciliation variance (dollars)")


@pytest.mark.parametrize(("question", "words"), [
    ("set ebitda for October to 500000", "Ask only reads"),
    ("select * from raw_invoice_lines", "never runs SQL"),
    ("what's the weather like", "could not find a metric"),
])
def test_a_refused_question_says_why_and_exits_1(folder: Path, question: str,
                                                 words: str) -> None:
    proc = run("ask", question, cwd=folder, ok=False)
    assert proc.returncode == 1 and words in proc.stdout
    assert audit(folder)[0][2] == "refused"


def test_user_answers_as_a_user_of_the_web_app(folder: Path) -> None:
    out = run("ask", "what's my metric in 2025-Q3", "--user", "vic", cwd=folder).stdout
    assert out.startswith("Win rate, Q3 2025:")
    assert audit(folder)[0][:3] == ("vic", "ask", "answer")
    proc = run("ask", "gmv", "--user", "mallory", cwd=folder, ok=False)
    assert proc.returncode == 2
    assert "error: --user 'mallory' is no user of the web app" in proc.stderr


def test_a_question_or_a_plan_one_of_them(folder: Path) -> None:
    proc = run("ask", cwd=folder, ok=False)
    assert proc.returncode == 2 and "give a question, or --plan" in proc.stderr
    proc = run("ask", "--plan", "{not json", cwd=folder, ok=False)
    assert proc.returncode == 2 and "--plan is not JSON" in proc.stderr
    proc = run("ask", "--plan", '{"metrics": ["gmv"], "sql": "select 1"}', cwd=folder, ok=False)
    assert proc.returncode == 1 and "The plan is not one Ask can run: sql" in proc.stdout
