"""Regenerate docs/screenshots/: the sample companies' pages, in Debian's Chromium.

    make screenshots
    .venv/bin/python scripts/screenshots.py --demo demo-company --out docs/screenshots
    .venv/bin/python scripts/screenshots.py --agency-demo DIR   # an agency built before

The sample company is the folder `make demo` writes (built here with `northstar demo
--no-serve` when it is missing). The agency pack's sample agency (its leadership and sales
dashboards, `agency-*.png`) is built in a temporary folder with `northstar demo --pack agency
--no-serve`, unless `--agency-demo` names a folder that holds one (built there when missing).
Each company is copied to a temporary folder, so the folder and a
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
from collections.abc import Callable, Iterator
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


AGENCY_NORTH_STAR = "mer"


def agency_shots() -> list[Shot]:
    """The agency pack's: the leadership dashboard and one department's (sales)."""
    return [
        Shot("agency-leadership", "/dashboards/leadership", DESKTOP),
        Shot("agency-sales", "/dashboards/sales", DESKTOP),
    ]


def demo_folder(folder: Path, pack: str = "marketplace") -> Path:
    """A pack's sample company, built the way `make demo` builds it when the folder is
    missing."""
    if not (folder / "northstar.toml").exists():
        print(f"Building the {pack} sample company in {folder} ...", flush=True)
        subprocess.run([sys.executable, "-m", "northstar", "demo", str(folder), "--pack", pack,
                        "--no-serve"], check=True, stdout=subprocess.DEVNULL)
    return folder


@contextmanager
def serving(project_dir: Path, north_star: str = NORTH_STAR) -> Iterator[tuple[str, str]]:
    """The app on 127.0.0.1 (a free port) with the screenshot user (the owner of
    `north_star`); yields its address and the last closed month."""
    import uvicorn

    from northstar.web import create_app

    app = create_app(project_dir, schedule=False)
    project = app.state.ns.project
    closed = str(project.calendar.previous(project.calendar.current("month")))
    owner = project.catalog.owner_of(north_star)
    assert owner is not None, f"nobody owns {north_star} in people.yml"
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
    parser.add_argument("--agency-demo", type=Path, default=None,
                        help="a sample agency's folder (built when missing; default: a new one "
                             "in a temporary folder)")
    parser.add_argument("--only", choices=["marketplace", "agency"], default=None,
                        help="take one company's shots only")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: run `bash .ci/browser-deps`")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="northstar-shots-") as tmp:
        companies: list[tuple[Path, str, Callable[[str], list[Shot]]]] = []
        if args.only in (None, "marketplace"):
            companies.append((demo_folder(args.demo), NORTH_STAR,
                              lambda closed: shots(args.metric, closed)))
        if args.only in (None, "agency"):
            companies.append((demo_folder(args.agency_demo or Path(tmp) / "agency", "agency"),
                              AGENCY_NORTH_STAR, lambda _closed: agency_shots()))
        for i, (source, north_star, wanted) in enumerate(companies):
            copy = Path(tmp) / f"copy-{i}"
            shutil.copytree(source, copy)
            shoot(copy, north_star, wanted, args.out)


def shoot(project_dir: Path, north_star: str, wanted: Callable[[str], list[Shot]],
          out: Path) -> None:
    """Serve a project and save the shots `wanted(last closed month)` lists into `out`."""
    from playwright.sync_api import sync_playwright

    with serving(project_dir, north_star) as (base, closed), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            for shot in wanted(closed):
                path = take(browser, base, shot, out)
                size = f"{shot.viewport['width']}x{shot.viewport['height']}"
                print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
                      f"  ({size})", flush=True)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
