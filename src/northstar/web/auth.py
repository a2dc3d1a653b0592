"""Users, passwords (argon2), server-side sessions, CSRF tokens, API tokens; login throttling
is in throttle.py.

Session ids and API tokens are random; only their HMAC (keyed by the project secret) is
stored, so a copy of the database does not let anyone in."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cachetools import LRUCache, TTLCache

from northstar.engines.base import Engine
from northstar.errors import NorthstarError
from northstar.web.forms import FieldError
from northstar.web.settings import WebSettings
from northstar.web.store import SESSIONS, TOKENS, USERS
from northstar.web.throttle import Count, LoginThrottle

Role = Literal["admin", "editor", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "editor", "viewer")
RANK = {"viewer": 0, "editor": 1, "admin": 2}
TOKEN_PREFIX = "nst_"

SEEN_SESSIONS = 100_000
"""Sessions whose last request this process remembers (beyond it, the oldest fall back on
the `last_seen` column)."""
FOUND_ROWS = 10_000
"""Session and token rows kept between writes, the least recently used dropped first."""

_hasher = PasswordHasher()
# Verifying against this keeps an unknown user as slow as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class User:
    username: str
    person_id: str
    role: Role

    def can(self, role: Role) -> bool:
        return RANK[self.role] >= RANK[role]


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    id_hash: str


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    reason: str
    """`ok`, or why not: `bad` (wrong password), `unknown` (no such user) or `disabled`
    (for the audit log; the person is told the same for each)."""


def new_password() -> str:
    return secrets.token_urlsafe(15)


class Auth:
    def __init__(self, engine: Engine, secret: bytes, settings: WebSettings) -> None:
        self.engine = engine
        self.secret = secret
        self.settings = settings
        self.throttle = LoginThrottle(engine, settings)
        self._seen: TTLCache[str, datetime] = TTLCache(
            maxsize=SEEN_SESSIONS, ttl=settings.idle_minutes * 60,
            timer=lambda: self.settings.clock().timestamp())
        """id_hash -> the session's last request in this process (its `last_seen` column is
        written at most every `touch_interval`, so it may be older). An entry goes once the
        session has been idle for `idle_minutes` (it has ended then) or, past
        `SEEN_SESSIONS`, the oldest first; a session without one falls back on its column."""
        self._found: LRUCache[str, tuple[int, tuple[Any, ...] | None]] = LRUCache(
            maxsize=FOUND_ROWS)
        """id_hash or token id -> (the engine's write count, the row read then): the row
        holds while nothing was written (see `_row`)."""

    @property
    def touch_interval(self) -> timedelta:
        """How stale a session's `last_seen` or a token's `last_used_at` column may be: a
        sixtieth of the idle timeout, at most 30 seconds. The idle timeout itself is exact
        (measured from the last request this process saw); only after a restart can a
        session end up to this much early."""
        return min(timedelta(seconds=30), timedelta(minutes=self.settings.idle_minutes) / 60)

    def _row(self, key: str, sql: str, params: list[Any]) -> tuple[Any, ...] | None:
        """The first row of a lookup, kept while this process is the database's only writer
        and has written nothing since (every logout, revocation, role change, user change
        and login is a write, so they take effect on the next request)."""
        writes = self.engine.writes
        if self.engine.single_writer:
            found = self._found.get(key)
            if found is not None and found[0] == writes:
                return found[1]
        rows = self.engine.rows(sql, params)
        row = rows[0] if rows else None
        if self.engine.single_writer:
            self._found[key] = (writes, row)
        return row

    def _mac(self, value: str) -> str:
        return hmac.new(self.secret, value.encode(), hashlib.sha256).hexdigest()

    @property
    def now(self) -> datetime:
        return self.settings.clock()

    # -- users -----------------------------------------------------------------------------
    def add_user(self, username: str, person_id: str, role: str, password: str,
                 email: str | None = None) -> User:
        if role not in ("admin", "editor", "viewer"):
            raise FieldError("role", f"role must be one of {', '.join(ROLES)}, not {role!r}")
        if not username or not username.replace("_", "").replace(".", "").replace(
                "-", "").isalnum():
            raise FieldError("username", "a user name uses letters, digits, '.', '-' and '_'")
        if len(password) < 12:
            raise NorthstarError("a password needs at least 12 characters")
        if self.get_user(username) is not None:
            raise FieldError("username", f"user {username!r} already exists")
        email = self._free_email(email, username)
        self.engine.execute(
            f"INSERT INTO {USERS} (username, person_id, role, password_hash, failed_count, "
            "locked_until, created_at, disabled, email) VALUES (?, ?, ?, ?, 0, NULL, ?, false, ?)",
            [username, person_id, role, _hasher.hash(password), self.now, email],
        )
        return User(username, person_id, role)  # type: ignore[arg-type]

    def _free_email(self, email: str | None, username: str) -> str | None:
        """The email, normalised; refused when malformed or another user has it (single
        sign-on finds a user by email, so it must name one user)."""
        if not email:
            return None
        email = email.strip().lower()
        local, _, domain = email.partition("@")
        if not local or "." not in domain or " " in email:
            raise FieldError("email", f"{email!r} is not an email address")
        other = self.engine.rows(f"SELECT username FROM {USERS} WHERE email = ? "
                                 "AND username <> ?", [email, username])
        if other:
            raise FieldError("email", f"user {other[0][0]!r} already has the email {email}")
        return email

    def set_email(self, username: str, email: str | None) -> None:
        """Give a user the email single sign-on matches (None removes it)."""
        if self.get_user(username) is None:
            raise NorthstarError(f"there is no user {username!r}")
        self.engine.execute(f"UPDATE {USERS} SET email = ? WHERE username = ?",
                            [self._free_email(email, username), username])

    def user_by_email(self, email: str) -> tuple[User | None, bool]:
        """The user with this email (matched without regard to case), and whether that user
        is disabled (a disabled user is returned as None)."""
        rows = self.engine.rows(
            f"SELECT username, person_id, role, disabled FROM {USERS} WHERE email = ?",
            [email.strip().lower()])
        if not rows:
            return None, False
        if rows[0][3]:
            return None, True
        return User(str(rows[0][0]), str(rows[0][1]), rows[0][2]), False

    def add_sso_user(self, username: str, person_id: str, email: str) -> User:
        """A viewer created at first single sign-on; their password is random and never
        shown, so they can only sign in through the provider."""
        base, n = username, 1
        while self.engine.rows(f"SELECT 1 FROM {USERS} WHERE username = ?", [username]):
            n += 1
            username = f"{base}{n}"
        return self.add_user(username, person_id, "viewer", secrets.token_urlsafe(32), email)

    def get_user(self, username: str) -> User | None:
        rows = self.engine.rows(
            f"SELECT username, person_id, role FROM {USERS} WHERE username = ? "
            "AND NOT disabled", [username])
        return User(str(rows[0][0]), str(rows[0][1]), rows[0][2]) if rows else None

    def users(self) -> list[tuple[User, Count]]:
        """Every enabled user with their count of recent failed logins."""
        rows = self.engine.rows(
            f"SELECT username, person_id, role FROM {USERS} WHERE NOT disabled "
            "ORDER BY username")
        found = [User(str(r[0]), str(r[1]), r[2]) for r in rows]
        counts = self.throttle.counts([u.username for u in found])
        return [(u, counts[u.username]) for u in found]

    def emails(self) -> dict[str, str]:
        """username -> email, for the users that have one."""
        rows = self.engine.rows(f"SELECT username, email FROM {USERS} WHERE email IS NOT NULL")
        return {str(r[0]): str(r[1]) for r in rows}

    def set_password(self, username: str, password: str) -> None:
        if len(password) < 12:
            raise NorthstarError("a password needs at least 12 characters")
        self.engine.execute(f"UPDATE {USERS} SET password_hash = ?, failed_count = 0, "
                            "locked_until = NULL WHERE username = ?",
                            [_hasher.hash(password), username])
        self.end_sessions(username)

    # -- logging in ------------------------------------------------------------------------
    def login(self, username: str, password: str, client: str = "") -> LoginResult:
        """Check a password. Whatever the user name, the same work is done: one argon2 check
        (against a dummy hash when there is no such user, or it is disabled) and the same
        counts written, so neither the answer nor its time tells real names from others.
        The wait that throttling asks for comes before this (`throttle.wait`)."""
        rows = self.engine.rows(
            f"SELECT password_hash, disabled, person_id, role FROM {USERS} WHERE username = ?",
            [username])
        pw_hash = str(rows[0][0]) if rows else _DUMMY_HASH
        matches = _check(pw_hash, password)
        if not rows or rows[0][1] or not matches:
            self.throttle.failed(username, client)
            return LoginResult(None, "unknown" if not rows else "disabled" if rows[0][1]
                               else "bad")
        _, _, person_id, role = rows[0]
        if _hasher.check_needs_rehash(pw_hash):
            self.engine.execute(f"UPDATE {USERS} SET password_hash = ? WHERE username = ?",
                                [_hasher.hash(password), username])
        self.throttle.succeeded(username)
        return LoginResult(User(username, str(person_id), role), "ok")

    def unlock(self, username: str) -> int:
        """Clear a user's count of failed logins (their next attempt does not wait);
        returns how many failures it held."""
        if not self.engine.rows(f"SELECT 1 FROM {USERS} WHERE username = ?", [username]):
            raise NorthstarError(f"there is no user {username!r}")
        return self.throttle.unlock(username)

    # -- sessions --------------------------------------------------------------------------
    def start_session(self, user: User) -> tuple[str, Session]:
        """A new session; returns the cookie value (never stored) and the session."""
        raw = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        id_hash = self._mac("session:" + raw)
        now = self.now
        self.engine.execute(
            f"INSERT INTO {SESSIONS} (id_hash, username, csrf, created_at, last_seen, ended_at)"
            " VALUES (?, ?, ?, ?, ?, NULL)", [id_hash, user.username, csrf, now, now])
        return raw, Session(user, csrf, id_hash)

    def session(self, raw: str | None) -> Session | None:
        """The live session for a cookie value, touched; None when unknown, ended or expired."""
        if not raw:
            return None
        id_hash = self._mac("session:" + raw)
        row = self._row(
            "session:" + id_hash,
            f"SELECT s.username, s.csrf, s.created_at, s.last_seen, s.ended_at, u.person_id, "
            f"u.role, u.disabled FROM {SESSIONS} s JOIN {USERS} u ON u.username = s.username "
            "WHERE s.id_hash = ?", [id_hash])
        if row is None:
            return None
        username, csrf, created, written, ended, person_id, role, disabled = row
        if ended is not None or disabled:
            self._seen.pop(id_hash, None)
            return None
        now = self.now
        last_seen = max(written, self._seen.get(id_hash, written))
        expired = (now - last_seen > timedelta(minutes=self.settings.idle_minutes)
                   or now - created > timedelta(hours=self.settings.absolute_hours))
        if expired:
            self._seen.pop(id_hash, None)
            self.engine.execute(f"UPDATE {SESSIONS} SET ended_at = ? WHERE id_hash = ?",
                                [now, id_hash])
            return None
        self._seen[id_hash] = now
        if now - written >= self.touch_interval:
            self.engine.execute(f"UPDATE {SESSIONS} SET last_seen = ? WHERE id_hash = ?",
                                [now, id_hash])
        return Session(User(str(username), str(person_id), role), str(csrf), id_hash)

    def end_session(self, id_hash: str) -> None:
        self._seen.pop(id_hash, None)
        self.engine.execute(f"UPDATE {SESSIONS} SET ended_at = ? WHERE id_hash = ? "
                            "AND ended_at IS NULL", [self.now, id_hash])

    def end_sessions(self, username: str) -> None:
        # their entries in `_seen` go with their idle time; the next request reads the end
        self.engine.execute(f"UPDATE {SESSIONS} SET ended_at = ? WHERE username = ? "
                            "AND ended_at IS NULL", [self.now, username])

    # -- API tokens ------------------------------------------------------------------------
    def create_token(self, username: str, name: str) -> tuple[str, str]:
        """A new API token for a user: (token id, the token itself, shown only now)."""
        if self.get_user(username) is None:
            raise NorthstarError(f"there is no user {username!r}")
        token_id = secrets.token_hex(6)
        raw = secrets.token_urlsafe(32)
        self.engine.execute(
            f"INSERT INTO {TOKENS} (id, username, name, token_hash, created_at, last_used_at, "
            "revoked_at) VALUES (?, ?, ?, ?, ?, NULL, NULL)",
            [token_id, username, name or "token", self._mac("token:" + raw), self.now])
        return token_id, f"{TOKEN_PREFIX}{token_id}_{raw}"

    def token_user(self, token: str) -> User | None:
        if not token.startswith(TOKEN_PREFIX) or "_" not in token[len(TOKEN_PREFIX):]:
            return None
        token_id, _, raw = token[len(TOKEN_PREFIX):].partition("_")
        row = self._row(
            "token:" + token_id,
            f"SELECT t.token_hash, t.revoked_at, u.username, u.person_id, u.role, u.disabled, "
            f"t.last_used_at FROM {TOKENS} t JOIN {USERS} u ON u.username = t.username "
            "WHERE t.id = ?", [token_id])
        if row is None:
            return None
        token_hash, revoked, username, person_id, role, disabled, used = row
        if revoked is not None or disabled or not hmac.compare_digest(
                str(token_hash), self._mac("token:" + raw)):
            return None
        now = self.now
        if used is None or now - used >= self.touch_interval:
            self.engine.execute(f"UPDATE {TOKENS} SET last_used_at = ? WHERE id = ?",
                                [now, token_id])
        return User(str(username), str(person_id), role)

    def tokens(self, username: str | None = None) -> list[dict[str, object]]:
        where, params = ("WHERE username = ?", [username]) if username else ("", [])
        rows = self.engine.rows(
            f"SELECT id, username, name, created_at, last_used_at, revoked_at FROM {TOKENS} "
            f"{where} ORDER BY created_at DESC", params)
        keys = ("id", "username", "name", "created_at", "last_used_at", "revoked_at")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def revoke_token(self, token_id: str) -> bool:
        found = self.engine.rows(f"SELECT id FROM {TOKENS} WHERE id = ? AND revoked_at IS NULL",
                                 [token_id])
        if not found:
            return False
        self.engine.execute(f"UPDATE {TOKENS} SET revoked_at = ? WHERE id = ?",
                            [self.now, token_id])
        return True


def _check(pw_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(pw_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def same(a: str, b: str) -> bool:
    """Constant-time equality for text a client sent (which may hold any character:
    `hmac.compare_digest` refuses non-ASCII str with a TypeError)."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def csrf_ok(session: Session, sent: str | None) -> bool:
    return bool(sent) and same(session.csrf, sent or "")
