"""Forms the way people expect them. A refused form comes back with what was typed and the
error next to the field at fault (`Sent`, `FieldError`, `blame`). A saved one answers 303 to
a page that says what was done, once (`Flashes`), so reloading that page never posts again."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from northstar.errors import NorthstarError


class FieldError(NorthstarError):
    """A value typed into one form field is refused; `field` is the field's name."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@contextmanager
def blame(field: str) -> Iterator[None]:
    """Report a NorthstarError raised inside as the fault of one field."""
    try:
        yield
    except FieldError:
        raise
    except NorthstarError as exc:
        raise FieldError(field, first_line(exc)) from None


def first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)


@dataclass(frozen=True)
class Sent:
    """The form just sent and refused: which form, what was typed in it, and what is wrong
    (field name -> message; the key "" for the form as a whole). `Sent()` is no form: every
    field shows its default."""

    form: str = ""
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def refused(cls, form: str, values: Mapping[str, str], exc: NorthstarError) -> Sent:
        where = exc.field if isinstance(exc, FieldError) else ""
        return cls(form, dict(values), {where: first_line(exc)})

    def value(self, form: str, name: str, default: str = "") -> str:
        """What the field shows: what was typed when this form was refused, else `default`."""
        return self.values.get(name, default) if form == self.form else default

    def error(self, form: str, name: str = "") -> str:
        """What is wrong with a field of this form ("": with the form as a whole)."""
        return self.errors.get(name, "") if form == self.form else ""


@dataclass(frozen=True)
class Flash:
    """What a saved form did, for the page the browser is sent to next."""

    form: str
    message: str
    secret_label: str = ""
    secret_value: str = ""
    """A new password or API token: shown this once, stored nowhere."""


class Flashes:
    """The flash of each session, shown by the next admin page it opens. Kept in this
    process's memory only (never in the database, a cookie or the URL: a flash may carry a new
    password) and for `ttl` seconds at most; `northstar serve` is one process."""

    def __init__(self, ttl: float = 300.0, limit: int = 1000) -> None:
        self.ttl = ttl
        self.limit = limit
        self._by_session: dict[str, tuple[float, Flash]] = {}

    def put(self, session: str, flash: Flash) -> None:
        now = time.monotonic()
        self._by_session = {k: v for k, v in self._by_session.items()
                            if now - v[0] < self.ttl and k != session}
        while len(self._by_session) >= self.limit:  # the oldest first
            del self._by_session[next(iter(self._by_session))]
        self._by_session[session] = (now, flash)

    def pop(self, session: str) -> Flash | None:
        found = self._by_session.pop(session, None)
        if found is None or time.monotonic() - found[0] >= self.ttl:
            return None
        return found[1]
