"""Model speed: our path against raw llama.cpp, on the same loaded model and the same prompts.

"Ours" is what a conversation uses: LangChain's interface, our OpenAI-compatible
client, HTTP and server-sent events to the embedded llama.cpp server. "Raw" calls
that same server object's ``handle_chat_completions`` in-process: no HTTP, no
framework. Each prompt is a ~600-token support prompt (store policy plus a
question) answered with exactly 128 new tokens (``ignore_eos``).
"""

from __future__ import annotations

import asyncio
import resource
import time
import uuid
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from statistics import median
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from agent.llm.budget import count_messages, count_tokens
from agent.llm.embedded import EmbeddedServer
from agent.llm.messages import to_openai_messages
from agent.llm.openai_compat import OpenAICompatChat
from agent.llm.prompt_cache import warm

NEW_TOKENS = 128
QUESTIONS = ["My order #W2611340 is still pending. Can I cancel it, and when do I get my money back?",
             "I want to exchange the T-shirt I received for a bigger size. How does that work?",
             "Can I pay for my pending order with my gift card instead of PayPal?",
             "The keyboard I ordered arrived yesterday but I changed my mind. Can I return it?"]


def policy_prompt(tokens: int = 560) -> str:
    """The built-in help center's store articles, cut to about ``tokens`` tokens (a policy-sized prefix)."""
    corpus = resources.files("knowledge") / "corpus" / "store"
    words = "\n\n".join(a.read_text() for a in sorted(corpus.iterdir(), key=lambda a: a.name)
                         if a.name.endswith(".md")).split()
    text = ""
    for n in range(len(words)):
        if count_tokens(" ".join(words[: n + 1])) > tokens:
            break
        text = " ".join(words[: n + 1])
    return "You are a customer support agent for an online store. Follow this policy.\n\n" + text


def prompts(unique: bool) -> list[list[BaseMessage]]:
    """One prompt per question; ``unique`` gives each a fresh prefix so nothing is cached (cold)."""
    system = policy_prompt()
    return [[SystemMessage((f"Session {uuid.uuid4().hex}.\n" if unique else "") + system), HumanMessage(q)]
            for q in QUESTIONS]


async def _stream_timed(model: BaseChatModel, messages: list[BaseMessage]) -> dict[str, float]:
    started, first, pieces = time.perf_counter(), None, 0
    async for chunk in model.astream(messages):
        if chunk.text:
            first = first or time.perf_counter()
            pieces += 1
    end = time.perf_counter()
    return {"ttft": (first or end) - started, "decode_s": end - (first or end), "pieces": pieces}


def bench_ours(server: EmbeddedServer) -> dict[str, float]:
    """TTFT cold and warm, prefill and decode speed as a conversation sees them."""
    model = OpenAICompatChat(base_url=server.base_url, model="bench", max_tokens=NEW_TOKENS,
                             extra_body={"ignore_eos": True})

    async def run() -> dict[str, float]:
        cold = [await _stream_timed(model, p) for p in prompts(unique=True)]
        shared = prompts(unique=False)
        await model.ainvoke(shared[0], max_tokens=1)  # the shared prefix is now cached
        warm_runs = [await _stream_timed(model, p) for p in shared[1:]]
        # How much of a warm prompt llama.cpp read from its cache (the reason warm TTFT is short).
        probe = await model.ainvoke(shared[1], max_tokens=1)
        cached = (probe.response_metadata.get("timings") or {}).get("cache_n", 0)
        tokens = count_messages(shared[1])
        decode = [(r["pieces"] - 1) / r["decode_s"] for r in cold + warm_runs if r["decode_s"] > 0]
        return {"prompt_tokens": tokens, "warm_cached_tokens": cached,
                "ttft_cold_s": median(r["ttft"] for r in cold),
                "ttft_warm_s": median(r["ttft"] for r in warm_runs),
                "prefill_tok_s": tokens / median(r["ttft"] for r in cold), "decode_tok_s": median(decode)}

    return asyncio.run(run())


