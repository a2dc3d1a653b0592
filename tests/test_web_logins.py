"""Login throttling: by user name (known or not, alike), by client address and for everyone;
waits that grow but never refuse the right password; one waiting attempt per address; admin
unlock from the page and the CLI. The app's sleep is replaced, so each test sees the wait the
app asked for (no test waits for real)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from fastapi import FastAPI
from typer.testing import CliRunner

from northstar.web import auth as auth_module
from northstar.web import create_app, register
from northstar.web.store import LOGIN_FAILURES
from northstar.web.throttle import client_key
from web_helpers import PASSWORDS, Clock, copy_project, csrf_of, open_copy, shared_template

# the defaults: slow_after 3, slow_seconds 1, doubling, max_wait_seconds 30
TEN_WRONG = [0, 0, 0, 1, 2, 4, 8, 16, 30, 30]
"""The waits of ten wrong passwords in a row on one user name: none for the first three,
then 1 s doubling (1, 2, 4, 8, 16, 32 -> capped at 30)."""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_template(tmp_path_factory)


class Sleeps:
    """The app's sleep: records each wait asked for and moves the clock on by it."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.asked: list[float] = []
        self.during: Callable[[], Any] | None = None

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        if self.during is not None:
            await self.during()
        self.clock.advance(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC).replace(tzinfo=None))


@pytest.fixture
def app(template: Path, tmp_path: Path, clock: Clock) -> Iterator[FastAPI]:
    from northstar.web.settings import WebSettings

    settings = WebSettings(clock=clock)
    settings.sleep = Sleeps(clock)
    web = create_app(open_copy(template, tmp_path / "p"), settings, schedule=False,
                     warm=False)
    yield web
    web.state.ns.project.close()


def sleeps(app: FastAPI) -> Sleeps:
    found: Sleeps = app.state.ns.settings.sleep
    return found


