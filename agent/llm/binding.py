"""bind_tools for every backend, and turning a reply's text into LangChain tool calls."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from agent.llm.toolcalls import parse_tool_calls


class ToolBinding:
    """Mixin for BaseChatModel backends: ``bind_tools`` passes OpenAI-format tools as the ``tools`` kwarg."""

    def bind_tools(self, tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
                   *, tool_choice: str | None = None, **kwargs: Any) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools; each backend renders them (chat template or API) and parses the calls back."""
        formatted = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=formatted, **kwargs)  # type: ignore[attr-defined]


def with_tool_calls(message: AIMessage, tools: list[dict[str, Any]] | None) -> AIMessage:
    """``message`` with its free-form tool calls (tagged, bare or fenced JSON) parsed and validated."""
    if not tools or message.tool_calls:
        return message
    schemas = {t["function"]["name"]: t["function"].get("parameters", {}) for t in tools}
    parsed = parse_tool_calls(message.text, schemas)
    if not parsed.calls and not parsed.rejected:
        return message
    meta = {**message.response_metadata, "rejected_tool_calls": parsed.rejected}
    return AIMessage(content=parsed.text, tool_calls=[c.as_langchain() for c in parsed.calls],
                     response_metadata=meta, id=message.id)


def message_chunk(message: BaseMessage) -> ChatGenerationChunk:
    """A whole message as one streaming chunk, tool calls included (tool calls are not streamed)."""
    tool_calls = message.tool_calls if isinstance(message, AIMessage) else []
    calls = [tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=i)
             for i, c in enumerate(tool_calls)]
    return ChatGenerationChunk(message=AIMessageChunk(content=message.content, tool_call_chunks=calls,
                                                      response_metadata=message.response_metadata))
