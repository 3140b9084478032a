"""handoff: tell the customer a person is coming. The channel opens the ticket (agent/conversations/handoff.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage

from agent.engine import prompts
from agent.engine.deps import GraphDeps
from agent.engine.state import ConversationState


def make_handoff(deps: GraphDeps) -> Callable[[ConversationState], dict[str, Any]]:
    """A node that records why the conversation goes to a person and says so, in words the code controls."""

    def handoff(state: ConversationState) -> dict[str, Any]:
        # guard (customer asked) and act (approval, failures) say why; otherwise the model decided.
        reason = state.get("handoff") or {"reason": "model_decided"}
        return {"handoff": reason, "messages": [AIMessage(prompts.HANDOFF)], "citations": []}

    return handoff
