"""'Did you mean ...?' for a mistyped name, by the standard library's difflib (no dependency:
metric, model and table names are short and few)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["close_names", "did_you_mean"]


def close_names(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Up to `n` known names that look like `name`, the closest first."""
    return difflib.get_close_matches(name, sorted(set(known)), n=n, cutoff=0.6)


def did_you_mean(name: str, known: Iterable[str], n: int = 3) -> str | None:
    """`did you mean 'a'?` (or `'a', 'b' or 'c'`), or None when no known name is close."""
    found = [repr(x) for x in close_names(name, known, n)]
    if not found:
        return None
    names = found[0] if len(found) == 1 else f"{', '.join(found[:-1])} or {found[-1]}"
    return f"did you mean {names}?"
