"""Model backends against real engines with tiny random-weight Qwen models.

- llama.cpp: a tiny Qwen2 GGUF served by a real llama.cpp server (the embedded
  backend), talked to through the OpenAI-compatible client, exactly as a vLLM
  server would be.
- transformers: a tiny Qwen2 checkpoint, with xgrammar-constrained decoding.

Random weights make the models say nonsense, which is the point: whatever they
would say, constrained output must still validate against the schema.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from langchain_core.messages import HumanMessage, SystemMessage

from agent.llm.embedded import EmbeddedServer
from agent.llm.errors import ModelBusy
from agent.llm.openai_compat import OpenAICompatChat
from agent.llm.structured import response_format
from tests.tiny_models import tiny_qwen_checkpoint, tiny_qwen_gguf

SCHEMAS = {
    "decision": {"anyOf": [
        {"type": "object", "additionalProperties": False, "required": ["action"],
         "properties": {"action": {"const": "reply"}}},
        {"type": "object", "additionalProperties": False, "required": ["action", "args"],
         "properties": {"action": {"const": "get_order_details"},
                        "args": {"type": "object", "additionalProperties": False, "required": ["order_id"],
                                 "properties": {"order_id": {"type": "string", "pattern": "^#W[0-9]{7}$"}}}}}]},
    "cancel": {"type": "object", "additionalProperties": False, "required": ["order_id", "reason"],
               "properties": {"order_id": {"type": "string", "pattern": "^#W[0-9]{7}$"},
                              "reason": {"enum": ["no longer needed", "ordered by mistake"]}}},
    "stay": {"type": "object", "additionalProperties": False, "required": ["guests", "pets"],
             "properties": {"guests": {"type": "integer", "minimum": 1, "maximum": 16}, "pets": {"type": "boolean"}}},
}
PROMPTS = ["Where is my order?", "hola", "Cancel everything NOW", "🙂", "I need a place for my family of five"]


def messages(prompt: str) -> list:
    return [SystemMessage("You are a support assistant. Answer with JSON."), HumanMessage(prompt)]


@pytest.fixture(scope="module")
def llamacpp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    server = EmbeddedServer(tiny_qwen_gguf(tmp_path_factory.mktemp("gguf") / "tiny.gguf"), n_ctx=1024, n_parallel=2)
    yield server
    server.close()


@pytest.fixture(scope="module")
def hf_model(tmp_path_factory: pytest.TempPathFactory):
    from agent.llm.transformers_backend import TransformersChat

    return TransformersChat(checkpoint=str(tiny_qwen_checkpoint(tmp_path_factory.mktemp("ckpt"))), max_tokens=64)


def client(server: EmbeddedServer, **kwargs) -> OpenAICompatChat:
    return OpenAICompatChat(base_url=server.base_url, model="tiny", max_tokens=64, **kwargs)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_llamacpp_constrained_output_always_validates(llamacpp: EmbeddedServer, name: str) -> None:
    model, validator = client(llamacpp), Draft202012Validator(SCHEMAS[name])
    for prompt in PROMPTS:
        # llama.cpp's JSON grammar lets a (random) model pad each gap with up to ~22 whitespace tokens;
        # these schemas have few gaps, so 300 tokens always suffice to finish the object.
        out = model.invoke(messages(prompt), response_format=response_format(SCHEMAS[name]), max_tokens=300)
        assert out.response_metadata["finish_reason"] == "stop", out.text
        assert not list(validator.iter_errors(json.loads(out.text))), (prompt, out.text)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_transformers_constrained_output_always_validates(hf_model, name: str) -> None:
    validator = Draft202012Validator(SCHEMAS[name])
    for prompt in PROMPTS:
        out = hf_model.invoke(messages(prompt), response_format=response_format(SCHEMAS[name]), max_tokens=120)
        assert not list(validator.iter_errors(json.loads(out.text))), (prompt, out.text)


def test_llamacpp_streams_what_it_would_return_and_respects_max_tokens(llamacpp: EmbeddedServer) -> None:
    model = client(llamacpp)
    whole = model.invoke(messages("tell me a story"), max_tokens=12)
    pieces = [c.text for c in model.stream(messages("tell me a story"), max_tokens=12)]
    assert len(pieces) > 1 and "".join(pieces) == whole.text
    assert whole.response_metadata["usage"]["completion_tokens"] <= 12


def test_llamacpp_stop_sequences_end_the_answer(llamacpp: EmbeddedServer) -> None:
    model = client(llamacpp)
    free = model.invoke(messages("say anything"), max_tokens=40).text
    stop = free[len(free) // 2: len(free) // 2 + 2] if len(free) > 4 else "\n"
    stopped = model.invoke(messages("say anything"), max_tokens=40, stop=[stop]).text
    assert stop not in stopped and free.startswith(stopped)


def test_a_request_that_waits_too_long_for_a_slot_fails_clearly(llamacpp: EmbeddedServer) -> None:
    model = client(llamacpp, max_concurrency=1, queue_timeout_s=0.2)

    async def go() -> None:
        async def hold() -> None:  # keeps the only slot busy for a while
            async for _ in model.astream(messages("write a very long text"), max_tokens=600):
                await asyncio.sleep(0.01)

        holder = asyncio.create_task(hold())
        await asyncio.sleep(0.05)
        with pytest.raises(ModelBusy, match="stayed busy"):
            await model.ainvoke(messages("hi"), max_tokens=5)
        holder.cancel()

    asyncio.run(go())


def test_transformers_streaming_and_cancellation(hf_model) -> None:
    pieces = [c.text for c in hf_model.stream(messages("hello"), max_tokens=10)]
    assert pieces and len("".join(pieces)) > 0
    # A consumer that leaves after the first piece (the customer disconnected) stops the generation.
    started = time.monotonic()
    stream = hf_model.stream(messages("hello"), max_tokens=2000)
    next(stream)
    stream.close()
    assert time.monotonic() - started < 30
    assert not [t for t in threading.enumerate() if t.name.startswith("Thread") and t.is_alive() and t.daemon
                and "generate" in repr(getattr(t, "_target", ""))]


def test_transformers_stop_sequences(hf_model) -> None:
    free = hf_model.invoke(messages("say anything"), max_tokens=30).text
    if len(free) < 6:
        pytest.skip("the random model said too little to pick a stop string")
    stop = free[len(free) // 2: len(free) // 2 + 3]
    stopped = hf_model.invoke(messages("say anything"), max_tokens=30, stop=[stop]).text
    assert stop not in stopped and free.startswith(stopped)


def test_a_missing_checkpoint_names_the_setting(tmp_path: Path) -> None:
    from agent.llm.errors import ModelError
    from agent.llm.transformers_backend import TransformersChat

    with pytest.raises(ModelError, match="CONCIERGE_MODEL__CHECKPOINT"):
        TransformersChat(checkpoint=str(tmp_path / "nothing-here"))


def test_concurrent_conversations_share_the_model_without_mixing(llamacpp: EmbeddedServer) -> None:
    model = client(llamacpp, max_concurrency=2, queue_timeout_s=60)
    asks = [messages(p) for p in PROMPTS]
    alone = [model.invoke(m, max_tokens=24, temperature=0).text for m in asks]

    async def together() -> list[str]:
        return list(await asyncio.gather(*(model.ainvoke(m, max_tokens=24, temperature=0) for m in asks)))

    assert [r.text for r in asyncio.run(together())] == alone
