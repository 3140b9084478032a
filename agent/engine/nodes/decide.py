"""decide: ask the model for the next step, constrained to the actions allowed now."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from agent.engine import prompts
from agent.engine.decisions import (
    Decision,
    decision_budget,
    decision_schema,
    identification,
    offered_tools,
    parse_decision,
    prompted_tools,
)
from agent.engine.deps import GraphDeps
from agent.engine.facts import gather
from agent.engine.injection import scrub
from agent.engine.nodes._common import customer_words, last_customer_text, recent_turns
from agent.engine.sites import Site
from agent.engine.state import Action, ConversationState, TurnContext, current_customer
from agent.llm.budget import fit
from agent.llm.structured import StructuredOutputError, ainvoke_structured
from tools.registry import Registry
from tools.runner import args_hash

log = logging.getLogger(__name__)


def decide_prompt(registry: Registry, auth_mode: str, site: Site) -> str:
    """The router's system prompt: the same for every customer of ``site`` (see ``prompted_tools``), so it stays
    cached; the turn and the start-up warm-up both build it here."""
    tools = prompted_tools(registry, auth_mode, site)
    lines = "".join(prompts.TOOL_LINE.format(name=t.name, description=t.description.rstrip("."),
                                             args=json.dumps(sorted(t.parameters().get("properties", {}))))
                    for t in tools)
    examples = "".join(prompts.TOOL_EXAMPLE.format(said=t.example.said, decision=json.dumps(
        {"action": t.name, "args": t.example.args})) for t in tools if t.example)
    return prompts.DECIDE.format(brand=site.brand, tool_lines=lines, tool_examples=examples,
                                 policy=site.policy_block())


def make_decide(deps: GraphDeps) -> Callable[[ConversationState, Runtime[TurnContext]], Awaitable[dict[str, Any]]]:
    """A node that picks the next step as schema-valid JSON and validates it again in code."""
    # The decision JSON is internal: never stream it to the customer.
    model = deps.model.with_config(tags=["nostream"])

    async def decide(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
        customer = current_customer(state, runtime.context)
        site = deps.sites(runtime.context.site_key)
        tools = offered_tools(deps.registry, customer, deps.auth_mode, site)
        text = last_customer_text(state)
        if customer is None and (identifies := identification(text, tools, deps.registry)):
            # Identify first, then come back here for the rest of the message in the same turn.
            return {"decision": identifies.dump(), "then_decide": True}
        history = recent_turns(state, deps.history_messages)
        said = "\n".join(m.text for m in [*history, HumanMessage(text)])
        found = await asyncio.to_thread(gather, deps.runner, customer, said, deps.auth_mode,
                                        runtime.context.conversation_id)
        facts = scrub(found.text())  # records can carry text someone wrote to steer the model
        # The prompt lists every tool of the site (one stable, cached prefix for all customers); the schema,
        # which the grammar enforces, only those offered to this customer whose preconditions can hold.
        allowed = [t for t in tools if found.allows(t)]
        # Facts go after the cached system prompt and history, just before the question: they change per turn.
        tail = [SystemMessage(facts), HumanMessage(text)] if facts else [HumanMessage(text)]
        messages, used = fit([SystemMessage(decide_prompt(deps.registry, deps.auth_mode, site))], history, tail,
                             deps.prompt_budget)
        # The customer's own records ground identifiers too: "cancel my pending order" may use its id.
        conversation = f"{said}\n{facts}"
        # A question is never answered from the model's own knowledge: told to "reply" only to small talk, the
        # 1.5B still chose it for 5 of the 64 multilingual questions and answered them "Yes" against the help
        # center. Greetings, thanks and goodbyes no longer come here (guard answers them).
        chat = "?" not in text
        try:
            value = await ainvoke_structured(model, messages, decision_schema(allowed, chat), name="next_step",
                                             max_tokens=decision_budget(allowed))
            decision = parse_decision(json.dumps(value), allowed, conversation, said=customer_words(state))
        except StructuredOutputError:
            # Not the error's text: it quotes the model's answer, which can quote the customer.
            log.warning("decide: the model's answer did not match the decision schema, twice")
            decision = None
        if decision is not None and decision.args is not None and \
                args_hash(decision.action, decision.args) in state.get("declined", []):
            log.info("decide: the customer already said no to exactly this; asking them instead")
            decision = Decision(Action.CLARIFY)
        if decision is None:
            # Searching the help center with the customer's own words is the safe default.
            log.warning("decide: no valid, grounded decision; searching the help center instead")
            decision = Decision(Action.SEARCH, query=text[:300])
        # The action and the names of its arguments only: their values can be an email or an address.
        log.debug("decide: %s(%s) (%d prompt tokens)", decision.action, ", ".join(decision.args or ()), used)
        return {"decision": decision.dump(), "then_decide": False,
                "prompt_tokens": {**state.get("prompt_tokens", {}), "decide": used}}

    return decide


def route_after_decide(state: ConversationState) -> str:
    """Map the decision to the next node."""
    action = state.get("decision", {}).get("action")
    if action == Action.SEARCH:
        return "retrieve"
    if action == Action.HANDOFF:
        return "handoff"
    return "act" if state.get("decision", {}).get("args") is not None else "respond"
