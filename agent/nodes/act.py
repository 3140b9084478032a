"""act: run the decided tool through the ToolRunner, as the signed-in customer (from context, not the model)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from langgraph.runtime import Runtime

from agent.deps import GraphDeps
from agent.state import ConversationState, TurnContext, current_customer


def make_act(deps: GraphDeps) -> Callable[[ConversationState, Runtime[TurnContext]], Awaitable[dict[str, Any]]]:
    """A node that stores the tool's result, or its customer-safe error, in ``tool_result``."""

    async def act(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
        decision = state["decision"]
        result = await asyncio.to_thread(deps.runner.run, decision["action"], decision["args"],
                                         customer_id=current_customer(state, runtime.context),
                                         conversation_id=runtime.context.conversation_id)
        update: dict[str, Any] = {"tool_result": {"tool": result.tool, "ok": result.ok, "status": result.status.value,
                                                  "data": result.data, "error": result.message}}
        if result.authenticated:
            update["authenticated"] = result.authenticated
        return update

    return act
