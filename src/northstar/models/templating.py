"""SQL macros: the SQL that packs repeat, written once and rendered before SQLGlot parses it.

Model files (`models/*.sql`) and check files (`checks/*.sql`) are Jinja templates. Every macro
defined in the platform's `macros/` folder (beside this module) and in the project's own
`macros/` folder (a pack's macros are copied there by `northstar init --pack`) is a global: a
file just calls `{{ year_of('txn_date') }}` or `{% call cohort_matrix(...) %}`, with no import.
docs/packs.md lists the macros.

A file with no `{{`, `{%` or `{#` is used as written, and Jinja is not even imported: a project
without macros pays nothing. Rendering is strict: an unknown name is an error naming the file
and line, never an empty string in the SQL."""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn

from northstar.errors import ConfigError
from northstar.ledger.schema import TAGS

if TYPE_CHECKING:
    import jinja2

__all__ = ["MACROS_DIR", "PLATFORM_MACROS", "SqlTemplates", "Value", "uses_templating"]

MACROS_DIR = "macros"
"""A project's (and a pack's) folder of macro files, beside `models/` and `checks/`."""
PLATFORM_MACROS = Path(__file__).parent / "macros"
"""The macros every project has."""
_MARKS = ("{{", "{%", "{#")
Value = str | int | float | bool
"""What a `[vars]` entry may hold."""


def uses_templating(text: str) -> bool:
    """Whether a SQL text calls a macro (or holds any other Jinja markup)."""
    return any(mark in text for mark in _MARKS)


class MacroError(Exception):
    """Raised by `fail()` inside a macro: a macro called with arguments it cannot use."""


def _fail(message: str) -> NoReturn:
    raise MacroError(message)


class SqlTemplates:
    """The macros of one project: the platform's, then the project's own `macros/*.sql`."""

    def __init__(self, project_macros: Path | None = None,
                 variables: dict[str, Value] | None = None) -> None:
        self.folders = [PLATFORM_MACROS]
        if project_macros is not None and project_macros.is_dir():
            self.folders.append(project_macros)
        self.variables = dict(variables or {})
        """The project's `[vars]` (northstar.toml), read in SQL with `var(name, default)`."""

    @classmethod
    def for_folder(cls, folder: Path, variables: dict[str, Value] | None = None
                   ) -> SqlTemplates:
        """The macros for the SQL files of `folder` (a project's `models/` or `checks/`, or a
        pack's): the platform's and those in `macros/` beside it."""
        return cls(folder.parent / MACROS_DIR, variables)

    @cached_property
    def files(self) -> list[Path]:
        return [path for folder in self.folders for path in sorted(folder.glob("*.sql"))]

    @cached_property
    def signature(self) -> str:
        """A hash of every macro file: a changed macro means rebuilt views."""
        digest = hashlib.sha256()
        for path in self.files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        for name, value in sorted(self.variables.items()):
            digest.update(f"var {name}={value!r}\0".encode())
        return digest.hexdigest()

    def render(self, text: str, path: Path) -> str:
        """`text` (read from `path`) with every macro expanded."""
        if not uses_templating(text):
            return text
        import jinja2

        env = self._environment
        try:
            template = self._compile(env, text, path)
            return template.render()
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(f"macro syntax: {exc.message}", path=exc.filename or str(path),
                              line=exc.lineno) from None
        except (jinja2.UndefinedError, MacroError, TypeError) as exc:
            where, line = _template_frame(exc.__traceback__, path)
            raise ConfigError(f"macro: {exc}", path=where, line=line) from None

    @cached_property
    def _environment(self) -> jinja2.Environment:
        import jinja2

        env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                                 trim_blocks=True, lstrip_blocks=True,
                                 keep_trailing_newline=False)
        env.globals.update({"TAGS": list(TAGS), "fail": _fail, "var": self._var})
        defined: dict[str, Path] = {}
        for path in self.files:
            for name, macro in self._load(env, path).items():
                if name in defined:
                    whose = ("one of the platform's" if defined[name].parent == PLATFORM_MACROS
                             else f"defined in {defined[name]} too")
                    raise ConfigError(f"macro {name!r} is {whose}; give it another name",
                                      path=str(path))
                defined[name] = path
                env.globals[name] = macro
        return env

    def _var(self, name: str, default: Value | None = None) -> str:
        """`var('name', default)`: the project's `[vars] name` (else the default) as an SQL
        literal: a number as written, true/false, a text quoted."""
        value = self.variables.get(name, default)
        if value is None:
            raise MacroError(f"var({name!r}) has no value: set `{name}` under [vars] in "
                             "northstar.toml, or give the call a default")
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return repr(value)
        return "'" + str(value).replace("'", "''") + "'"

    def _load(self, env: jinja2.Environment, path: Path) -> dict[str, Any]:
        """Compile one macro file; returns its macros by name."""
        import jinja2
        from jinja2.runtime import Macro

        try:
            module = self._compile(env, path.read_text(encoding="utf-8"), path).module
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(f"macro syntax: {exc.message}", path=str(path),
                              line=exc.lineno) from None
        return {n: v for n, v in vars(module).items() if isinstance(v, Macro)}

    @staticmethod
    def _compile(env: jinja2.Environment, text: str, path: Path) -> jinja2.Template:
        code = env.compile(text, name=path.name, filename=str(path))
        template: jinja2.Template = env.template_class.from_code(env, code, env.make_globals(None))
        return template


def _template_frame(tb: TracebackType | None, rendered: Path) -> tuple[str, int | None]:
    """Where a macro error is: the line of the file being rendered that called the macro, or
    else the innermost line of a macro file."""
    own: int | None = None
    inner: tuple[str, int | None] = (str(rendered), None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename == str(rendered):
            own = tb.tb_lineno
        elif filename.endswith(".sql"):
            inner = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return (str(rendered), own) if own is not None else inner
