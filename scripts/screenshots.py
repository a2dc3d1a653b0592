"""Regenerate docs/screenshots/: the sample company's pages, in Debian's Chromium.

    make screenshots
    .venv/bin/python scripts/screenshots.py --demo demo-company --out docs/screenshots

The sample company is the folder `make demo` writes (built here with `northstar demo
--no-serve` when it is missing). It is copied to a temporary folder, so the folder and a
`make demo` server running on it are left alone; the copy gets a user for the owner of the
north-star metric (an admin, so the admin page can be shot too). The app is served on
127.0.0.1 on a free port, the browser logs in through the login form as people do, and each
page is saved at its full height: at 1366x900, and the home page and the scorecard also at
phone size (390x844). Needs /usr/bin/chromium (`bash .ci/browser-deps` installs it)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
USER = "screenshots"
PASSWORD = "screenshots-password-0"
NORTH_STAR = "net_revenue"
DRAWN = ("() => [...document.querySelectorAll('[data-figure]')]"
         ".every(el => el.querySelector('.main-svg'))")
"""Every chart on the page has been drawn by plotly.js."""


@dataclass(frozen=True)
class Shot:
    name: str
    """The file name, without .png."""
    path: str
    viewport: dict[str, int]
    logged_in: bool = True


def shots(metric: str, closed: str) -> list[Shot]:
    """What docs/screenshots/ holds (`closed`: the last closed month, for the drill page)."""
    return [
        Shot("login", "/login", DESKTOP, logged_in=False),
        Shot("my-metric", "/", DESKTOP),
        Shot("scorecard", "/scorecard", DESKTOP),
        Shot("metric", f"/metric/{metric}", DESKTOP),
        Shot("drill-through", f"/drill/{NORTH_STAR}?period={closed}", DESKTOP),
        Shot("dashboard-cfo", "/dashboards/cfo", DESKTOP),
        Shot("dashboard-supply-am", "/dashboards/supply_account_management", DESKTOP),
        Shot("admin", "/admin", DESKTOP),
        Shot("my-metric-phone", "/", PHONE),
        Shot("scorecard-phone", "/scorecard", PHONE),
    ]


def demo_folder(folder: Path) -> Path:
    """The sample company, built the way `make demo` builds it when the folder is missing."""
    if not (folder / "northstar.toml").exists():
        print(f"Building the sample company in {folder} ...", flush=True)
        subprocess.run([sys.executable, "-m", "northstar", "demo", str(folder), "--no-serve"],
                       check=True, stdout=subprocess.DEVNULL)
    return folder


@contextmanager
def serving(project_dir: Path) -> Iterator[tuple[str, str]]:
    """The app on 127.0.0.1 (a free port) with the screenshot user; yields its address and
    the last closed month."""
    import uvicorn

    from northstar.web import create_app

    app = create_app(project_dir, schedule=False)
    project = app.state.ns.project
    closed = str(project.calendar.previous(project.calendar.current("month")))
    owner = project.catalog.owner_of(NORTH_STAR)
    assert owner is not None, f"nobody owns {NORTH_STAR} in people.yml"
    if app.state.ns.auth.get_user(USER) is None:
        app.state.ns.auth.add_user(USER, owner.id, "admin", PASSWORD)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise SystemExit("the web app did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", closed
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.ns.project.close()


def take(browser: Any, base: str, shot: Shot, out: Path) -> Path:
    context = browser.new_context(viewport=shot.viewport, device_scale_factor=1)
    try:
        page = context.new_page()
        page.set_default_timeout(30000)
        if shot.logged_in:
            page.goto(base + "/login")
            page.fill("#username", USER)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")
        response = page.goto(base + shot.path)
        if response is None or response.status != 200:
            raise SystemExit(f"{shot.path} answered {response.status if response else 'nothing'}")
        page.wait_for_function(DRAWN)
        page.wait_for_timeout(300)  # plotly's transitions settle
        path = out / f"{shot.name}.png"
        # the whole height, but only the viewport's width: what overflows sideways is what a
        # reader has to scroll to, as on their screen
        height = page.evaluate("document.documentElement.scrollHeight")
        page.screenshot(path=str(path), full_page=True, clip={
            "x": 0, "y": 0, "width": shot.viewport["width"], "height": height})
        return path
    finally:
        context.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--demo", type=Path, default=ROOT / "demo-company",
                        help="the sample company's folder (built when missing)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots",
                        help="where the PNGs go")
    parser.add_argument("--metric", default="take_rate",
                        help="the metric of the metric-page shot")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: run `bash .ci/browser-deps`")
    from playwright.sync_api import sync_playwright

    source = demo_folder(args.demo)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="northstar-shots-") as tmp:
        copy = Path(tmp) / "project"
        shutil.copytree(source, copy)
        with serving(copy) as (base, closed), sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            try:
                for shot in shots(args.metric, closed):
                    path = take(browser, base, shot, args.out)
                    size = f"{shot.viewport['width']}x{shot.viewport['height']}"
                    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
                          f"  ({size})", flush=True)
            finally:
                browser.close()


if __name__ == "__main__":
    main()
