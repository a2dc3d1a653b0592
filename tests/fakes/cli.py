"""The command line as a person runs it: a real process, its output and exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# The child imports the same Northstar as the tests: a checkout on PYTHONPATH (made absolute,
# as the child runs elsewhere), or the venv's.
ENV = {"COLUMNS": "200", "PATH": "/usr/bin:/bin"}
if os.environ.get("PYTHONPATH"):
    ENV["PYTHONPATH"] = os.pathsep.join(str(Path(part).resolve())
                                        for part in os.environ["PYTHONPATH"].split(os.pathsep))


def run(*args: str, cwd: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """`northstar ARGS` in `cwd`; never a traceback, and exit 0 unless `ok` is False."""
    proc = subprocess.run([sys.executable, "-m", "northstar", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=120, env=ENV)
    assert "Traceback" not in proc.stderr, proc.stderr
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc
