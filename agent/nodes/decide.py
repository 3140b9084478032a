"""decide: ask the model for the next step, constrained to the actions allowed now."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from agent import prompts
from agent.decisions import SearchHelpCenter, allowed_actions, decision_schema, parse_decision
from agent.deps import GraphDeps
from agent.nodes._common import last_customer_text, recent_turns
from agent.state import ConversationState, TurnContext

log = logging.getLogger(__name__)


def make_decide(deps: GraphDeps) -> Callable[[ConversationState, Runtime[TurnContext]], Awaitable[dict[str, Any]]]:
    """A node that picks reply / search_help_center / get_order_details as schema-valid JSON."""
    # The decision JSON is internal: never stream it to the customer.
    model = deps.model.with_config(tags=["nostream"])

    async def decide(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
        actions = allowed_actions(runtime.context.customer_id)
        orders = "get_order_details" in actions
        system = prompts.DECIDE.format(order_line=prompts.ORDER_LINE if orders else "",
                                       order_example=prompts.ORDER_EXAMPLE if orders else "")
        text = last_customer_text(state)
        messages = [SystemMessage(system), *recent_turns(state, deps.history_messages), HumanMessage(text)]
        schema = decision_schema(actions)
        result = await model.ainvoke(messages, response_format={
            "type": "json_schema", "json_schema": {"name": "next_step", "schema": schema, "strict": True}},
            max_tokens=80)
        said = "\n".join(m.text for m in [*recent_turns(state, deps.history_messages), HumanMessage(text)]
                          if isinstance(m, HumanMessage))
        decision = parse_decision(result.text, actions, said)
        if decision is None:
            # Searching the help center with the customer's own words is the safe default.
            log.warning("decide: invalid decision %r; searching the help center instead", result.text[:200])
            decision = SearchHelpCenter(action="search_help_center", query=text[:300])
        log.debug("decide: %s", decision)
        return {"decision": decision.model_dump()}

    return decide


def route_after_decide(state: ConversationState) -> str:
    """Map the decision to the next node."""
    action = state.get("decision", {}).get("action")
    return {"search_help_center": "retrieve", "get_order_details": "act"}.get(action or "", "respond")
