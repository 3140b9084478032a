"""The graph's state and the per-run context.

The state is checkpointed per conversation (``thread_id``). The customer's
identity is *not* state the model can write: it comes from the channel (a
signed token) as run context, and tools read it from there.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal, Required, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages


class Action(StrEnum):
    """The graph's own next steps; any other action a decision names is a tool's name.

    Stored in the checkpoint as plain strings (``str(Action.REPLY)``): a checkpoint holds no custom types.
    """

    REPLY = "reply"
    SEARCH = "search_help_center"
    HANDOFF = "handoff"
    CLARIFY = "clarify"  # decided in code, never offered: ask the customer to say exactly what they want
    BLOCKED = "blocked"  # guard answered by itself (too long, an injection attempt)
    CACHED = "cached"  # guard gave the answer kept for the same first question (agent/engine/answer_cache.py)
    SMALL_TALK = "small_talk"  # guard answered a greeting, thanks or goodbye (agent/engine/small_talk.py)


# Why a turn hands the conversation to a person.
HandoffReason = Literal["customer_asked", "approval", "repeated_failure", "model_decided", "model_error"]


class StepDecision(TypedDict, total=False):
    """The decided next step, as the checkpoint keeps it: an :class:`Action` or a tool, and its input."""

    action: Required[str]
    query: str  # for Action.SEARCH
    args: dict[str, Any]  # for a tool


class PendingWrite(TypedDict):
    """A write's preview waiting for the customer's yes or no (what ``confirm`` interrupts with)."""

    type: Literal["confirm"]
    tool: str
    preview: str
    args: dict[str, Any]
    args_hash: str


class ToolOutcome(TypedDict):
    """A tool call's outcome for the answer: its status ("ok", "error", "needs_approval", "cancelled"…)."""

    tool: str
    ok: bool
    status: str
    data: Any
    error: str


class ApprovalAction(TypedDict):
    """The exact write a human agent is asked to approve."""

    tool: str
    args: dict[str, Any]
    args_hash: str
    customer_id: str | None


class HandoffRequest(TypedDict, total=False):
    """Why this turn hands the conversation to a person, and the write to approve when that is why."""

    reason: Required[HandoffReason]
    action: ApprovalAction


class ConversationState(TypedDict, total=False):
    """What a conversation remembers between steps and turns."""

    messages: Annotated[list[AnyMessage], add_messages]
    decision: StepDecision
    hits: list[dict[str, Any]]
    help_center_down: bool  # the search failed (not: found nothing)
    tool_result: ToolOutcome | None
    # A write's preview waiting for the customer's answer, and the hash they said yes to.
    pending: PendingWrite | None
    confirmed: str | None
    citations: list[dict[str, str]]
    prompt_tokens: dict[str, int]
    handoff: HandoffRequest | None
    failures: int  # consecutive failed tool calls
    # Hashes of writes the customer said no to: proposing exactly the same again is not allowed.
    declined: Annotated[list[str], operator.add]
    then_decide: bool  # the customer identified themselves: decide again on the same message
    # Set only from a ToolResult's `authenticated` (an auth tool verified the customer), never by the model.
    authenticated: str | None
    language: str | None  # the customer's (an ISO code, agent/engine/language.py); None until one is clear


@dataclass(frozen=True)
class TurnContext:
    """Run-scoped facts from the channel, never from the model."""

    customer_id: str | None = None
    conversation_id: str = ""
    site_key: str | None = None  # the widget's site: which brand, policy, help center and tools


def current_customer(state: ConversationState, context: TurnContext) -> str | None:
    """The signed-in customer: from the channel's token, or verified by an auth tool earlier."""
    return context.customer_id or state.get("authenticated")
