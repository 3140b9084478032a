"""`concierge bench turn`: where the time of one turn goes, on the configured model, warm.

Each run is a fresh conversation with one message of each kind: a help-center question (an anonymous
customer, from the labelled retrieval set), an order or stay look-up and a write's preview (signed-in
customers of the project suite, on a scratch copy of the seeded stores). Every question is asked once, so
neither llama.cpp's prompt cache nor the answer cache has seen it; then the help-center question is asked
again by another anonymous customer (kind "repeat"): what the answer cache gives a question customers keep
asking. The turn runs the path a widget message takes (the job, the graph with its SQLite checkpointer, the
stores, the event stream) in this process, after one unmeasured turn of each kind has warmed the model's
cached prefixes. The figures over every turn (``turn_p50_s``, ``turn_p90_s``) leave the repeats out: they
describe questions asked for the first time.

The time is split with LangChain's run collector (what LangGraph traces of nodes and model calls) and
llama.cpp's own timings of each call (prompt_ms: the tokens it prefilled; predicted_ms: decoding):
decide (the router's model calls), retrieval, prompt build (the rest of decide and respond: facts, history,
fitting the budget), respond prefill, decode, and everything else (the job, checkpoints, stores, events).
Framework overhead is the turn's time minus the time spent in model calls.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import median, quantiles
from typing import Any

import yaml
from langchain_core.language_models import BaseChatModel
from langchain_core.tracers.context import collect_runs
from langchain_core.tracers.schemas import Run
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from agent.app import build, open_retriever
from agent.evals.runner import EVAL_DAY
from agent.evals.scenarios import find_suite, load_suite
from agent.evals.stores import SeededStores
from agent.settings import Settings
from knowledge.retrieve import Retriever
from tools.api import Risk
from tools.clock import noon
from tools.registry import Registry, load_registry

KINDS = ("help", "repeat", "lookup", "write")
CALL_TIMINGS = ("prompt_n", "cache_n", "prompt_ms", "predicted_n", "predicted_ms")
PARTS = ("decide", "retrieval", "prompt_build", "respond_prefill", "decode", "other")
QUESTIONS = Path(__file__).resolve().parents[1] / "knowledge" / "evalset" / "questions.yaml"


@dataclass
class Sample:
    """One measured turn (seconds)."""

    kind: str
    ttft_s: float  # to the first words on the customer's event stream (a token, or a reply written in code)
    total_s: float  # to the reply being stored
    model_s: float  # in model calls
    prefilled: int  # prompt tokens the model computed (not reused from its cache)
    cached: int  # prompt tokens reused from its cache
    parts: dict[str, float] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)  # each model call: node, seconds, llama.cpp's timings


def _p(values: list[float], q: int) -> float:
    """The q-th percentile (inclusive method; the value itself for one sample)."""
    if len(values) == 1:
        return values[0]
    return quantiles(values, n=100, method="inclusive")[q - 1]


@dataclass
class TurnReport:
    """Per kind and over all turns: percentiles, the parts' medians, tokens and framework overhead."""

    model: str
    runs: int
    samples: list[Sample]

    def summary(self) -> dict[str, Any]:
        """The figures, JSON-ready; keys such as ``help_ttft_p50_s``, ``turn_p90_s``, ``overhead_ratio``."""
        out: dict[str, Any] = {"model": self.model, "runs": self.runs}
        for kind in KINDS:
            mine = [s for s in self.samples if s.kind == kind]
            if not mine:
                continue
            for name in ("ttft", "total"):
                values = [getattr(s, f"{name}_s") for s in mine]
                out[f"{kind}_{name}_p50_s"] = round(_p(values, 50), 3)
                out[f"{kind}_{name}_p90_s"] = round(_p(values, 90), 3)
            out[f"{kind}_parts_p50_s"] = {p: round(median(s.parts.get(p, 0.0) for s in mine), 3) for p in PARTS}
            out[f"{kind}_prefilled_tokens"] = round(sum(s.prefilled for s in mine) / len(mine))
            out[f"{kind}_cached_tokens"] = round(sum(s.cached for s in mine) / len(mine))
        fresh = [s for s in self.samples if s.kind != "repeat"]
        totals = [s.total_s for s in fresh]
        model = sum(s.model_s for s in fresh)
        out["turn_p50_s"], out["turn_p90_s"] = round(_p(totals, 50), 3), round(_p(totals, 90), 3)
        out["overhead_ratio"] = round((sum(totals) - model) / model, 3) if model else None
        return out

    def lines(self) -> list[str]:
        """The report as a person reads it."""
        s = self.summary()
        out = [f"{self.runs} run(s) of each kind on {self.model}, warm"]
        for kind in KINDS:
            if f"{kind}_total_p50_s" not in s:
                continue
            parts = ", ".join(f"{p.replace('_', ' ')} {v:.2f}" for p, v in s[f"{kind}_parts_p50_s"].items())
            out += [f"  {kind:<7} first words p50 {s[f'{kind}_ttft_p50_s']:.2f} s (p90 {s[f'{kind}_ttft_p90_s']:.2f}), "
                    f"whole turn p50 {s[f'{kind}_total_p50_s']:.2f} s (p90 {s[f'{kind}_total_p90_s']:.2f}); "
                    f"{s[f'{kind}_prefilled_tokens']} tokens prefilled, {s[f'{kind}_cached_tokens']} from cache",
                    f"          p50 parts (s): {parts}"]
        ratio = s["overhead_ratio"]
        out.append(f"  every new turn p50 {s['turn_p50_s']:.2f} s, p90 {s['turn_p90_s']:.2f} s; framework overhead "
                   + (f"{ratio:.1%} of model time" if ratio is not None else "n/a (no model calls)"))
        return out

    def as_json(self) -> str:
        """The summary and every sample, as one JSON object."""
        return json.dumps({**self.summary(), "samples": [asdict(s) for s in self.samples]})


