"""Helpers shared by nodes."""

from __future__ import annotations

from langchain_core.messages import AnyMessage, HumanMessage

from agent.engine.state import ConversationState


def last_customer_text(state: ConversationState) -> str:
    """The text of the customer's latest message."""
    for m in reversed(state.get("messages", [])):
        if isinstance(m, HumanMessage):
            return m.text
    return ""


def customer_words(state: ConversationState) -> str:
    """Everything the customer has written in this conversation (what ``stated`` arguments must come from)."""
    return "\n".join(m.text for m in state.get("messages", []) if isinstance(m, HumanMessage))


def recent_turns(state: ConversationState, n: int) -> list[AnyMessage]:
    """The last ``n`` messages before the customer's latest one."""
    messages = state.get("messages", [])
    return list(messages[-(n + 1):-1]) if n else []
