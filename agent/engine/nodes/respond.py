"""respond: write the customer-facing answer from what retrieve or act found, and cite it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from agent.engine import prompts
from agent.engine.deps import GraphDeps
from agent.engine.injection import plays_along, scrub
from agent.engine.language import name_of
from agent.engine.nodes._common import cache_key, last_customer_text, recent_turns
from agent.engine.phrases import phrase
from agent.engine.questions import is_yes_no
from agent.engine.state import Action, ConversationState, TurnContext
from agent.llm.budget import fit
from tools.api import Access, Risk
from tools.registry import Registry

log = logging.getLogger(__name__)
TOOL_DATA_CHARS = 1500  # a tool result longer than this is cut: prefill time is the scarce resource


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
    """The reply to an action's outcome, written in code in the customer's language; None when the model
    should write it (read results)."""
    english = _outcome(state, registry)
    if english is None:
        return None
    template, fields = english
    return phrase(template, state.get("language")).format(**fields)


def _outcome(state: ConversationState, registry: Registry) -> tuple[str, dict[str, str]] | None:
    """The English phrase of the outcome and its fields."""
    if state.get("decision", {}).get("action") == Action.CLARIFY:
        return prompts.CLARIFY, {}
    if state.get("help_center_down") and state.get("decision", {}).get("action") == Action.SEARCH:
        return prompts.HELP_CENTER_DOWN, {}
    result = state.get("tool_result")
    if result is None or state.get("decision", {}).get("action") == Action.SEARCH:
        return None
    if result.get("status") == "cancelled":
        return prompts.NOT_DONE, {}
    if result.get("status") == "needs_approval":
        return prompts.NEEDS_APPROVAL, {}
    if not result["ok"]:
        return prompts.FAILED, {"error": str(result["error"]).rstrip(".") + "."}
    tool = registry.get(result["tool"])
    if tool.access is Access.AUTH:  # identified (or, by email code, told to type the code sent)
        data = result["data"]
        # The tool's own words (e.g. "type the code we sent"), kept as the tool wrote them.
        return ("{data}", {"data": data}) if isinstance(data, str) and data != state.get("authenticated") \
            else (prompts.IDENTIFIED, {})
    if tool.risk is not Risk.READ:
        return prompts.DONE, {"what": tool.describe(state.get("decision", {}).get("args") or {}, result["data"])}
    return None


def _task(state: ConversationState, deps: GraphDeps) -> tuple[str, list[dict[str, str]]]:
    """The instruction for this turn and the citations it will carry."""
    task, citations = _instruction(state, deps)
    language = state.get("language")
    # Last, after the question: a small model heeds the instruction it read most recently.
    return (task + prompts.IN_LANGUAGE.format(language=name_of(language)) if language else task), citations


def _instruction(state: ConversationState, deps: GraphDeps) -> tuple[str, list[dict[str, str]]]:
    question = last_customer_text(state)
    decision = state.get("decision", {})
    if decision.get("action") == Action.SEARCH:
        hits = state.get("hits", [])
        if not hits:
            return prompts.NO_SOURCES.format(question=question), []
        sources = "\n\n".join(f"[{n}] {scrub(h['text'])}" for n, h in enumerate(hits, 1))
        closed = phrase(prompts.CLOSED, state.get("language")) if is_yes_no(question, state.get("language")) else ""
        return prompts.WITH_SOURCES.format(sources=sources, question=question, closed=closed), citations_for(hits)
    result = state.get("tool_result")
    if result is not None:
        text = deps.registry.get(result["tool"]).result_text(result["data"])
        return prompts.WITH_TOOL.format(data=scrub(text[:TOOL_DATA_CHARS]), question=question), []
    return question, []


def make_respond(deps: GraphDeps) -> Callable[[ConversationState, Runtime[TurnContext]], Awaitable[dict[str, Any]]]:
    """A node that streams the answer (tokens reach the channel through LangGraph's messages stream)."""

    async def respond(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
        written = outcome_text(state, deps.registry)
        if written is not None:
            return {"messages": [AIMessage(written)], "citations": []}
        task, citations = _task(state, deps)
        system = SystemMessage(deps.sites(runtime.context.site_key).answer_prompt())
        messages, used = fit([system], recent_turns(state, deps.history_messages), [HumanMessage(task)],
                             deps.prompt_budget)
        answer = await deps.model.ainvoke(messages)
        tokens = {**state.get("prompt_tokens", {}), "respond": used}
        text = answer.text.strip()
        if plays_along(text, shown="\n".join(m.text for m in messages)):
            log.warning("respond: the answer went along with an injected instruction; replaced by a refusal")
            text, citations = phrase(prompts.REFUSE, state.get("language")), []
        elif citations and deps.answers is not None and \
                (key := cache_key(state, runtime.context, state.get("language"))):
            deps.answers.put(key, text, citations)  # only answers the help center backs
        # Keep the streamed message's id, so LangGraph does not emit the reply a second time.
        return {"messages": [AIMessage(text, id=answer.id)], "citations": citations, "prompt_tokens": tokens}

    return respond
