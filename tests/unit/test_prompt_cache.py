"""The prompt cache: shared prefixes read at start-up, restored after a restart; prompts within budget."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from agent.llm.budget import count_messages, count_tokens, fit
from agent.llm.embedded import EmbeddedServer
from agent.llm.openai_compat import OpenAICompatChat
from agent.llm.prompt_cache import warm
from tests.tiny_models import tiny_qwen_gguf

SYSTEM = "You are the router of a support assistant. " + "Choose one of the tools listed below carefully. " * 40
PROMPTS = [[SystemMessage(SYSTEM), HumanMessage("Hello")], [SystemMessage("Answer briefly."), HumanMessage("Hello")]]


@pytest.fixture(scope="module")
def gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_qwen_gguf(tmp_path_factory.mktemp("gguf") / "tiny.gguf")


def cached_tokens(server: EmbeddedServer, question: str) -> int:
    model = OpenAICompatChat(base_url=server.base_url, model="tiny", max_tokens=2)
    answer = model.invoke([SystemMessage(SYSTEM), HumanMessage(question)])
    return answer.response_metadata["timings"]["cache_n"]


def test_warming_caches_the_prefix_and_a_restart_restores_it(gguf: Path, tmp_path: Path) -> None:
    slots = tmp_path / "slots"
    first = EmbeddedServer(gguf, n_ctx=1024, n_parallel=2, slot_dir=slots)
    model = OpenAICompatChat(base_url=first.base_url, model="tiny")
    report = asyncio.run(warm(model, PROMPTS, first))
    assert not report.restored and report.saved_slots and report.prompts == 2
    assert cached_tokens(first, "Where is my order?") > 100  # the first customer question reuses the prefix
    first.close()

    again = EmbeddedServer(gguf, n_ctx=1024, n_parallel=2, slot_dir=slots)  # a restart
    report = asyncio.run(warm(OpenAICompatChat(base_url=again.base_url, model="tiny"), PROMPTS, again))
    assert report.restored
    assert cached_tokens(again, "Where is my order?") > 100  # served from the restored slot
    again.close()


def test_changed_prompts_are_not_restored_from_old_slots(gguf: Path, tmp_path: Path) -> None:
    slots = tmp_path / "slots"
    server = EmbeddedServer(gguf, n_ctx=1024, n_parallel=2, slot_dir=slots)
    model = OpenAICompatChat(base_url=server.base_url, model="tiny")
    asyncio.run(warm(model, PROMPTS, server))
    changed = [[SystemMessage(SYSTEM + " New rule."), HumanMessage("Hello")]]
    assert not asyncio.run(warm(model, changed, server)).restored
    server.close()


def test_budgets_drop_the_oldest_turns_first() -> None:
    head, tail = [SystemMessage("You are helpful.")], [HumanMessage("And my order?")]
    history = [HumanMessage(f"Earlier question {i} " + "blah " * 50) for i in range(6)]
    whole = count_messages(head + history + tail)
    messages, used = fit(head, history, tail, budget=whole - 10)
    assert used <= whole - 10 and messages[0] is head[0] and messages[-1] is tail[0]
    assert messages[1] is history[1]  # the oldest turn went first
    assert fit(head, history, tail, budget=10)[0] == head + tail  # never drops the system prompt or the question


def test_tokens_are_counted_with_the_qwen_tokenizer() -> None:
    assert count_tokens("Hello world") == 2
    assert count_messages([AIMessage("Hi")]) == count_tokens("Hi") + 5 + 3
