"""The process the kill tests SIGKILL: it opens a project and syncs one source.

Started through a multiprocessing fork server that has already imported Northstar, so each
killed run costs milliseconds to start instead of a full interpreter start-up."""

from __future__ import annotations

import os


def run_sync(project_dir: str, source: str, environ: dict[str, str]) -> None:
    os.environ.update(environ)
    from northstar.project import Project
    from northstar.sources.sync import sync

    with Project.open(project_dir) as project:
        sync(project, source)


PRELOAD = ["fakes.killrun", "northstar.project", "northstar.sources.sync",
           "northstar.sources.hubspot", "northstar.sources.connectwise",
           "northstar.sources.servicetitan", "northstar.sources.gohighlevel",
           "northstar.sources.meta_ads", "northstar.sources.google_ads", "northstar.sources.ga4",
           "httpx", "duckdb", "pyarrow"]
