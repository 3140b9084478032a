"""Schema-constrained calls: the backend constrains decoding; this module checks, repairs, re-asks once.

Every backend receives the JSON schema as ``response_format`` (llama.cpp turns it
into a grammar, vLLM and SGLang into structured outputs, the transformers backend
into an xgrammar logits processor). If the text still fails to validate (a
server without constrained decoding, output cut by max_tokens), it is repaired
if it can be, else the model is asked once more with the validation error; a
second failure is a :class:`StructuredOutputError`, never a crash.
"""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import Runnable

from agent.llm.errors import ModelError
from agent.llm.json_text import json_values, strip_fence


class StructuredOutputError(ModelError):
    """The model's output did not match the schema, even after a repair and a second try."""


def response_format(schema: dict[str, Any], name: str = "output") -> dict[str, Any]:
    """The OpenAI-style ``response_format`` for ``schema``."""
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}


def repair(text: str) -> Any | None:
    """Best-effort JSON from a model's text: strip fences and chatter, close what was left open."""
    body = strip_fence(text)
    values = json_values(body)
    if values:
        return values[0][2]
    start = min((i for i in (body.find("{"), body.find("[")) if i >= 0), default=-1)
    if start < 0:
        return None
    candidate = body[start:].rstrip().rstrip(",")
    if candidate.count('"') % 2:
        candidate += '"'
    closers = []
    for ch in candidate:
        if ch in "{[":
            closers.append("}" if ch == "{" else "]")
        elif ch in "}]" and closers:
            closers.pop()
    try:
        return json.loads(candidate + "".join(reversed(closers)))
    except json.JSONDecodeError:
        return None


def check(text: str, schema: dict[str, Any]) -> tuple[Any | None, str]:
    """``(value, "")`` if ``text`` (as is, or repaired) validates against ``schema``; else ``(None, why)``."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = repair(text)
        if value is None:
            return None, "the answer is not JSON"
    errors = list(Draft202012Validator(schema).iter_errors(value))
    if errors:
        return None, "; ".join(e.message for e in errors[:3])
    return value, ""


async def ainvoke_structured(model: Runnable[Any, Any], messages: list[BaseMessage], schema: dict[str, Any], *,
                             name: str = "output", **kwargs: Any) -> Any:
    """The model's answer as a value valid against ``schema`` (at most two model calls)."""
    fmt = response_format(schema, name)
    first = await model.ainvoke(messages, response_format=fmt, **kwargs)
    value, problem = check(first.text, schema)
    if not problem:
        return value
    retry = [*messages, AIMessage(first.text),
             HumanMessage(f"That answer is invalid ({problem}). Answer again with JSON only, matching the schema.")]
    second = await model.ainvoke(retry, response_format=fmt, **kwargs)
    value, problem = check(second.text, schema)
    if problem:
        raise StructuredOutputError(f"The model's answer did not match the {name} schema twice: {problem}")
    return value