def cases(registry: Registry, runs: int) -> dict[str, list[tuple[str | None, str]]]:
    """``runs`` + 1 distinct (customer, message) per kind; the first of each warms up.

    Help: answerable English questions of the labelled retrieval set. Look-ups and previews: the first
    requests of the project suite's signed-in scenarios, by whether what they lead to reads or writes.
    """
    labelled = yaml.safe_load(QUESTIONS.read_text())
    out: dict[str, list[tuple[str | None, str]]] = {
        "help": [(None, q) for q, articles, kind in labelled if articles and kind in ("plain", "paraphrase")],
        "lookup": [], "write": []}
    suite = find_suite("project")
    assert suite is not None  # shipped with the project
    for scenario in load_suite(suite):
        if scenario.customer is None or not scenario.requests:
            continue
        first = scenario.requests[0]
        if first.accept is None:
            out["lookup"].append((scenario.customer, first.say))
        elif first.accept["tool"] in registry and registry.get(first.accept["tool"]).risk is not Risk.READ:
            out["write"].append((scenario.customer, first.say))
    for kind, found in out.items():
        if len(found) < runs + 1:
            raise ValueError(f"at most {len(found) - 1} runs: there are {len(found)} distinct {kind} questions")
        out[kind] = found[:runs + 1]
    out["repeat"] = out["help"]  # asked right after, by another customer
    return out


def _walk(run: Run) -> Iterator[Run]:
    yield run
    for child in run.child_runs:
        yield from _walk(child)


def _seconds(run: Run) -> float:
    return (run.end_time - run.start_time).total_seconds() if run.end_time else 0.0


def _timings(run: Run) -> dict[str, Any]:
    """llama.cpp's timings of one model call (empty for a backend that sends none)."""
    for generation in (run.outputs or {}).get("generations", [[]])[0]:
        # The tracer keeps the message in LangChain's serialised form: its fields are under "kwargs".
        meta = generation.get("message", {}).get("kwargs", {}).get("response_metadata", {})
        if meta.get("timings"):
            return meta["timings"]
    return {}


def split(runs: list[Run], total_s: float, retrieval_s: float) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """The turn's parts and its model calls (node, seconds, and llama.cpp's token counts and timings).

    LangGraph traces the graph and the model calls (each tagged with its node), not the nodes themselves:
    prompt build is the graph's time outside model calls and retrieval (facts, prompts, checkpoints between
    nodes); other is the turn's time outside the graph (the job, the stores, the events).
    """
    graph_s, prefill_s = 0.0, 0.0
    model_s: dict[str | None, float] = {}
    calls: list[dict[str, Any]] = []
    for run in (r for root in runs for r in _walk(root)):
        if run.run_type == "chain" and run.parent_run_id is None:
            graph_s += _seconds(run)
        elif run.run_type == "llm":
            node = (run.extra or {}).get("metadata", {}).get("langgraph_node")
            seconds = _seconds(run)
            model_s[node] = model_s.get(node, 0.0) + seconds
            timings = _timings(run)
            calls.append({"node": node, "seconds": round(seconds, 3),
                          **{k: timings[k] for k in CALL_TIMINGS if k in timings}})
            if node == "respond":
                prefill_s += min(seconds, timings.get("prompt_ms", 0.0) / 1000)
    in_model = sum(model_s.values())
    parts = {"decide": model_s.get("decide", 0.0), "retrieval": retrieval_s,
             "prompt_build": max(0.0, graph_s - in_model - retrieval_s),
             "respond_prefill": prefill_s, "decode": model_s.get("respond", 0.0) - prefill_s,
             "other": max(0.0, total_s - max(graph_s, in_model + retrieval_s))}
    return parts, calls


