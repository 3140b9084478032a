"""guard: stop what must not reach the model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage

from agent import prompts
from agent.deps import GraphDeps
from agent.nodes._common import last_customer_text
from agent.state import ConversationState


def make_guard(deps: GraphDeps) -> Callable[[ConversationState], dict[str, Any]]:
    """A node that answers by itself (without the model) when the message cannot be processed."""

    def guard(state: ConversationState) -> dict[str, Any]:
        text = last_customer_text(state)
        # Reset per-turn fields so nothing from the previous turn leaks into this one.
        update: dict[str, Any] = {"decision": {}, "hits": [], "tool_result": None, "citations": [],
                                  "prompt_tokens": {}}
        if not text.strip() or len(text) > deps.max_message_chars:
            update["decision"] = {"action": "blocked"}
            update["messages"] = [AIMessage(prompts.BLOCKED.format(limit=deps.max_message_chars))]
        return update

    return guard


def route_after_guard(state: ConversationState) -> str:
    """End the turn when guard blocked the message, else go on to decide."""
    return "end" if state.get("decision", {}).get("action") == "blocked" else "decide"
