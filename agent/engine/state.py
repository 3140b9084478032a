"""The graph's state and the per-run context.

The state is checkpointed per conversation (``thread_id``). The customer's
identity is *not* state the model can write: it comes from the channel (a
signed token) as run context, and tools read it from there.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages


class ConversationState(TypedDict, total=False):
    """What a conversation remembers between steps and turns."""

    messages: Annotated[list[AnyMessage], add_messages]
    decision: dict[str, Any]
    hits: list[dict[str, Any]]
    help_center_down: bool  # the search failed (not: found nothing)
    tool_result: dict[str, Any] | None
    # A write's preview waiting for the customer's answer ({"type": "confirm", "tool", "preview", "args",
    # "args_hash"}), and the hash they said yes to.
    pending: dict[str, Any] | None
    confirmed: str | None
    citations: list[dict[str, str]]
    prompt_tokens: dict[str, int]
    # Set when this turn hands the conversation to a person: {"reason", "action"?}.
    handoff: dict[str, Any] | None
    failures: int  # consecutive failed tool calls
    # Hashes of writes the customer said no to: proposing exactly the same again is not allowed.
    declined: Annotated[list[str], operator.add]
    then_decide: bool  # the customer identified themselves: decide again on the same message
    # Set only from a ToolResult's `authenticated` (an auth tool verified the customer), never by the model.
    authenticated: str | None


@dataclass(frozen=True)
class TurnContext:
    """Run-scoped facts from the channel, never from the model."""

    customer_id: str | None = None
    conversation_id: str = ""
    site_key: str | None = None  # the widget's site: which brand, policy, help center and tools


def current_customer(state: ConversationState, context: TurnContext) -> str | None:
    """The signed-in customer: from the channel's token, or verified by an auth tool earlier."""
    return context.customer_id or state.get("authenticated")
