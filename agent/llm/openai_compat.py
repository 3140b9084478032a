"""A LangChain chat model for any OpenAI-compatible server.

One client for the embedded llama.cpp server and for vLLM, SGLang, Ollama or a
standalone llama.cpp server: the graph never knows which one answers. Per call
it accepts ``response_format`` (a JSON schema the server must constrain its
output to), ``stop`` and ``max_tokens``.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, PrivateAttr, SecretStr

from agent.llm.errors import ModelBusy, ModelError
from agent.llm.messages import to_openai_messages

# id_slot is llama.cpp's: pin a request to a slot (used when warming the prompt cache).
_PASSTHROUGH = ("response_format", "max_tokens", "temperature", "seed", "id_slot")


class OpenAICompatChat(BaseChatModel):
    """Chat completions over HTTP against ``base_url`` (which ends in ``/v1``).

    At most ``max_concurrency`` requests are in flight (one per llama.cpp slot);
    the rest wait in arrival order, and one that waits longer than
    ``queue_timeout_s`` fails with :class:`ModelBusy` instead of hanging.

    Every call streams, so that a server that accepts the request and then says nothing is noticed:
    no first token within ``ttft_timeout_s`` (or a pause as long between two) is a :class:`ModelError`.
    A refused connection or a 429/502/503/504 before the first token is retried ``retries`` times,
    with backoff; whatever still fails is a ModelError, which the turn answers with an apology and a person.
    """

    base_url: str
    api_key: SecretStr | None = None
    model: str = "qwen"
    temperature: float = 0.0
    max_tokens: int = 320
    timeout_s: float = 300.0
    ttft_timeout_s: float = 30.0
    retries: int = 2
    backoff_s: float = 0.5
    extra_body: dict[str, Any] = Field(default_factory=dict)
    # Qwen3 templates open a "thinking" block by default; a server then routes the answer to
    # reasoning_content and applies the JSON grammar only after it. Support answers must not think
    # at length on a CPU. Templates without the switch (Qwen2.5) ignore it; vLLM and llama.cpp honour it.
    chat_template_kwargs: dict[str, Any] = Field(default_factory=lambda: {"enable_thinking": False})
    max_concurrency: int = 2
    queue_timeout_s: float = 60.0
    # Per event loop (a semaphore and an async client belong to the loop that first used them).
    _gates: weakref.WeakKeyDictionary = PrivateAttr(default_factory=weakref.WeakKeyDictionary)
    _clients: weakref.WeakKeyDictionary = PrivateAttr(default_factory=weakref.WeakKeyDictionary)
    _sync_client: httpx.Client | None = PrivateAttr(default=None)

    def _aclient(self) -> httpx.AsyncClient:
        """The pooled client of the running loop. A client per call cost 48 ms of CPU (building its TLS
        context), twice a turn: most of what `concierge bench load` measured, and no connection reuse."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:  # no connection limit of its own: the slots (_enter) are the limit
            client = self._clients[loop] = httpx.AsyncClient(headers=self.headers(), limits=httpx.Limits(
                max_connections=None, max_keepalive_connections=max(self.max_concurrency, 20)))
        return client

    def _client(self) -> httpx.Client:
        """The pooled client for synchronous calls (thread-safe)."""
        if self._sync_client is None:
            self._sync_client = httpx.Client(headers=self.headers())
        return self._sync_client

    async def _enter(self) -> asyncio.Semaphore:
        """Wait for a free slot (fair: asyncio semaphores wake waiters in order)."""
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(self.max_concurrency)
        try:
            async with asyncio.timeout(self.queue_timeout_s):  # not wait_for: conversations/jobs.py says why
                await gate.acquire()
        except TimeoutError:
            raise ModelBusy(f"All {self.max_concurrency} model slots stayed busy for "
                            f"{self.queue_timeout_s:.0f} s.") from None
        return gate

    @property
    def _llm_type(self) -> str:
        return "openai-compatible"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "model": self.model}

    def headers(self) -> dict[str, str]:
        """The request headers (the API key, when one is set)."""
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
            # llama.cpp: report progress while it reads the prompt, so a long prompt on a slow CPU is not taken
            # for a hung server by the first-token limit (which is the longest silence allowed).
            "return_progress": True,
            "chat_template_kwargs": self.chat_template_kwargs,
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
            return ModelError(f"The model at {self.base_url} did not answer: nothing within "
                              f"{self.ttft_timeout_s:.0f} s (CONCIERGE_MODEL__TTFT_TIMEOUT_S).")
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
        choices = data.get("choices") or [{}]
        text = choices[0].get("delta", {}).get("content") or ""
        # The last chunks carry why it stopped and, from llama.cpp, the timings (cache_n: prompt tokens reused).
        meta = {k: v for k, v in (("finish_reason", choices[0].get("finish_reason")),
                                  ("timings", data.get("timings")), ("usage", data.get("usage"))) if v}
        if not text and not meta:
            return None
        return ChatGenerationChunk(message=AIMessageChunk(content=text, response_metadata=meta))

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        try:
            resp = self._client().post(self._url(), json=self._payload(messages, stop, False, **kwargs),
                                       timeout=self.timeout_s)
            resp.raise_for_status()
            return self._result(resp.json())
        except httpx.HTTPError as exc:
            raise self._fail(exc) from exc

    async def _agenerate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                         run_manager: AsyncCallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        # Streamed and put together here: only a stream shows that the server has started to answer.
        text, meta = [], {}
        async for chunk in self._chunks(self._payload(messages, stop, True, **kwargs)):
            text.append(chunk.text)
            meta.update(chunk.message.response_metadata)
        body = {"choices": [{"message": {"content": "".join(text)}, "finish_reason": meta.get("finish_reason")}],
                "timings": meta.get("timings"), "usage": meta.get("usage")}
        return self._result(body)

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        try:
            with self._client().stream("POST", self._url(), json=self._payload(messages, stop, True, **kwargs),
                                       timeout=self.timeout_s) as resp:
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
        async for chunk in self._chunks(self._payload(messages, stop, True, **kwargs)):
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _chunks(self, payload: dict[str, Any]) -> AsyncIterator[ChatGenerationChunk]:
        """The streamed answer to ``payload``: transient failures before the first token retried with backoff."""
        # read: the longest silence allowed, before the first token and between two.
        timeout = httpx.Timeout(self.timeout_s, connect=min(10.0, self.ttft_timeout_s), read=self.ttft_timeout_s)
        gate = await self._enter()
        try:
            for attempt in range(self.retries + 1):
                started = False
                try:
                    async with self._aclient().stream("POST", self._url(), json=payload, timeout=timeout) as resp:
                        resp.raise_for_status()
                        async for line in resp.aiter_lines():
                            if chunk := self._chunk(line):
                                started = True
                                yield chunk
                    return
                except httpx.HTTPError as exc:
                    if started or attempt == self.retries or not _transient(exc):
                        raise self._fail(exc) from exc
                await asyncio.sleep(self.backoff_s * 3**attempt)  # 0.5 s, then 1.5 s
        finally:
            gate.release()


def _transient(exc: httpx.HTTPError) -> bool:
    """A failure worth another try: the server is (re)starting or overloaded, not broken or hung."""
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code in (429, 502, 503, 504)
    return isinstance(exc, httpx.ConnectError | httpx.RemoteProtocolError)
