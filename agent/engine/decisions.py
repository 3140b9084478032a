"""The next-step decision: which actions are on offer, their JSON schema, and validation.

The schema offered to the model is built from the actions allowed in the
current state (signed in or not, which tools are registered), so an action
that is not allowed cannot even be produced. A tool call's arguments follow
the tool's own schema.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agent.engine.sites import Site
from agent.engine.state import Action, StepDecision
from agent.llm.json_text import strip_fence
from tools.api import Access, Risk, Tool, ToolError
from tools.registry import Registry


@dataclass(frozen=True)
class Decision:
    """A validated next step: reply, search (with ``query``), or a tool call (with ``args``)."""

    action: str  # an Action, or a tool's name
    query: str = ""
    args: dict[str, Any] | None = None

    def dump(self) -> StepDecision:
        """As stored in the graph state (plain strings)."""
        out: StepDecision = {"action": str(self.action)}
        if self.action == Action.SEARCH:
            out["query"] = self.query
        if self.args is not None:
            out["args"] = self.args
        return out


def offered_tools(registry: Registry, customer_id: str | None, auth_mode: str = "token",
                  site: Site | None = None) -> list[Tool]:
    """Tools the customer may use now, on ``site`` (its allow-list). Writes need a signed-in customer; the
    graph asks them to confirm."""
    offered = []
    for t in registry:
        if not t.offered or (t.risk is not Risk.READ and not customer_id) or (site is not None and not site.offers(t)):
            continue
        if t.access is Access.CUSTOMER and not customer_id:
            continue
        if t.access is Access.AUTH and (customer_id or auth_mode == "token"):
            continue  # already signed in, or only the site's token can sign anyone in
        if t.auth_modes is not None and auth_mode not in t.auth_modes:
            continue
        offered.append(t)
    return sorted(offered, key=lambda t: _ORDER[t.access])


_ORDER = {Access.PUBLIC: 0, Access.AUTH: 1, Access.CUSTOMER: 2}
SIGNED_IN = "any-signed-in-customer"  # what is offered depends only on being signed in, not on who


def prompted_tools(registry: Registry, auth_mode: str = "token", site: Site | None = None) -> list[Tool]:
    """Every tool ``site`` offers anybody, signed in or not: what the router's prompt lists for everyone.

    One prompt for all customers is one prefix in the model's cache. With a prompt per kind of customer,
    an anonymous question evicted the signed-in prompt (~1,150 tokens) and the next signed-in customer's
    turn read it all again: 30-45 s of prefill on 2 cores. What each customer may actually do is the
    decision schema's business (the grammar), not the prompt's.
    """
    tools = {t.name: t for who in (None, SIGNED_IN) for t in offered_tools(registry, who, auth_mode, site)}
    return sorted(tools.values(), key=lambda t: _ORDER[t.access])


def decision_schema(tools: list[Tool], chat: bool = True) -> dict[str, Any]:
    """A JSON schema accepting exactly one allowed action with valid arguments; ``reply`` (a chat answer without
    sources or data) only when ``chat``."""
    variants: list[dict[str, Any]] = [
        {"type": "object", "additionalProperties": False, "required": ["action", "query"],
         "properties": {"action": {"const": str(Action.SEARCH)},
                        "query": {"type": "string", "minLength": 1, "maxLength": 300}}},
    ]
    variants += [{"type": "object", "additionalProperties": False, "required": ["action", "args"],
                  "properties": {"action": {"const": t.name}, "args": t.parameters()}} for t in tools]
    variants += [{"type": "object", "additionalProperties": False, "required": ["action"],
                  "properties": {"action": {"const": str(action)}}}
                 for action in (Action.HANDOFF, Action.REPLY) if chat or action is not Action.REPLY]
    return {"anyOf": variants}


def decision_budget(tools: list[Tool]) -> int:
    """Tokens a decision may take: a short call fits in 120; one with lists of objects (a booking's flights,
    passengers and payments) needs more, and a cut-off decision is no decision at all."""
    nested = any(p.get("type") == "array" and p.get("items", {}).get("type") == "object"
                 for t in tools for p in t.parameters().get("properties", {}).values())
    return 400 if nested else 120


def parse_decision(text: str, tools: list[Tool], conversation: str = "", said: str | None = None) -> Decision | None:
    """Validate the model's output; None if it is not a valid, allowed, grounded decision.

    Grounded: the arguments a tool names in ``grounded`` (ids, emails) must appear
    in ``conversation`` (what was said so far, and the facts), so the model cannot
    act on one it invented or copied from an example; those it names in ``stated``
    must appear in ``said``, the customer's own words.
    """
    try:
        raw = json.loads(strip_fence(text))
    except json.JSONDecodeError:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("action"), str):
        return None
    action = raw["action"]
    if action in (Action.REPLY, Action.HANDOFF):
        return Decision(action)
    if action == Action.SEARCH:
        query = raw.get("query")
        return Decision(Action.SEARCH, query=query.strip()[:300]) if isinstance(query, str) and query.strip() else None
    tool = next((t for t in tools if t.name == action), None)
    if tool is None or not isinstance(raw.get("args", {}), dict):
        return None
    try:
        args = tool.validate(raw.get("args", {}))
    except ToolError:
        return None
    if not tool.is_grounded(args, conversation, said):
        return None
    return Decision(action, args=args)


def identification(text: str, tools: list[Tool], registry: Registry) -> Decision | None:
    """The identification a not-yet-identified customer just offered, if an offered tool takes it (a plugin's
    ``identify`` hook reads it; done in code because a small model often answers the request first)."""
    found = registry.hook.identify(text=text, offered={t.name for t in tools})
    return Decision(found[0], args=found[1]) if found else None
