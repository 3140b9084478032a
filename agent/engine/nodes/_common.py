"""Helpers shared by nodes."""

from __future__ import annotations

from langchain_core.messages import AnyMessage, HumanMessage

from agent.engine.answer_cache import question_key
from agent.engine.state import ConversationState, TurnContext, current_customer


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


def cache_key(state: ConversationState, context: TurnContext, language: str | None) -> str | None:
    """The answer cache's key for this turn, when its answer may be kept and given again: the first message of
    an anonymous customer (nothing of anyone's records and no earlier turn shapes its answer); else None."""
    if current_customer(state, context) is not None or \
            sum(isinstance(m, HumanMessage) for m in state.get("messages", [])) != 1:
        return None
    return question_key(context.site_key, language, last_customer_text(state))
