"""The transformers backend: a Hugging Face checkpoint directory, in-process (GPU when present).

Prompts are rendered with the tokenizer's own chat template.
Schema-constrained output uses xgrammar's logits processor: the structured-
generation engine vLLM and SGLang use, so a schema behaves the same here as on
a vLLM server; its grammar masks are computed in C++ per step, which keeps the
overhead small next to a CPU forward pass.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Generator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from agent.llm.errors import ModelError
from agent.llm.messages import to_openai_messages


class TransformersChat(BaseChatModel):
    """Generate with ``transformers`` from a local checkpoint directory."""

    checkpoint: str
    device: str | None = None  # default: cuda if available, else cpu
    temperature: float = 0.0
    max_tokens: int = 320
    timeout_s: float = 300.0
    _model: Any = PrivateAttr(default=None)
    _tokenizer: Any = PrivateAttr(default=None)
    _compiler: Any = PrivateAttr(default=None)
    _grammars: dict[str, Any] = PrivateAttr(default_factory=dict)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "transformers"

    def model_post_init(self, _context: Any) -> None:
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError:  # an extra: the default backend is llama.cpp
            raise ModelError("The transformers backend needs its extra: pip install torch==2.13.0 "
                             "'concierge[transformers]' (pin torch: an unpinned one pulls a multi-GB CUDA build)."
                             ) from None

        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(self.checkpoint)
            dtype = torch.bfloat16 if device == "cuda" else torch.float32
            self._model = AutoModelForCausalLM.from_pretrained(self.checkpoint, dtype=dtype).to(device).eval()  # type: ignore[arg-type]  # transformers types .to() as the PreTrainedModel one
        except OSError as exc:
            raise ModelError(f"Cannot load a transformers checkpoint from {self.checkpoint}: {exc}. "
                             "Set CONCIERGE_MODEL__CHECKPOINT to a folder with config.json, weights and "
                             "tokenizer files.") from exc

    def _grammar(self, schema: dict[str, Any]) -> Any:
        import xgrammar as xgr

        key = json.dumps(schema, sort_keys=True)
        if key not in self._grammars:
            if self._compiler is None:
                info = xgr.TokenizerInfo.from_huggingface(self._tokenizer, vocab_size=self._model.config.vocab_size)
                self._compiler = xgr.GrammarCompiler(info)
            # No free whitespace: a weak model could otherwise pad until max_tokens.
            self._grammars[key] = self._compiler.compile_json_schema(key, any_whitespace=False)
        return self._grammars[key]

    def _inputs(self, messages: list[BaseMessage]) -> Any:
        # enable_thinking=False: see OpenAICompatChat.chat_template_kwargs (ignored by Qwen2.5 templates).
        prompt = self._tokenizer.apply_chat_template(to_openai_messages(messages),
                                                     add_generation_prompt=True, tokenize=False,
                                                     enable_thinking=False)
        return self._tokenizer(prompt, return_tensors="pt").to(self._model.device)

    def _generation_kwargs(self, messages: list[BaseMessage], stop: list[str] | None, cancel: threading.Event,
                           **kwargs: Any) -> dict[str, Any]:
        from transformers import LogitsProcessorList, StoppingCriteria, StoppingCriteriaList

        tokenizer, started, deadline = self._tokenizer, time.monotonic(), self.timeout_s
        inputs = self._inputs(messages)
        prompt_len = inputs["input_ids"].shape[1]

        class Stop(StoppingCriteria):
            """Stop strings, the time limit, and cancellation (the customer left)."""

            def __call__(self, input_ids: Any, scores: Any, **_: Any) -> bool:
                if cancel.is_set() or time.monotonic() - started > deadline:
                    return True
                if stop:
                    tail = tokenizer.decode(input_ids[0, prompt_len:][-16:], skip_special_tokens=True)
                    return any(s in tail for s in stop)
                return False

        processors = LogitsProcessorList()
        fmt = kwargs.get("response_format")
        if fmt and fmt.get("type") == "json_schema":
            import xgrammar.contrib.hf as xgr_hf

            processors.append(xgr_hf.LogitsProcessor(self._grammar(fmt["json_schema"]["schema"])))
        temperature = kwargs.get("temperature", self.temperature)
        return {**inputs, "max_new_tokens": kwargs.get("max_tokens") or self.max_tokens,
                "do_sample": temperature > 0, **({"temperature": temperature} if temperature > 0 else {}),
                "logits_processor": processors, "stopping_criteria": StoppingCriteriaList([Stop()]),
                "pad_token_id": tokenizer.pad_token_id or tokenizer.eos_token_id}

    @staticmethod
    def _cut(text: str, stop: list[str] | None) -> str:
        for s in stop or []:
            text = text.split(s, 1)[0]
        return text

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        with self._lock:  # one generation at a time per loaded model
            gen = self._generation_kwargs(messages, stop, threading.Event(), **kwargs)
            prompt_len = gen["input_ids"].shape[1]
            output = self._model.generate(**gen)
        new = output[0, prompt_len:]
        text = self._cut(self._tokenizer.decode(new, skip_special_tokens=True), stop)
        usage = {"prompt_tokens": int(prompt_len), "completion_tokens": int(new.shape[0])}
        message = AIMessage(content=text, response_metadata={"usage": usage})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Generator[ChatGenerationChunk, None, None]:
        from transformers import TextIteratorStreamer

        cancel = threading.Event()
        with self._lock:
            gen = self._generation_kwargs(messages, stop, cancel, **kwargs)
            streamer = TextIteratorStreamer(self._tokenizer, skip_prompt=True, skip_special_tokens=True,
                                            timeout=self.timeout_s)
            worker = threading.Thread(target=self._model.generate, kwargs={**gen, "streamer": streamer}, daemon=True)
            worker.start()
            emitted = ""
            try:
                for piece in streamer:
                    # Hold back text that might be the start of a stop string.
                    candidate = self._cut(emitted + piece, stop)
                    if len(candidate) < len(emitted + piece):
                        piece = candidate[len(emitted):]
                        cancel.set()
                    emitted += piece
                    if piece:
                        chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
                        if run_manager:
                            run_manager.on_llm_new_token(piece, chunk=chunk)
                        yield chunk
                    if cancel.is_set():
                        break
            finally:
                cancel.set()  # a consumer that stops reading (disconnect) stops the generation too
                worker.join()

    async def _astream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                       run_manager: AsyncCallbackManagerForLLMRun | None = None,
                       **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        import asyncio

        chunks = self._stream(messages, stop, None, **kwargs)
        try:
            while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
                if run_manager:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
        finally:
            chunks.close()  # runs the generator's cleanup: cancel and join the worker
