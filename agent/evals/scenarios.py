"""Evaluation scenarios (YAML) and how one is scored.

A scenario is a customer (signed in or not), what they say turn by turn (a
scripted customer), optionally a script for the scripted model (to test graph
logic without a real model), and what must hold at the end: changed records,
facts the replies contain, the conversation's mode, and rules that must never
be broken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Scenario:
    """One conversation to run and what must hold afterwards."""

    name: str
    category: str
    customer: str | None
    turns: list[str]
    script: list[dict[str, Any]] = field(default_factory=list)
    changed: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    reply_contains: list[str] = field(default_factory=list)
    mode: str = "bot"


def load_suite(path: Path) -> list[Scenario]:
    """Scenarios from a YAML file (a list of mappings)."""
    scenarios = []
    for raw in yaml.safe_load(path.read_text()):
        expect = raw.get("expect", {})
        scenarios.append(Scenario(name=raw["name"], category=raw.get("category", "general"),
                                  customer=raw.get("customer"), turns=list(raw["turns"]),
                                  script=list(raw.get("model", [])), changed=expect.get("changed", {}),
                                  unchanged=list(expect.get("unchanged", [])),
                                  reply_contains=list(expect.get("reply_contains", [])),
                                  mode=expect.get("mode", "bot")))
    return scenarios


def scripted_router(script: list[dict[str, Any]]) -> Any:
    """A scripted model's function: decisions chosen by matching the customer's words, answers by order."""
    import json

    def fn(messages: list[Any], kwargs: dict[str, Any]) -> str:
        if kwargs.get("response_format"):
            text = messages[-1].text
            for step in script:
                if "decide" in step and re.search(step["when"], text, re.I):
                    return json.dumps(step["decide"])
            return json.dumps({"action": "reply"})
        return next((s["answer"] for s in script if "answer" in s), "Okay.")

    return fn
