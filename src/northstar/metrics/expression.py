"""Expressions over other metrics (`net_revenue / gmv`): parsed once, evaluated safely.

Only numbers, metric names, the built-in names (`BUILT_INS`), + - * / and parentheses are
allowed; no SQL reaches the database."""

from __future__ import annotations

import ast
import functools
from decimal import Decimal

Number = Decimal | float | int

BUILT_INS: dict[str, str] = {
    "months": "the number of calendar months in the period the value is for: 1 for a month, "
              "3 for a quarter, 12 for a year, 7 x 12 / 365.25 for a week, 12 / 365.25 for a "
              "day",
}
"""Names an expression may use that are not metrics, each evaluated per period, with what it
is. A metric may not take one of these names."""

_DAYS_PER_MONTH = 365.25 / 12
_MONTHS = {"month": 1.0, "quarter": 3.0, "year": 12.0}

_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load,
            ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd)


@functools.lru_cache(maxsize=1024)
def _parse(text: str) -> ast.Expression:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise ValueError(f"{text!r} is not an expression of metric names, numbers, "
                         "+ - * / and parentheses") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED) or (
            isinstance(node, ast.Constant) and not isinstance(node.value, int | float)
        ):
            raise ValueError(f"{text!r} may only use metric names, numbers, + - * / and "
                             "parentheses")
    return tree


@functools.lru_cache(maxsize=1024)
def _names(text: str) -> tuple[str, ...]:
    """Every name an expression uses, in order of first appearance (parsed once per text)."""
    seen: list[str] = []
    for node in ast.walk(_parse(text)):
        if isinstance(node, ast.Name) and node.id not in seen:
            seen.append(node.id)
    return tuple(seen)


def names_in(text: str) -> list[str]:
    """The metric names an expression uses, in order of first appearance (built-ins left out)."""
    return [n for n in _names(text) if n not in BUILT_INS]


def built_ins_in(text: str) -> list[str]:
    """The built-in names (`months`) an expression uses."""
    return [n for n in _names(text) if n in BUILT_INS]


def months_in(kind: str) -> float:
    """`months` for a period of this kind (`month`, `quarter`, `year`, `week`, `day`): calendar
    months in it. A week or a day, which is not made of months, is its days over the average
    month's."""
    if kind == "week":
        return 7 / _DAYS_PER_MONTH
    if kind == "day":
        return 1 / _DAYS_PER_MONTH
    return _MONTHS[kind]


def evaluate(text: str, values: dict[str, Number | None]) -> float | None:
    """Evaluate with the given metric values. A missing value or a division by zero gives None."""

    def ev(node: ast.AST) -> float | None:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name):
            v = values.get(node.id)
            return None if v is None else float(v)
        if isinstance(node, ast.UnaryOp):
            inner = ev(node.operand)
            if inner is None:
                return None
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            left, right = ev(node.left), ev(node.right)
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            return None if right == 0 else left / right
        raise ValueError(f"unsupported element in {text!r}")

    return ev(_parse(text))
