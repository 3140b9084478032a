"""handoff: tell the customer a person is coming. The channel opens the ticket (agent/conversations/handoff.py)."""

from __future__ import annotations

from collections.abc import Callable

from langchain_core.messages import AIMessage

from agent.engine import prompts
from agent.engine.deps import GraphDeps
from agent.engine.phrases import phrase
from agent.engine.state import ConversationState, HandoffRequest


def make_handoff(deps: GraphDeps) -> Callable[[ConversationState], ConversationState]:
    """A node that records why the conversation goes to a person and says so, in words the code controls."""

    def handoff(state: ConversationState) -> ConversationState:
        # guard (customer asked) and act (approval, failures) say why; otherwise the model decided.
        reason: HandoffRequest = state.get("handoff") or {"reason": "model_decided"}
        said = phrase(prompts.HANDOFF, state.get("language"))
        return {"handoff": reason, "messages": [AIMessage(said)], "citations": []}

    return handoff