class TimedRetriever(Retriever):
    """The help center's retriever, keeping the seconds its searches took (the bench reads and resets them)."""

    def __init__(self, inner: Retriever) -> None:
        super().__init__(inner.store, inner.embedder, top_k=inner.top_k, min_score=inner.min_score, mode=inner.mode)
        self.seconds = 0.0

    def search(self, *args: Any, **kwargs: Any) -> Any:
        """The retriever's search, timed."""
        return self._timed(super().search, *args, **kwargs)

    def search_in(self, *args: Any, **kwargs: Any) -> Any:
        """The retriever's search that prefers the customer's language (what the graph calls), timed."""
        return self._timed(super().search_in, *args, **kwargs)

    def _timed(self, search: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return search(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


async def _first_words(services: Any, conversation_id: str, started: float, seen: asyncio.Future[float]) -> None:
    async for event in services.chat.events.subscribe(conversation_id):
        if event is not None and (event.type == "token" or
                                  (event.type == "message" and event.data.get("role") == "assistant")):
            seen.set_result(time.perf_counter() - started)
            return


async def _turn(services: Any, retriever: TimedRetriever, kind: str, customer: str | None, text: str) -> Sample:
    chat, retriever.seconds = services.chat, 0.0
    conversation, _ = chat.create_conversation(customer)
    started = time.perf_counter()
    seen: asyncio.Future[float] = asyncio.get_running_loop().create_future()
    watcher = asyncio.create_task(_first_words(services, conversation.id, started, seen))
    try:
        with collect_runs() as collected:
            await chat.handle_message(conversation, text)
        total = time.perf_counter() - started
        # A reply written whole (no tokens) is there when it is stored: its event reaching the watcher a moment
        # later is delivery, not a later first word.
        ttft = min(await asyncio.wait_for(seen, timeout=5), total)
    finally:
        watcher.cancel()
    parts, calls = split(collected.traced_runs, total, retriever.seconds)
    return Sample(kind, round(ttft, 3), round(total, 3), round(sum(c["seconds"] for c in calls), 3),
                  sum(int(c.get("prompt_n", 0)) for c in calls), sum(int(c.get("cache_n", 0)) for c in calls),
                  {k: round(v, 3) for k, v in parts.items()}, calls)


async def _bench(settings: Settings, registry: Registry, chosen: dict[str, list[tuple[str | None, str]]],
                 on_progress: Callable[[str], None], model: BaseChatModel | None) -> list[Sample]:
    samples: list[Sample] = []
    with SeededStores(settings, registry, EVAL_DAY, snapshot=False) as stores, \
            stores.copy("bench") as (local, engine), tempfile.TemporaryDirectory(prefix="bench-turn-") as scratch:
        retriever = TimedRetriever(open_retriever(settings))
        try:
            async with AsyncSqliteSaver.from_conn_string(str(Path(scratch) / "checkpoints.sqlite")) as saver, \
                    build(local, engine=engine, retriever=retriever, registry=registry, clock=noon(EVAL_DAY),
                          checkpointer=saver, **({"model": model} if model is not None else {})) as services:
                rounds = len(chosen["help"])
                for n in range(rounds):
                    for kind in KINDS:
                        customer, text = chosen[kind][n]
                        on_progress(f"{'warming up' if n == 0 else f'run {n} of {rounds - 1}'}: {kind}…")
                        sample = await _turn(services, retriever, kind, customer, text)
                        if n:  # the first round warms the model's cached prefixes
                            samples.append(sample)
        finally:
            retriever.store.close()
    return samples


def run_turn_bench(settings: Settings, runs: int = 5, on_progress: Callable[[str], None] = lambda _s: None,
                   model: BaseChatModel | None = None) -> TurnReport:
    """Measure ``runs`` turns of each kind on the configured model, or on ``model`` (see the module's docstring)."""
    registry = load_registry(settings.tools.plugins)
    chosen = cases(registry, runs)
    samples = asyncio.run(_bench(settings, registry, chosen, on_progress, model))
    return TurnReport(settings.model.name if model is None else model.get_name(), runs, samples)
