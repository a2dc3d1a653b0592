"""Secrets: from environment variables or a secrets file, never the database or the logs.

The secrets file is JSON, one object per source: `{"books": {"refresh_token": "...",
"client_id": "..."}}`. It is `$NORTHSTAR_SECRETS_FILE` when set, else `<project>/.secrets/
secrets.json` (the folder gets a `.gitignore` so it never reaches a repository). The file must
not be readable by group or others (mode 0600). A rotated OAuth2 refresh token is written back
to it at once, under an exclusive lock, so two runs never use the same refresh token."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from northstar.errors import ConfigError

ENV_FILE = "NORTHSTAR_SECRETS_FILE"


class Secret:
    """A secret value that never shows itself in a repr, a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__


class SecretStore:
    """Reads a source's secrets and keeps rotated tokens."""

    def __init__(self, root: Path, environ: dict[str, str] | None = None) -> None:
        self.environ = dict(os.environ if environ is None else environ)
        override = self.environ.get(ENV_FILE)
        self.path = Path(override) if override else root / ".secrets" / "secrets.json"

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        mode = self.path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(f"secrets file is readable by others (mode {oct(mode & 0o777)}); "
                              f"run: chmod 600 {self.path}", path=str(self.path))
        try:
            data = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except json.JSONDecodeError as exc:
            raise ConfigError(f"not valid JSON: {exc.msg}", path=str(self.path),
                              line=exc.lineno) from None
        if not isinstance(data, dict):
            raise ConfigError("must hold a JSON object", path=str(self.path))
        return data

    def get(self, source: str, key: str, env: str | None = None) -> Secret | None:
        """The secrets file's value for (source, key) first, then the environment variable.

        The file wins because it holds the newest rotated token."""
        value = self._read().get(source, {}).get(key)
        if value:
            return Secret(str(value))
        if env and self.environ.get(env):
            return Secret(self.environ[env])
        return None

    def require(self, source: str, key: str, env: str | None) -> Secret:
        found = self.get(source, key, env)
        if found is None:
            where = f"environment variable {env} or " if env else ""
            raise ConfigError(f"source {source!r} needs its {key}: set {where}"
                              f"{source}.{key} in {self.path}")
        return found

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive lock on the secrets file (serialises token refreshes)."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        ignore = self.path.parent / ".gitignore"
        if self.path.parent.name == ".secrets" and not ignore.exists():
            ignore.write_text("*\n", encoding="utf-8")
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def put(self, source: str, key: str, value: str) -> None:
        """Store a value (e.g. a rotated refresh token): written to a 0600 file, then renamed."""
        data = self._read()
        data.setdefault(source, {})[key] = value
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
