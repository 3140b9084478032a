"""respond: write the customer-facing answer from what retrieve or act found, and cite it."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from agent import prompts
from agent.decisions import CLARIFY, SEARCH
from agent.deps import GraphDeps
from agent.injection import plays_along, scrub
from agent.llm.budget import fit
from agent.nodes._common import last_customer_text, recent_turns
from agent.state import ConversationState
from tools.api import Access, Risk, to_model_text
from tools.orders.store import options_text
from tools.registry import Registry
from tools.runner import describe

log = logging.getLogger(__name__)
TOOL_DATA_CHARS = 1500  # a tool result longer than this is cut: prefill time is the scarce resource


def summarize_order(record: dict[str, Any]) -> str:
    """A compact view of an order for the prompt (full records cost too many tokens)."""
    items = [f"{i['name']} ({options_text(i['options'])}) ${i['price']:.2f}"
             for i in record["items"]]
    tracking = [t for f in record["fulfillments"] for t in f["tracking_id"]]
    paid = sum(p["amount"] for p in record["payment_history"] if p["transaction_type"] == "payment")
    refunded = sum(p["amount"] for p in record["payment_history"] if p["transaction_type"] == "refund")
    return json.dumps({"order_id": record["order_id"], "status": record["status"], "items": items,
                       "tracking_numbers": tracking, "paid": round(paid, 2), "refunded": round(refunded, 2),
                       "ship_to": f"{record['address']['city']}, {record['address']['state']}"})


MAX_CITATIONS = 3  # past three sources a reader stops following links, and the tail is the weakest match


def citations_for(hits: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One citation per article, best-ranked first, at most MAX_CITATIONS."""
    seen: set[str] = set()
    out = []
    for h in hits:
        article = h["url"].split("#", 1)[0]
        if article not in seen:
            seen.add(article)
            out.append({"title": h["title"], "url": h["url"]})
    return out[:MAX_CITATIONS]


def outcome_text(state: ConversationState, registry: Registry) -> str | None:
    """The reply to an action's outcome, written in code; None when the model should write it (read results)."""
    if state.get("decision", {}).get("action") == CLARIFY:
        return prompts.CLARIFY
    if state.get("help_center_down") and state.get("decision", {}).get("action") == SEARCH:
        return prompts.HELP_CENTER_DOWN
    result = state.get("tool_result")
    if result is None or state.get("decision", {}).get("action") == SEARCH:
        return None
    if result.get("status") == "cancelled":
        return prompts.NOT_DONE
    if result.get("status") == "needs_approval":
        return prompts.NEEDS_APPROVAL
    if not result["ok"]:
        return prompts.FAILED.format(error=str(result["error"]).rstrip(".") + ".")
    tool = registry.get(result["tool"])
    if tool.access is Access.AUTH:  # identified (or, by email code, told to type the code sent)
        data = result["data"]
        return data if isinstance(data, str) and data != state.get("authenticated") else prompts.IDENTIFIED
    if tool.risk is not Risk.READ:
        return prompts.DONE.format(what=describe(tool, state.get("decision", {}).get("args") or {}))
    return None


def _task(state: ConversationState) -> tuple[str, list[dict[str, str]]]:
    """The instruction for this turn and the citations it will carry."""
    question = last_customer_text(state)
    decision = state.get("decision", {})
    if decision.get("action") == SEARCH:
        hits = state.get("hits", [])
        if not hits:
            return prompts.NO_SOURCES.format(question=question), []
        sources = "\n\n".join(f"[{n}] {scrub(h['text'])}" for n, h in enumerate(hits, 1))
        return prompts.WITH_SOURCES.format(sources=sources, question=question), citations_for(hits)
    result = state.get("tool_result")
    if result is not None:
        data = result["data"]
        text = summarize_order(data) if result["tool"] == "get_order_details" else to_model_text(data)
        return prompts.WITH_TOOL.format(data=scrub(text[:TOOL_DATA_CHARS]), question=question), []
    return question, []


def make_respond(deps: GraphDeps) -> Callable[[ConversationState], Awaitable[dict[str, Any]]]:
    """A node that streams the answer (tokens reach the channel through LangGraph's messages stream)."""

    async def respond(state: ConversationState) -> dict[str, Any]:
        written = outcome_text(state, deps.registry)
        if written is not None:
            return {"messages": [AIMessage(written)], "citations": []}
        task, citations = _task(state)
        messages, used = fit([SystemMessage(prompts.RESPOND)], recent_turns(state, deps.history_messages),
                             [HumanMessage(task)], deps.prompt_budget)
        answer = await deps.model.ainvoke(messages)
        tokens = {**state.get("prompt_tokens", {}), "respond": used}
        text = answer.text.strip()
        if plays_along(text, shown="\n".join(m.text for m in messages)):
            log.warning("respond: the answer went along with an injected instruction; replaced by a refusal")
            text, citations = prompts.REFUSE, []
        # Keep the streamed message's id, so LangGraph does not emit the reply a second time.
        return {"messages": [AIMessage(text, id=answer.id)], "citations": citations, "prompt_tokens": tokens}

    return respond
