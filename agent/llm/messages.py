"""Convert LangChain messages to the OpenAI chat format."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

_ROLES: dict[type[BaseMessage], str] = {
    SystemMessage: "system", HumanMessage: "user", AIMessage: "assistant", ToolMessage: "tool",
}


def to_openai_messages(messages: list[BaseMessage]) -> list[dict[str, Any]]:
    """``[{"role": ..., "content": ...}]`` for the chat-completions API."""
    out = []
    for m in messages:
        role = next((r for t, r in _ROLES.items() if isinstance(m, t)), None)
        if role is None:
            raise TypeError(f"Unsupported message type {type(m).__name__}")
        out.append({"role": role, "content": m.text if hasattr(m, "text") else str(m.content)})
    return out
