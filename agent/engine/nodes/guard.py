"""guard: stop what must not reach the model (too long, an injection attempt), and honour a request for a person."""

from __future__ import annotations

import re
from collections.abc import Callable

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from agent.engine import prompts
from agent.engine.deps import GraphDeps
from agent.engine.injection import looks_like_injection
from agent.engine.language import detect
from agent.engine.nodes._common import cache_key, last_customer_text
from agent.engine.phrases import phrase
from agent.engine.state import Action, ConversationState, TurnContext

# Asking for a person is honoured in code, at once: no model call can talk the customer out of it.
ASKS_FOR_PERSON = re.compile(r"\b((talk|speak|chat)\s+(to|with)\s+(a|an|some|the)?\s*(human|person|agent|"
                             r"representative|someone|real person)|human\s+agent|real\s+person|"
                             r"hablar con (una )?persona|"
                             r"parler (à|a|avec) (une|un|quelqu'un)\s*(personne|humain|conseiller|agent)?|"
                             r"(mit )?(einem|einer) (menschen|mitarbeiter(in)?|person) sprechen)\b", re.I)


def make_guard(deps: GraphDeps) -> Callable[[ConversationState, Runtime[TurnContext]], ConversationState]:
    """A node that notes the customer's language and answers by itself (without the model) when the message
    cannot be processed."""

    def guard(state: ConversationState, runtime: Runtime[TurnContext]) -> ConversationState:
        text = last_customer_text(state)
        language = detect(text, deps.sites(runtime.context.site_key).language_codes, state.get("language"))
        # Reset per-turn fields so nothing from the previous turn leaks into this one ("decide" is still to come).
        update: ConversationState = {"decision": {"action": ""}, "hits": [], "help_center_down": False,
                                     "tool_result": None, "citations": [], "prompt_tokens": {}, "handoff": None,
                                     "then_decide": False, "language": language}
        if not text.strip() or len(text) > deps.max_message_chars:
            update["decision"] = {"action": str(Action.BLOCKED)}
            update["messages"] = [AIMessage(phrase(prompts.BLOCKED, language).format(limit=deps.max_message_chars))]
        elif looks_like_injection(text):  # answered in code: the model never reads the instructions
            update["decision"] = {"action": str(Action.BLOCKED)}
            update["messages"] = [AIMessage(phrase(prompts.REFUSE, language))]
        elif ASKS_FOR_PERSON.search(text):
            update["decision"] = {"action": str(Action.HANDOFF)}
            update["handoff"] = {"reason": "customer_asked"}
        elif (key := cache_key(state, runtime.context, language)) and deps.answers is not None and \
                (kept := deps.answers.get(key)) is not None:
            update["decision"] = {"action": str(Action.CACHED)}
            update["messages"] = [AIMessage(kept.text)]
            update["citations"] = kept.citations
        return update

    return guard


def route_after_guard(state: ConversationState) -> str:
    """End the turn when guard blocked the message, hand off when a person was asked for, else decide."""
    action = state.get("decision", {"action": ""})["action"]
    return {str(Action.BLOCKED): "end", str(Action.CACHED): "end", str(Action.HANDOFF): "handoff"}.get(action,
                                                                                                    "decide")