def bench_raw(server: EmbeddedServer) -> dict[str, float]:
    """The same prompts through llama.cpp in-process, timed by llama.cpp itself."""
    runs = []
    for messages in prompts(unique=True):
        out = server._server.handle_chat_completions({
            "messages": to_openai_messages(messages), "max_tokens": NEW_TOKENS, "ignore_eos": True,
            "temperature": 0, "chat_template_kwargs": {"enable_thinking": False}})
        runs.append(out["timings"])
    return {"raw_decode_tok_s": median(t["predicted_per_second"] for t in runs),
            "raw_prefill_tok_s": median(t["prompt_per_second"] for t in runs)}


def bench_restart(gguf: Path, slot_dir: Path, n_ctx: int, make: Callable[..., EmbeddedServer]) -> dict[str, float]:
    """A new conversation's time to first token right after a restart: with restored slots, and without."""
    shared = prompts(unique=False)
    out = {}
    for label, restore in (("restart_ttft_restored_s", True), ("restart_ttft_cold_s", False)):
        server = make(gguf, n_ctx=n_ctx, n_parallel=2, slot_dir=slot_dir if restore else None)
        model = OpenAICompatChat(base_url=server.base_url, model="bench", max_tokens=NEW_TOKENS,
                                 extra_body={"ignore_eos": True})
        if restore:
            asyncio.run(warm(model, [shared[0]], server))
        out[label] = asyncio.run(_stream_timed(model, shared[1]))["ttft"]
        server.close()
    return out


def bench_model(gguf: Path, *, n_ctx: int = 4096, n_threads: int = 0, slot_dir: Path,
                on_progress: Callable[[str], None] = lambda _m: None) -> dict[str, Any]:
    """All figures for one GGUF, in one process."""
    server = EmbeddedServer(gguf, n_ctx=n_ctx, n_threads=n_threads, n_parallel=2)
    on_progress("our path: cold and warm prompts")
    ours = bench_ours(server)
    on_progress("raw llama.cpp")
    raw = bench_raw(server)
    server.close()
    on_progress("restarts, with and without saved slots")
    # Warm once so the restored run has slots to restore, then measure both restarts.
    first = EmbeddedServer(gguf, n_ctx=n_ctx, n_threads=n_threads, n_parallel=2, slot_dir=slot_dir)
    asyncio.run(warm(OpenAICompatChat(base_url=first.base_url, model="bench"), [prompts(unique=False)[0]], first))
    first.close()
    restart = bench_restart(gguf, slot_dir, n_ctx, lambda g, **kw: EmbeddedServer(g, n_threads=n_threads, **kw))
    report: dict[str, Any] = {"model": gguf.name, "new_tokens": NEW_TOKENS, **ours, **raw, **restart,
              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    report["decode_ratio"] = report["decode_tok_s"] / report["raw_decode_tok_s"]
    report["warm_over_cold"] = report["ttft_warm_s"] / report["ttft_cold_s"]
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in report.items()}


def bench_transformers(checkpoint: Path, questions: int = 2) -> dict[str, Any]:
    """The transformers backend on the same prompts (fewer of them: it is several times slower on a CPU)."""
    from agent.llm.transformers_backend import TransformersChat

    started = time.perf_counter()
    model = TransformersChat(checkpoint=str(checkpoint), max_tokens=NEW_TOKENS)
    load_s = time.perf_counter() - started

    async def run() -> list[dict[str, float]]:
        return [await _stream_timed(model, p) for p in prompts(unique=True)[:questions]]

    runs = asyncio.run(run())
    tokens = count_messages(prompts(unique=False)[0])
    return {"backend": "transformers", "checkpoint": checkpoint.name, "load_s": round(load_s, 1),
            "prompt_tokens": tokens, "ttft_cold_s": round(median(r["ttft"] for r in runs), 2),
            "prefill_tok_s": round(tokens / median(r["ttft"] for r in runs), 1),
            "decode_tok_s": round(median((r["pieces"] - 1) / r["decode_s"] for r in runs if r["decode_s"]), 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
