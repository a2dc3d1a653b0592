"""Expressions over other metrics (`net_revenue / gmv`): parsed once, evaluated safely.

Only numbers, metric names, + - * / and parentheses are allowed; no SQL reaches the database."""

from __future__ import annotations

import ast
from decimal import Decimal

Number = Decimal | float | int

_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load,
            ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd)


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


def names_in(text: str) -> list[str]:
    """The metric names an expression uses, in order of first appearance."""
    seen: list[str] = []
    for node in ast.walk(_parse(text)):
        if isinstance(node, ast.Name) and node.id not in seen:
            seen.append(node.id)
    return seen


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
