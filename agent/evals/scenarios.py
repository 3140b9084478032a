"""Evaluation scenarios (YAML, or derived from τ-bench tasks) and the customers that play them.

A scenario is a customer (signed in or not), either fixed turns (a scripted
customer) or requests with the facts the customer holds (a fact-driven
customer; a model-driven one plays it from ``instruction``), optionally a
script for the scripted model (to test graph logic without a real model), and
what must hold at the end: changed records (fields, or τ-bench's full
expected records), facts the replies contain, the language they are in and
whether they answer no, the conversation's mode, and rules that must never be
broken.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from langchain_core.language_models import BaseChatModel

from agent.evals.customers import FactCustomer, ModelCustomer, Request, ScriptedCustomer, SimulatedCustomer


@dataclass(frozen=True)
class Scenario:
    """One conversation to run and what must hold afterwards."""

    name: str
    category: str
    customer: str | None  # signed in through the widget's token; None: anonymous
    turns: list[str] = field(default_factory=list)  # a scripted customer
    requests: list[Request] = field(default_factory=list)  # a fact-driven customer
    knows: dict[str, str] = field(default_factory=dict)
    correction: str | None = None
    introduce: bool = False
    instruction: str = ""  # for a model-driven customer; default: built from the requests and facts
    script: list[dict[str, Any]] = field(default_factory=list)
    changed: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    reply_contains: list[str] = field(default_factory=list)
    reply_excludes: list[str] = field(default_factory=list)  # e.g. another customer's data
    applied: list[str] = field(default_factory=list)  # writes the audit log must show as applied
    language: str | None = None  # every reply must be in it (an ISO code)
    answer: str | None = None  # "no": the first reply answers no (or refuses) in its first sentence
    mode: str | None = "bot"  # None: not checked (τ-bench scores only the stores and the outputs)
    owner: str | None = None  # whose records may change; default: ``customer``
    auth_mode: str = "token"
    expected_records: dict[str, dict[str, Any]] | None = None  # τ-bench: every changed record, exactly
    max_turns: int = 12

    @property
    def account(self) -> str | None:
        """The only customer whose records this conversation may touch."""
        return self.owner or self.customer

    def customer_instruction(self) -> str:
        """What a model-driven customer is told to do."""
        if self.instruction:
            return self.instruction
        wants = " Then: ".join(r.say for r in self.requests) or " ".join(self.turns)
        facts = "; ".join(f"{k}: {v}" for k, v in self.knows.items())
        return f"You want this: {wants}" + (f" What you know: {facts}." if facts else "")


def _request(raw: str | dict[str, Any]) -> Request:
    return Request(raw) if isinstance(raw, str) else Request(raw["say"], raw.get("accept"))


def suite_folders() -> list[Path]:
    """Where YAML suites are looked for, first match wins: ``./evals/suites`` (a company's own, in the folder
    the command runs from), the project's (a source checkout or an editable install), and the copy a wheel
    installs under ``sys.prefix``."""
    project = Path(__file__).resolve().parents[2] / "evals" / "suites"
    installed = Path(sys.prefix) / "share" / "concierge" / "evals" / "suites"
    return list(dict.fromkeys([Path("evals") / "suites", project, installed]))


def find_suite(name: str) -> Path | None:
    """The YAML file of suite ``name``, or None."""
    return next((f / f"{name}.yaml" for f in suite_folders() if (f / f"{name}.yaml").is_file()), None)


def suite_names() -> list[str]:
    """The YAML suites that :func:`find_suite` can find."""
    return sorted({p.stem for f in suite_folders() if f.is_dir() for p in f.glob("*.yaml")})


def load_suite(path: Path) -> list[Scenario]:
    """Scenarios from a YAML file (a list of mappings)."""
    scenarios = []
    for raw in yaml.safe_load(path.read_text()):
        expect = raw.get("expect", {})
        scenarios.append(Scenario(name=raw["name"], category=raw.get("category", "general"),
                                  customer=raw.get("customer"), turns=list(raw.get("turns", [])),
                                  requests=[_request(r) for r in raw.get("requests", [])],
                                  knows=dict(raw.get("knows", {})), correction=raw.get("correction"),
                                  introduce=bool(raw.get("introduce", False)),
                                  instruction=raw.get("instruction", ""),
                                  script=list(raw.get("model", [])), changed=expect.get("changed", {}),
                                  unchanged=list(expect.get("unchanged", [])),
                                  reply_contains=list(expect.get("reply_contains", [])),
                                  reply_excludes=list(expect.get("reply_excludes", [])),
                                  applied=list(expect.get("applied", [])),
                                  language=expect.get("language"), answer=expect.get("answer"),
                                  mode=expect.get("mode", "bot"), auth_mode=raw.get("auth_mode", "token"),
                                  max_turns=int(raw.get("max_turns", 12))))
    return scenarios


def make_customer(scenario: Scenario, kind: str = "fact", model: BaseChatModel | None = None) -> SimulatedCustomer:
    """The customer for ``scenario``: scripted if it has turns, else fact-driven, or model-driven if asked."""
    if scenario.turns:
        return ScriptedCustomer(scenario.turns)
    if kind == "model":
        if model is None:
            raise ValueError("a model-driven customer needs a model")
        return ModelCustomer(model, scenario.customer_instruction())
    return FactCustomer(scenario.requests, scenario.knows, scenario.correction, scenario.introduce)


def scripted_router(script: list[dict[str, Any]]) -> Any:
    """A scripted model's function: decisions chosen by matching the customer's words, answers by order."""

    def fn(messages: list[Any], kwargs: dict[str, Any]) -> str:
        if kwargs.get("response_format"):
            text = messages[-1].text
            for step in script:
                if "decide" in step and re.search(step["when"], text, re.I):
                    return json.dumps(step["decide"])
            return json.dumps({"action": "reply"})
        return next((s["answer"] for s in script if "answer" in s), "Okay.")

    return fn
