"""A LangChain chat model for any OpenAI-compatible server.

One client for the embedded llama.cpp server and for vLLM, SGLang, Ollama or a
standalone llama.cpp server: the graph never knows which one answers. Per call
it accepts ``response_format`` (a JSON schema the server must constrain its
output to), ``stop`` and ``max_tokens``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, SecretStr

from agent.llm.errors import ModelError
from agent.llm.messages import to_openai_messages

_PASSTHROUGH = ("response_format", "max_tokens", "temperature", "seed")


class OpenAICompatChat(BaseChatModel):
    """Chat completions over HTTP against ``base_url`` (which ends in ``/v1``)."""

    base_url: str
    api_key: SecretStr | None = None
    model: str = "qwen"
    temperature: float = 0.0
    max_tokens: int = 320
    timeout_s: float = 300.0
    extra_body: dict[str, Any] = Field(default_factory=dict)

    @property
    def _llm_type(self) -> str:
        return "openai-compatible"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "model": self.model}

    def _headers(self) -> dict[str, str]:
        if self.api_key is None:
            return {}
        return {"Authorization": f"Bearer {self.api_key.get_secret_value()}"}

    def _payload(self, messages: list[BaseMessage], stop: list[str] | None, stream: bool,
                 **kwargs: Any) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": to_openai_messages(messages),
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "stream": stream,
            # llama.cpp: keep the KV cache of the prompt for the next turn (ignored elsewhere).
            "cache_prompt": True,
            **self.extra_body,
        }
        payload.update({k: kwargs[k] for k in _PASSTHROUGH if kwargs.get(k) is not None})
        if stop:
            payload["stop"] = stop
        return payload

    def _url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    def _fail(self, exc: Exception) -> ModelError:
        if isinstance(exc, httpx.TimeoutException):
            return ModelError(f"The model at {self.base_url} did not answer within {self.timeout_s:.0f} s.")
        if isinstance(exc, httpx.HTTPStatusError):
            return ModelError(f"The model at {self.base_url} answered HTTP {exc.response.status_code}: "
                              f"{exc.response.text[:300]}")
        return ModelError(f"Cannot reach the model at {self.base_url} ({exc.__class__.__name__}). "
                          "Is the model server running? Check CONCIERGE_MODEL__BASE_URL.")

    @staticmethod
    def _result(body: dict[str, Any]) -> ChatResult:
        choice = body["choices"][0]
        message = AIMessage(content=choice["message"].get("content") or "",
                            response_metadata={"finish_reason": choice.get("finish_reason"),
                                               "timings": body.get("timings"), "usage": body.get("usage")})
        return ChatResult(generations=[ChatGeneration(message=message)])

    @staticmethod
    def _chunk(line: str) -> ChatGenerationChunk | None:
        if not line.startswith("data: ") or line == "data: [DONE]":
            return None
        data = json.loads(line[6:])
        if "error" in data:
            raise ModelError(f"The model reported an error while streaming: {data['error']}")
        choices = data.get("choices") or []
        if not choices:
            return None
        text = choices[0].get("delta", {}).get("content") or ""
        finish = choices[0].get("finish_reason")
        if not text and not finish:
            return None
        meta = {"finish_reason": finish} if finish else {}
        return ChatGenerationChunk(message=AIMessageChunk(content=text, response_metadata=meta))

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        try:
            with httpx.Client(timeout=self.timeout_s, headers=self._headers()) as client:
                resp = client.post(self._url(), json=self._payload(messages, stop, False, **kwargs))
                resp.raise_for_status()
                return self._result(resp.json())
        except httpx.HTTPError as exc:
            raise self._fail(exc) from exc

    async def _agenerate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                         run_manager: AsyncCallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s, headers=self._headers()) as client:
                resp = await client.post(self._url(), json=self._payload(messages, stop, False, **kwargs))
                resp.raise_for_status()
                return self._result(resp.json())
        except httpx.HTTPError as exc:
            raise self._fail(exc) from exc

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        try:
            with httpx.Client(timeout=self.timeout_s, headers=self._headers()) as client, \
                    client.stream("POST", self._url(), json=self._payload(messages, stop, True, **kwargs)) as resp:
                resp.raise_for_status()
                for line in resp.iter_lines():
                    if chunk := self._chunk(line):
                        if run_manager:
                            run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                        yield chunk
        except httpx.HTTPError as exc:
            raise self._fail(exc) from exc

    async def _astream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                       run_manager: AsyncCallbackManagerForLLMRun | None = None,
                       **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        # Leaving this generator early (the customer disconnected, the task was
        # cancelled) closes the HTTP stream, and llama.cpp stops generating.
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s, headers=self._headers()) as client, \
                    client.stream("POST", self._url(), json=self._payload(messages, stop, True, **kwargs)) as resp:
                resp.raise_for_status()
                async for line in resp.aiter_lines():
                    if chunk := self._chunk(line):
                        if run_manager:
                            await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                        yield chunk
        except httpx.HTTPError as exc:
            raise self._fail(exc) from exc
