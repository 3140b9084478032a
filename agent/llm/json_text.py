"""JSON inside a model's text: a Markdown fence around it, and every JSON value it holds.

Structured decisions are constrained by a grammar, but a backend without one (or a weak model) may still
fence its JSON or add words around it.
"""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE_EDGES = re.compile(r"^```(?:json)?\s*|\s*```$")


def strip_fence(text: str) -> str:
    """``text`` without a Markdown code fence around it (the 1.5B fences its JSON)."""
    return _FENCE_EDGES.sub("", text.strip())


def json_values(text: str) -> list[tuple[int, int, Any]]:
    """Every top-level JSON object or array in ``text``, with its span."""
    decoder = json.JSONDecoder()
    found, i = [], 0
    while i < len(text):
        if text[i] in "{[":
            try:
                value, end = decoder.raw_decode(text, i)
            except json.JSONDecodeError:
                i += 1
                continue
            found.append((i, end, value))
            i = end
        else:
            i += 1
    return found
