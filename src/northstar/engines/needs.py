"""What an engine needs beyond Northstar's own dependencies, and what to install when it is
missing: one clear line (a `ConfigError`) instead of an ImportError or a JVM's stack trace.

    pyspark = needs.package("pyspark", "the Spark engine", extra="spark")
    needs.java("the Spark engine")
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
from pathlib import Path
from types import ModuleType

from northstar.errors import ConfigError

DISTRIBUTION = "northstar-kpi"
"""Northstar's name on the package index, as `pip install` wants it."""
JAVA_MINIMUM = 17
"""The oldest Java that Spark 4 runs on."""
JAVA_INSTALL = ("install a Java runtime, 17 or newer (Debian/Ubuntu: apt-get install "
                "openjdk-17-jre-headless), or set JAVA_HOME to one")


def install_hint(extra: str) -> str:
    return f"pip install '{DISTRIBUTION}[{extra}]'"


def package(module: str, what: str, *, extra: str) -> ModuleType:
    """Import `module`, or say which extra of Northstar brings it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(f"{what} needs the Python package {module.split('.')[0]}, which is "
                          f"not installed: {install_hint(extra)}") from None


def packages(modules: dict[str, str], what: str, *, extra: str) -> None:
    """Check several at once (module -> the package's name on the index); name all missing."""
    missing = []
    for module, name in modules.items():
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(name)
    if missing:
        raise ConfigError(f"{what} needs the Python package{'s' if len(missing) > 1 else ''} "
                          f"{', '.join(missing)}, not installed: {install_hint(extra)}")


def java(what: str) -> Path:
    """The `java` program Spark will start (JAVA_HOME's, else the one on PATH), checked to
    exist and, where its `release` file says, to be new enough."""
    home = os.environ.get("JAVA_HOME")
    if home:
        found = Path(home) / "bin" / "java"
        if not os.access(found, os.X_OK):
            raise ConfigError(f"{what} needs Java, but JAVA_HOME={home} holds no bin/java: "
                              f"{JAVA_INSTALL}")
    else:
        on_path = shutil.which("java")
        if on_path is None:
            raise ConfigError(f"{what} needs Java, and none was found (no JAVA_HOME, no java "
                              f"on PATH): {JAVA_INSTALL}")
        found = Path(on_path)
    version = java_version(found)
    if version is not None and version < JAVA_MINIMUM:
        raise ConfigError(f"{what} needs Java {JAVA_MINIMUM} or newer; {found} is Java "
                          f"{version}: {JAVA_INSTALL}")
    return found


def java_version(program: Path) -> int | None:
    """The major version of a Java installation, from the `release` file beside its bin/
    (no JVM is started); None when there is none to read."""
    release = program.resolve().parent.parent / "release"
    try:
        text = release.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    found = re.search(r'^JAVA_VERSION="(?:1\.)?(\d+)', text, re.MULTILINE)
    return int(found.group(1)) if found else None


CONNECT_PACKAGES = {"pandas": "pandas", "grpc": "grpcio", "grpc_status": "grpcio-status",
                    "google.rpc": "googleapis-common-protos", "zstandard": "zstandard"}
"""What pyspark's Spark Connect client imports besides pyspark (its `connect` extra)."""


def spark(kind: str) -> None:
    """What `spark://local[...]` (`kind` "local": pyspark and Java) or `sc://` ("connect":
    pyspark and the Connect client's packages, no Java) needs here."""
    if kind == "connect":
        package("pyspark", "Spark Connect (sc://)", extra="spark-connect")
        packages(CONNECT_PACKAGES, "the Spark Connect client (sc://)", extra="spark-connect")
        return
    package("pyspark", "the Spark engine", extra="spark")
    java("the Spark engine (spark://local)")


def engine(url: str) -> None:
    """Check, before anything is created, that what the engine `url` names can start here."""
    if url.startswith(("spark://", "sc://")):
        from northstar.engines.spark import parse_url

        kind, _, _ = parse_url(url, None)
        spark(kind)
