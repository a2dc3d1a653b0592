"""Reading the project's own files so a mistake is reported as file, line and what was expected."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from northstar.errors import ConfigError

M = TypeVar("M", bound=BaseModel)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster
Loc = tuple[str | int, ...]


def load_yaml(path: Path, text: str | None = None) -> tuple[Any, dict[Loc, int]]:
    """Parse a YAML file (or `text` meant for it, e.g. typed in an editor); also return the
    line (1-based) of every key and list item."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read: {exc.strerror}", path=str(path)) from None
    try:
        loader = _Loader(text)  # parse once: the nodes give the lines, then the values
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"not valid YAML: {problem}", path=str(path), line=line) from None
    lines: dict[Loc, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*loc, str(key.value))
            lines[child] = key.start_mark.line + 1
            _walk(value, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*loc, i), lines)


def toml_lines(text: str) -> dict[Loc, int]:
    """Line of every `key =` and `[table]` in a TOML file (enough to point at a mistake)."""
    lines: dict[Loc, int] = {}
    section: Loc = ()
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[+\s*([^\]]+?)\s*\]+", line)
        if header:
            section = tuple(part.strip().strip('"') for part in header.group(1).split("."))
            lines.setdefault(section, n)
            continue
        key = re.match(r'^"?([A-Za-z0-9_\-]+)"?\s*=', line)
        if key:
            lines.setdefault((*section, key.group(1)), n)
    return lines


def load_toml(path: Path) -> tuple[dict[str, Any], dict[Loc, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", path=str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(f"not valid TOML: {exc}", path=str(path),
                          line=int(m.group(1)) if m else None) from None
    return data, toml_lines(text)


def validate(model: type[M], data: Any, path: Path, lines: dict[Loc, int],
             prefix: Loc = ()) -> M:
    """Validate `data` against a pydantic model; the first mistake becomes a ConfigError."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise config_error(exc, path, lines, prefix) from None


def config_error(exc: ValidationError, path: Path, lines: dict[Loc, int],
                 prefix: Loc = ()) -> ConfigError:
    err = exc.errors()[0]
    loc: Loc = (*prefix, *err["loc"])
    line = None
    probe = loc
    while probe and line is None:
        line = lines.get(probe)
        probe = probe[:-1]
    if line is None:
        line = lines.get(())
    field = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
    if err["type"] == "extra_forbidden":
        message = f"unknown key {field!r}"
    elif err["type"] == "missing":
        message = f"{field}: required but missing"
    else:
        msg = err["msg"].removeprefix("Value error, ")
        message = f"{field}: {msg}" if field else msg
    return ConfigError(message, path=str(path), line=line)
