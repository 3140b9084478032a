"""Free-form tool calls from Qwen models, in the three shapes they actually write.

- Qwen's template format: ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``
  (several blocks for several calls);
- bare JSON: ``{"name": ..., "arguments": {...}}`` — what Qwen2.5-Coder-0.5B/1.5B
  answer with instead, so llama.cpp reports no tool call at all;
- the same inside a Markdown ```json fence (the 1.5B, sometimes).

A call is kept only if its name is one of the bound tools and its arguments
validate against that tool's JSON schema; everything else is reported.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_FENCED = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)
_FENCE_EDGES = re.compile(r"^```(?:json)?\s*|\s*```$")


def strip_fence(text: str) -> str:
    """``text`` without a Markdown code fence around it (the 1.5B fences its JSON)."""
    return _FENCE_EDGES.sub("", text.strip())


@dataclass(frozen=True)
class ParsedCall:
    """A tool call that names a bound tool with valid arguments."""

    name: str
    args: dict[str, Any]
    id: str = field(default_factory=lambda: f"call_{uuid.uuid4().hex[:12]}")

    def as_langchain(self) -> dict[str, Any]:
        """The ``tool_calls`` entry of an AIMessage."""
        return {"name": self.name, "args": self.args, "id": self.id, "type": "tool_call"}


@dataclass
class ParseResult:
    """Calls found, text outside them, and why any candidate was rejected."""

    calls: list[ParsedCall]
    text: str
    rejected: list[str]


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


def _candidates(value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [v for v in items if isinstance(v, dict) and isinstance(v.get("name"), str)]


def parse_tool_calls(text: str, tools: dict[str, dict[str, Any]]) -> ParseResult:
    """Find tool calls in ``text``; ``tools`` maps each bound tool's name to its parameters schema."""
    spans: list[tuple[int, int]] = []
    raw: list[dict[str, Any]] = []
    # A tag or a fence around a call is removed whole; around bare JSON only the object itself.
    regions = [(m.start(), m.end(), m.group(1), True) for m in _TAGGED.finditer(text)] or [
        (m.start(), m.end(), m.group(1), True) for m in _FENCED.finditer(text)] or [(0, len(text), text, False)]
    for start, end, body, whole in regions:
        values = [(s, e, v) for s, e, v in json_values(body) if _candidates(v)]
        for _s, _e, v in values:
            raw.extend(_candidates(v))
        if values:
            spans += [(start, end)] if whole else [(s, e) for s, e, _v in values]
    calls, rejected = [], []
    for candidate in raw:
        name = candidate["name"]
        args = candidate.get("arguments", candidate.get("parameters", {}))
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except json.JSONDecodeError:
                rejected.append(f"{name}: arguments are not JSON")
                continue
        if name not in tools:
            rejected.append(f"{name}: not a bound tool (bound: {', '.join(sorted(tools)) or 'none'})")
            continue
        if not isinstance(args, dict):
            rejected.append(f"{name}: arguments must be an object")
            continue
        errors = sorted(Draft202012Validator(tools[name]).iter_errors(args), key=lambda e: list(e.path))
        if errors:
            rejected.append(f"{name}: " + "; ".join(e.message for e in errors))
            continue
        calls.append(ParsedCall(name, args))
    remaining = text
    for start, end in sorted(spans, reverse=True):
        remaining = remaining[:start] + remaining[end:]
    return ParseResult(calls=calls, text=remaining.strip(), rejected=rejected)
