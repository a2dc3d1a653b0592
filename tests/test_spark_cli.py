"""Setting up on Spark through the command line: `northstar init --engine spark://local[2]`,
a load and a compute give DuckDB's numbers; what is missing (pyspark, Java, the Spark Connect
client) is said in one line with what to install, before anything is created; a model Spark
cannot build is named in one line, never a Python or Java traceback.

The commands run in this process (`northstar.cli.main`), so they share the test session's one
JVM."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from ledger_fixture import NET_REVENUE
from northstar.cli import main

# Two January lines and one February line: January 10.00 + 20.50 = 30.50, February 7.25.
LINES = "id,txn_date,amount\na,2025-01-05,10.00\nb,2025-01-20,20.50\nc,2025-02-03,7.25\n"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`northstar ARGS` as the console script runs it: exit code, stdout, stderr."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _revenue(capsys: pytest.CaptureFixture[str], root: Path, url: str) -> dict[str, float]:
    folder = root / url.split(":", 1)[0]
    code, out, err = cli(capsys, "init", str(folder), "--engine", url)
    assert code == 0, err
    assert f"engine {url}" in out
    (folder / "metrics" / "net_revenue.yml").write_text(NET_REVENUE)
    (folder / "lines.csv").write_text(LINES)
    code, out, err = cli(capsys, "load", "invoice_lines", str(folder / "lines.csv"),
                         "--project", str(folder))
    assert code == 0, err
    assert "Loaded 3 rows into raw_invoice_lines (load 1)" in out
    code, out, err = cli(capsys, "compute", "--metric", "net_revenue", "--period", "2025-01",
                         "--period", "2025-02", "--json", "--project", str(folder))
    assert code == 0, err
    return {row["period"]: row["value"] for row in json.loads(out)}


def test_init_load_and_compute_on_spark_give_duckdbs_numbers(
        spark_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    on_spark = _revenue(capsys, tmp_path, spark_url)
    assert on_spark == {"2025-01": 30.5, "2025-02": 7.25}  # worked out above
    assert on_spark == _revenue(capsys, tmp_path, "duckdb:///northstar.duckdb")
    assert (tmp_path / "spark" / "spark-warehouse" / "manifest.json").is_file()


def test_a_model_spark_cannot_build_is_one_line_naming_it(
        spark_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "p"
    assert cli(capsys, "init", str(folder), "--engine", spark_url)[0] == 0
    (folder / "metrics" / "net_revenue.yml").write_text(NET_REVENUE)
    (folder / "lines.csv").write_text(LINES)
    assert cli(capsys, "load", "invoice_lines", str(folder / "lines.csv"),
               "--project", str(folder))[0] == 0
    (folder / "models" / "refunds.sql").write_text(
        "SELECT id, txn_date, refund_amount FROM invoice_lines\n")
    code, _, err = cli(capsys, "compute", "--metric", "net_revenue", "--period", "2025-01",
                       "--project", str(folder))
    assert code == 2
    [line] = err.strip().splitlines()
    assert line.startswith(f"error: {folder / 'models' / 'refunds.sql'}: model does not build: "
                           "view refunds does not build on Spark: ")
    assert "refund_amount" in line
    assert "Traceback" not in err and "at org.apache" not in err and "{" not in err


@pytest.mark.spark_packs  # a whole sample company loaded into Spark: `make test-spark`
def test_the_demo_on_spark_shows_duckdbs_scorecard(
        spark_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cards = {}
    for url in ("duckdb:///northstar.duckdb", spark_url):
        folder = tmp_path / url.split(":", 1)[0]
        code, out, err = cli(capsys, "demo", str(folder), "--rows", "1000", "--no-serve",
                             "--engine", url)
        assert code == 0, err
        cards[url] = [line for line in out.splitlines() if "│" in line]
    assert len(cards[spark_url]) > 5
    assert cards[spark_url] == cards["duckdb:///northstar.duckdb"]


# -- what is missing, said before anything is created --------------------------------------
def _refused(capsys: pytest.CaptureFixture[str], folder: Path, url: str) -> str:
    code, _, err = cli(capsys, "init", str(folder), "--engine", url)
    assert code == 2
    assert not folder.exists()  # nothing half-made to clean up before trying again
    assert "Traceback" not in err
    [line] = err.strip().splitlines()
    return line


def test_without_pyspark_init_says_which_extra_to_install(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # `import pyspark` raises ImportError
    assert _refused(capsys, tmp_path / "p", "spark://local[2]") == (
        "error: the Spark engine needs the Python package pyspark, which is not installed: "
        "pip install 'northstar-kpi[spark]'")
    assert _refused(capsys, tmp_path / "p", "sc://spark.internal:15002/;warehouse=s3a://b/n"
                    ) == ("error: Spark Connect (sc://) needs the Python package pyspark, "
                          "which is not installed: pip install 'northstar-kpi[spark-connect]'")


def test_without_the_connect_client_init_names_its_packages(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyspark")
    monkeypatch.setitem(sys.modules, "grpc", None)
    line = _refused(capsys, tmp_path / "p", "sc://spark.internal:15002/;warehouse=s3a://b/n")
    assert line.startswith("error: the Spark Connect client (sc://) needs the Python package")
    assert "grpcio" in line
    assert line.endswith(": pip install 'northstar-kpi[spark-connect]'")


def test_without_java_init_says_what_to_install(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyspark")
    install = ("install a Java runtime, 17 or newer (Debian/Ubuntu: apt-get install "
               "openjdk-17-jre-headless), or set JAVA_HOME to one")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    assert _refused(capsys, tmp_path / "p", "spark://local[2]") == (
        f"error: the Spark engine (spark://local) needs Java, but JAVA_HOME={tmp_path / 'jdk'} "
        f"holds no bin/java: {install}")
    # a Java too old for Spark 4, as its release file says
    (tmp_path / "jdk" / "bin").mkdir(parents=True)
    (tmp_path / "jdk" / "bin" / "java").write_text("#!/bin/sh\nexit 1\n")
    (tmp_path / "jdk" / "bin" / "java").chmod(0o755)
    (tmp_path / "jdk" / "release").write_text('JAVA_VERSION="11.0.2"\n')
    assert _refused(capsys, tmp_path / "p", "spark://local[2]") == (
        f"error: the Spark engine (spark://local) needs Java 17 or newer; "
        f"{tmp_path / 'jdk' / 'bin' / 'java'} is Java 11: {install}")
    # no JAVA_HOME and no java on PATH
    monkeypatch.delenv("JAVA_HOME")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert _refused(capsys, tmp_path / "p", "spark://local[2]") == (
        "error: the Spark engine (spark://local) needs Java, and none was found (no "
        f"JAVA_HOME, no java on PATH): {install}")
