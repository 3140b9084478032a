"""A deterministic chat model for tests and demos without weights.

Replies come from a list (consumed in order) or from a function of the
messages and the call's keyword arguments (e.g. ``response_format``), so a test
can script the graph's decisions and answers exactly. Every call is recorded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, PrivateAttr

ScriptFn = Callable[[list[BaseMessage], dict[str, Any]], str]


class ScriptedChat(BaseChatModel):
    """Answers from ``replies`` (a list, used in order) or ``fn(messages, kwargs)``.

    With tools bound, a scripted reply is parsed for tool calls exactly like a real model's text.
    """

    replies: list[str] = Field(default_factory=list)
    fn: ScriptFn | None = None
    _calls: list[dict[str, Any]] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def calls(self) -> list[dict[str, Any]]:
        """Every call so far: ``{"messages": [...], "kwargs": {...}}``."""
        return self._calls

    def _next(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> str:
        self._calls.append({"messages": messages, "kwargs": kwargs})
        if self.fn is not None:
            return self.fn(messages, kwargs)
        if not self.replies:
            raise RuntimeError("ScriptedChat ran out of scripted replies")
        return self.replies.pop(0)

    @staticmethod
    def _pieces(text: str) -> list[str]:
        # Stream word by word, like a real model streams tokens.
        words = text.split(" ")
        return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self._next(messages, kwargs)))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for piece in self._pieces(self._next(messages, kwargs)):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk

    async def _astream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                       run_manager: AsyncCallbackManagerForLLMRun | None = None,
                       **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        for piece in self._pieces(self._next(messages, kwargs)):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                await run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
