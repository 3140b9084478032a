"""Arithmetic for tools that offer a calculator (τ-bench's ``calculate``), without ``eval``."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable

from tools.api import ToolError

_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_UNARY: dict[type[ast.unaryop], Callable[[float], float]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_evaluate(node.operand))
    raise ToolError("Only numbers, + - * / and parentheses are allowed.")


def calculate(expression: str) -> float:
    """The value of ``expression`` (numbers, + - * / and parentheses), rounded to cents; ToolError otherwise."""
    try:
        return round(_evaluate(ast.parse(expression, mode="eval")), 2)
    except (SyntaxError, ZeroDivisionError) as exc:
        raise ToolError(f"I can't calculate {expression!r}: {exc}") from None
