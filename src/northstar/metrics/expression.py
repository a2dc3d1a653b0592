"""Expressions over other metrics (`net_revenue / gmv`): parsed once, evaluated safely.

Only numbers, metric names, the built-in names (`BUILT_INS`), + - * / and parentheses are
allowed; no SQL reaches the database."""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
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
    return _compiled(text)(values)


Values = dict[str, Number | None]
Evaluator = Callable[[Values], float | None]


@functools.lru_cache(maxsize=1024)
def _compiled(text: str) -> Evaluator:
    """The expression made into nested functions once, so a year of days evaluates it without
    walking its syntax tree for every value."""

    def build(node: ast.AST) -> Evaluator:
        if isinstance(node, ast.Expression):
            return build(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            constant = float(node.value)
            return lambda _: constant
        if isinstance(node, ast.Name):
            name = node.id

            def read(values: Values) -> float | None:
                v = values.get(name)
                return None if v is None else float(v)
            return read
        if isinstance(node, ast.UnaryOp):
            inner, negate = build(node.operand), isinstance(node.op, ast.USub)

            def unary(values: Values) -> float | None:
                v = inner(values)
                return None if v is None else -v if negate else v
            return unary
        if isinstance(node, ast.BinOp):
            left, right, op = build(node.left), build(node.right), type(node.op)

            def binary(values: Values) -> float | None:
                a, b = left(values), right(values)
                if a is None or b is None:
                    return None
                if op is ast.Add:
                    return a + b
                if op is ast.Sub:
                    return a - b
                if op is ast.Mult:
                    return a * b
                return None if b == 0 else a / b
            return binary
        raise ValueError(f"unsupported element in {text!r}")

    return build(_parse(text))