def browser(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def attempt(client: httpx.AsyncClient, app: FastAPI, user: str,
                  password: str = "wrong-password-1", **headers: str) -> tuple[str, float]:
    """One login through the form: where the app sent the browser, and how long it made the
    attempt wait."""
    before = len(sleeps(app).asked)
    page = await client.get("/login")
    r = await client.post("/login", data={"username": user, "password": password,
                                          "csrf_token": csrf_of(page.text)}, headers=headers)
    assert r.status_code == 303
    return str(r.headers["location"]), sum(sleeps(app).asked[before:])


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_known_and_unknown_names_wait_alike_answer_alike_and_cost_a_hash(
        app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    real_check = auth_module._check

    def spy(pw_hash: str, password: str) -> bool:
        checked.append(pw_hash)
        return real_check(pw_hash, password)

    monkeypatch.setattr(auth_module, "_check", spy)

    async def go() -> dict[str, list[tuple[str, float]]]:
        out = {}
        for user, address in (("eve", "10.0.0.1"), ("nobody", "10.0.0.2")):
            async with browser(app, address) as c:
                out[user] = [await attempt(c, app, user) for _ in range(10)]
        return out

    seen = run(go())
    assert [w for _, w in seen["eve"]] == TEN_WRONG
    assert [w for _, w in seen["nobody"]] == TEN_WRONG
    assert {where for answers in seen.values() for where, _ in answers} == {"/login?error=bad"}
    # one argon2 check per attempt: eve's stored hash, the dummy for the unknown name
    engine = app.state.ns.project.engine
    eve_hash = engine.rows("SELECT password_hash FROM ns_web_users WHERE username = 'eve'")[0][0]
    assert checked == [eve_hash] * 10 + [auth_module._DUMMY_HASH] * 10
    counts = dict(engine.rows(f"SELECT throttle_key, failures FROM {LOGIN_FAILURES}"))
    assert counts == {"account:eve": 10, "account:nobody": 10, "client:10.0.0.1": 10,
                      "client:10.0.0.2": 10, "all": 20}
    reasons = [e.detail for e in app.state.ns.audit.entries() if e.outcome == "failed"]
    assert sum('"reason": "unknown"' in d for d in reasons) == 10  # the admin can tell


def test_an_attacker_slows_an_account_but_never_shuts_its_owner_out(app: FastAPI) -> None:
    async def go() -> tuple[list[float], tuple[str, float], tuple[str, float],
                            tuple[str, float]]:
        async with browser(app, "10.6.6.6") as attacker:
            waits = [(await attempt(attacker, app, "eve"))[1] for _ in range(20)]
            async with browser(app, "10.0.0.5") as owner:
                owner_in = await attempt(owner, app, "eve", PASSWORDS["eve"])
            async with browser(app, "10.0.0.5") as owner:
                after = await attempt(owner, app, "eve")  # her count was cleared
            attacker_next = await attempt(attacker, app, "vic")
        return waits, owner_in, after, attacker_next

    waits, owner_in, after, attacker_next = run(go())
    assert waits[:10] == TEN_WRONG and waits[10:] == [30] * 10  # capped, never refused
    assert owner_in == ("/", 30)  # the longest wait, then in
    assert after == ("/login?error=bad", 0)
    # the attacker's address keeps its 20 failures (past client_slow_after = 10): 1 s x 2**10,
    # capped at 30, whatever name it tries next
    assert attacker_next == ("/login?error=bad", 30)


def test_spraying_from_one_address_slows_that_address_only(app: FastAPI) -> None:
    names = [f"user{i}" for i in range(10)]

    async def go() -> tuple[list[float], float, float]:
        async with browser(app, "10.0.0.9") as sprayer:
            waits = [(await attempt(sprayer, app, name))[1] for name in names]
            eleventh = (await attempt(sprayer, app, "zoe"))[1]
        async with browser(app, "10.0.0.10") as other:
            elsewhere = (await attempt(other, app, "zoe"))[1]
        return waits, eleventh, elsewhere

    waits, eleventh, elsewhere = run(go())
    assert waits == [0] * 10  # one failure per name: no name passes slow_after
    assert eleventh == 1  # the address has 10 failures (client_slow_after = 10)
    assert elsewhere == 0  # zoe has 1 failure, the new address none, everyone 11 < 100


def test_spraying_from_many_addresses_slows_everyone_a_little(app: FastAPI) -> None:
    app.state.ns.settings.all_slow_after = 5

    async def go() -> tuple[list[float], tuple[str, float], tuple[str, float]]:
        waits = []
        for i in range(5):
            async with browser(app, f"192.0.2.{i}") as c:
                waits.append((await attempt(c, app, f"name{i}"))[1])
        async with browser(app, "192.0.2.50") as c:
            stranger = await attempt(c, app, "someone")
        async with browser(app, "192.0.2.51") as c:
            vic = await attempt(c, app, "vic", PASSWORDS["vic"])
        return waits, stranger, vic

    waits, stranger, vic = run(go())
    assert waits == [0] * 5
    assert stranger == ("/login?error=bad", 1)  # 5 failures everywhere: 1 s
    assert vic == ("/", 2)  # 6 by now: 2 s, and the right password gets in


def test_counts_are_forgotten_and_pruned(app: FastAPI, clock: Clock) -> None:
    engine = app.state.ns.project.engine

    async def go() -> tuple[float, float]:
        async with browser(app, "10.0.0.3") as c:
            for _ in range(5):
                await attempt(c, app, "eve")
            before = (await attempt(c, app, "eve"))[1]  # 5 failures: 1 x 2**2
            clock.advance(minutes=16)  # forget_minutes = 15 since the last failure
            after = (await attempt(c, app, "eve"))[1]
        return before, after

    before, after = run(go())
    assert (before, after) == (4, 0)
    # the failure after the quiet spell started every count again at 1, and the old rows of
    # other keys went with the prune
    engine.execute(f"INSERT INTO {LOGIN_FAILURES} VALUES ('account:ghost', 9, ?)",
                   [datetime(2000, 1, 1)])
    clock.advance(minutes=2)
    run(_one(app, "10.0.0.3", "eve"))
    keys = dict(engine.rows(f"SELECT throttle_key, failures FROM {LOGIN_FAILURES}"))
    assert keys == {"account:eve": 2, "client:10.0.0.3": 2, "all": 2}


async def _one(app: FastAPI, address: str, user: str) -> tuple[str, float]:
    async with browser(app, address) as c:
        return await attempt(c, app, user)


def test_one_waiting_attempt_per_address_and_the_wait_holds_no_lock(app: FastAPI) -> None:
    lock = app.state.ns_lock
    free: list[bool] = []
    go_on = asyncio.Event()

    def try_lock() -> None:
        got = lock.acquire(blocking=False)
        free.append(got)
        if got:
            lock.release()

    async def during() -> None:
        thread = threading.Thread(target=try_lock)  # a scheduled run, say
        thread.start()
        thread.join()
        await go_on.wait()

    async def go() -> tuple[tuple[str, float], tuple[str, float], tuple[str, float]]:
        async with browser(app, "10.0.0.4") as c:
            for _ in range(3):
                await attempt(c, app, "eve")
            sleeps(app).during = during
            first = asyncio.create_task(attempt(c, app, "eve", PASSWORDS["eve"]))
            while not sleeps(app).asked:
                await asyncio.sleep(0)
            second = await attempt(c, app, "eve", PASSWORDS["eve"])
            async with browser(app, "10.0.0.40") as other:
                other_task = asyncio.create_task(attempt(other, app, "eve", PASSWORDS["eve"]))
                while len(sleeps(app).asked) < 2:
                    await asyncio.sleep(0)
                go_on.set()
                return await first, second, await other_task

    first, second, other = run(go())
    assert second == ("/login?error=busy", 0)  # answered at once, its password not checked
    # the first and the one from another address (not refused) each waited 1 s
    assert (first[0], other[0]) == ("/", "/")
    assert sleeps(app).asked == [1, 1]
    assert free and all(free)
    failed = [e for e in app.state.ns.audit.entries() if e.outcome == "failed"]
    assert len(failed) == 3  # the busy answer is not audited


def test_admin_unlocks_a_user_from_the_page(app: FastAPI) -> None:
    async def go() -> tuple[str, str, int, str, float, int]:
        async with browser(app, "10.0.0.7") as attacker:
            for _ in range(6):
                await attempt(attacker, app, "eve")
        async with browser(app, "10.0.0.8") as admin:
            where, _ = await attempt(admin, app, "ada", PASSWORDS["ada"])
            assert where == "/"
            page = (await admin.get("/admin")).text
            row = page.split("<td>eve</td>")[1].split("</tr>")[0]
            r = await admin.post("/admin/users/eve/unlock", data={"csrf_token": csrf_of(page)})
            done = (await admin.get(r.headers["location"])).text
            missing = await admin.post("/admin/users/nobody/unlock",
                                       data={"csrf_token": csrf_of(page)})
        async with browser(app, "10.0.0.11") as eve:
            _, wait = await attempt(eve, app, "eve")
        async with browser(app, "10.0.0.12") as viewer:
            await attempt(viewer, app, "vic", PASSWORDS["vic"])
            vic_page = (await viewer.get("/scorecard")).text
            refused = await viewer.post("/admin/users/eve/unlock",
                                        data={"csrf_token": csrf_of(vic_page)})
        return row, done, missing.status_code, r.headers["location"], wait, \
            refused.status_code

    row, done, missing, location, wait, refused = run(go())
    assert "6 (each attempt waits 8 s)" in row and 'id="unlock-eve"' in row
    assert location == "/admin#users-card"
    assert "eve: 6 failed login(s) cleared" in done
    assert missing == 404
    assert wait == 0
    assert refused == 403
    entries = [e for e in app.state.ns.audit.entries() if e.action == "user.unlock"]
    assert [(e.actor, e.outcome) for e in entries] == [("vic", "denied"), ("ada", "ok")]
    entry = entries[1]
    assert entry.client == "10.0.0.8"
    assert '"failures": 6' in entry.detail and '"username": "eve"' in entry.detail


def test_user_unlock_cli(template: Path, tmp_path: Path) -> None:
    from northstar.project import Project
    from northstar.secret import load_or_create_secret
    from northstar.web.audit import AuditLog
    from northstar.web.auth import Auth
    from northstar.web.settings import WebSettings

    root = copy_project(template, tmp_path / "p")
    with Project.open(root) as p:
        auth = Auth(p.engine, load_or_create_secret(root), WebSettings())
        for _ in range(4):
            auth.login("eve", "wrong-password-1", "10.0.0.1")
    cli = typer.Typer()
    register(cli)
    runner = CliRunner()
    r = runner.invoke(cli, ["users", "unlock", "eve", "--project", str(root)])
    assert r.exit_code == 0, r.output
    assert "eve: 4 failed login(s) cleared" in r.output
    r = runner.invoke(cli, ["user", "unlock", "eve", "--project", str(root)])
    assert "eve: 0 failed login(s) cleared" in r.output
    r = runner.invoke(cli, ["user", "unlock", "nobody", "--project", str(root)])
    assert r.exit_code != 0 and "there is no user 'nobody'" in str(r.exception)
    with Project.open(root) as p:
        auth = Auth(p.engine, load_or_create_secret(root), WebSettings())
        assert auth.throttle.wait("eve", "10.0.0.2") == 0
        entries = [e for e in AuditLog(p.engine).entries() if e.action == "user.unlock"]
    assert [(e.actor, '"failures": 4' in e.detail) for e in entries] == [
        ("cli", False), ("cli", True)]


def test_a_trusted_proxy_names_the_client(app: FastAPI) -> None:
    async def go(trusted: list[str]) -> None:
        app.state.ns.settings.trusted_proxies = trusted
        async with browser(app, "127.0.0.1") as c:
            await attempt(c, app, "eve", **{"X-Forwarded-For": "198.51.100.1, 203.0.113.7"})

    run(go([]))
    run(go(["127.0.0.1"]))
    clients = [e.client for e in app.state.ns.audit.entries() if e.outcome == "failed"]
    assert clients == ["203.0.113.7", "127.0.0.1"]  # newest first; untrusted: header ignored
    engine = app.state.ns.project.engine
    keys = {k for (k,) in engine.rows(f"SELECT throttle_key FROM {LOGIN_FAILURES}")}
    assert {"client:127.0.0.1", "client:203.0.113.7"} <= keys


def test_client_keys() -> None:
    assert client_key("192.0.2.7") == "client:192.0.2.7"
    assert client_key("2001:db8:1:2:aaaa::1") == "client:2001:db8:1:2::/64"
    assert client_key("2001:db8:1:2:bbbb::9") == "client:2001:db8:1:2::/64"
    assert client_key("::ffff:192.0.2.7") == "client:192.0.2.7"
    assert client_key("testclient") == "client:testclient"
