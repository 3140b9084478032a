"""guard: stop what must not reach the model (too long, an injection attempt), and honour a request for a person."""

from __future__ import annotations

import re
from collections.abc import Callable

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from agent.engine import prompts
from agent.engine.deps import GraphDeps
from agent.engine.injection import looks_like_injection
from agent.engine.language import COMMON, detect
from agent.engine.nodes._common import cache_key, last_customer_text
from agent.engine.phrases import phrase
from agent.engine.small_talk import SmallTalk, small_talk
from agent.engine.state import Action, ConversationState, TurnContext

# Asking for a person is honoured in code, at once: no model call can talk the customer out of it.
ASKS_FOR_PERSON = re.compile(r"\b((talk|speak|chat)\s+(to|with)\s+(a|an|some|the)?\s*(human|person|agent|"
                             r"representative|someone|real person)|human\s+agent|real\s+person|"
                             r"hablar con (una )?persona|"
                             r"parler (à|a|avec) (une|un|quelqu'un)\s*(personne|humain|conseiller|agent)?|"
                             r"(mit )?(einem|einer) (menschen|mitarbeiter(in)?|person) sprechen)\b", re.I)
_SMALL_TALK_REPLY = {SmallTalk.GREETING: prompts.GREETING, SmallTalk.THANKS: prompts.THANKS,
                     SmallTalk.GOODBYE: prompts.GOODBYE}
_ANSWERED = {str(Action.BLOCKED), str(Action.CACHED), str(Action.SMALL_TALK)}  # guard's reply ends the turn


def make_guard(deps: GraphDeps) -> Callable[[ConversationState, Runtime[TurnContext]], ConversationState]:
    """A node that notes the customer's language and answers by itself (without the model) when the message
    cannot be processed, asks nothing (small talk) or was answered for another customer (the answer cache)."""

    def guard(state: ConversationState, runtime: Runtime[TurnContext]) -> ConversationState:
        text = last_customer_text(state)
        spoken = deps.sites(runtime.context.site_key).language_codes or COMMON
        language = detect(text, spoken, state.get("language"))
        chat = small_talk(text)
        if chat is not None and language is None and chat[1] in spoken:
            language = chat[1]  # "Hola" is too short to tell by its letters, not by the word
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
        elif chat is not None:  # asks nothing: answered in code, no model call
            update["decision"] = {"action": str(Action.SMALL_TALK)}
            update["messages"] = [AIMessage(phrase(_SMALL_TALK_REPLY[chat[0]], language))]
        elif (key := cache_key(state, runtime.context, language)) and deps.answers is not None and \
                (kept := deps.answers.get(key)) is not None:
            update["decision"] = {"action": str(Action.CACHED)}
            update["messages"] = [AIMessage(kept.text)]
            update["citations"] = kept.citations
        return update

    return guard


def route_after_guard(state: ConversationState) -> str:
    """End the turn when guard answered, hand off when a person was asked for, else decide."""
    action = state.get("decision", {"action": ""})["action"]
    return "handoff" if action == Action.HANDOFF else "end" if action in _ANSWERED else "decide"
