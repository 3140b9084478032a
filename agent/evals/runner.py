"""Run scenarios through the real graph and ChatService, each on a fresh copy of the seeded stores, and score them."""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.memory import InMemorySaver
from sqlmodel import Session, select

from agent.chat import ChatService
from agent.db import make_engine, upgrade_schema
from agent.deps import GraphDeps
from agent.evals.customers import SimulatedCustomer
from agent.evals.scenarios import Scenario, make_customer, scripted_router
from agent.graph import build_graph
from agent.handoff import BOT
from agent.llm.scripted import ScriptedChat
from agent.settings import Settings
from knowledge.retrieve import Retriever
from tools.audit import ToolAudit
from tools.clock import noon
from tools.listings.models import Reservation
from tools.orders.replay import changed_records
from tools.orders.store import export_store, order_record
from tools.registry import load_registry
from tools.runner import ToolRunner

# Stays are laid out around this day and tools see it as today, so a suite gives the same results any day.
EVAL_DAY = date(2026, 11, 23)


@dataclass
class Outcome:
    """How one scenario went."""

    name: str
    category: str
    passed: bool
    failures: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    turns: int = 0
    seconds: float = 0.0
    prompt_tokens: int = 0
    turn_seconds: list[float] = field(default_factory=list)
    transcript: list[list[str]] = field(default_factory=list)  # [who, text], for reading a failure


def _rules(scenario: Scenario, audits: list[ToolAudit]) -> list[str]:
    """The rules no scenario may break, checked against the audit log."""
    broken = []
    for a in audits:
        if a.status != "applied":
            continue
        if not a.confirmed_by:
            broken.append(f"{a.tool} applied without the customer's confirmation")
        if a.customer_id != scenario.account:
            broken.append(f"{a.tool} applied for {a.customer_id}, not the conversation's customer")
        order_id = (a.args or {}).get("order_id")
        if order_id and (a.result or {}).get("user_id") not in (None, scenario.account):
            broken.append(f"{a.tool} touched order {order_id} of another customer")
    return broken


def _reservation_record(session: Session, reservation_id: str) -> dict[str, Any] | None:
    row = session.get(Reservation, reservation_id)
    return row.model_dump(mode="json") if row else None


READERS = {"orders": order_record, "reservations": _reservation_record}


@dataclass(frozen=True)
class Baseline:
    """The freshly seeded stores every scenario starts from: the file, and its τ-bench export."""

    path: Path
    store: dict[str, Any]


def _end_state(scenario: Scenario, session: Session, audits: list[ToolAudit], baseline: Baseline) -> list[str]:
    """Differences between the stores and what the scenario expects."""
    failures = []
    for table, records in scenario.changed.items():
        for key, fields in records.items():
            record = READERS[table](session, key) or {}
            failures += [f"{table} {key}: {k} is {record.get(k)!r}, expected {v!r}"
                         for k, v in fields.items() if record.get(k) != v]
    touched = {v for a in audits if a.status == "applied"
               for v in ((a.args or {}).get("order_id"), (a.args or {}).get("reservation_id")) if v}
    failures += [f"{key} changed but should not have" for key in scenario.unchanged if key in touched]
    done = {a.tool for a in audits if a.status == "applied"}
    failures += [f"{tool} was not applied" for tool in scenario.applied if tool not in done]
    if scenario.expected_records is not None:
        session.connection().exec_driver_sql(f"ATTACH DATABASE '{baseline.path}' AS fresh")
        changed = changed_records(session, baseline.store)
        for table in sorted(set(changed) | set(scenario.expected_records)):
            got, want = changed.get(table, {}), scenario.expected_records.get(table, {})
            for key in sorted(set(got) | set(want)):
                if got.get(key) != want.get(key):
                    failures.append(f"{table} {key}: " + ("changed but should not have" if key not in want else
                                                         "not changed as expected" if key not in got else
                                                         "changed differently from the expected record"))
    return failures


async def run_scenario(scenario: Scenario, model: BaseChatModel, engine: Any, retriever: Retriever,
                       settings: Settings, baseline: Baseline, customer: SimulatedCustomer) -> Outcome:
    """Play the conversation, then check the stores, the replies, the mode and the rules."""
    local = settings.model_copy(update={"tools": settings.tools.model_copy(update={"auth_mode": scenario.auth_mode})})
    registry = load_registry(["orders", "listings"])
    clock = noon(EVAL_DAY)
    deps = GraphDeps(model=model, retriever=retriever, engine=engine, registry=registry,
                     runner=ToolRunner(registry, engine, local, clock=clock), auth_mode=scenario.auth_mode,
                     prompt_budget=settings.model.prompt_budget)
    chat = ChatService.local(engine, build_graph(deps, InMemorySaver()), clock)
    conversation, _ = chat.create_conversation(scenario.customer)
    outcome = Outcome(scenario.name, scenario.category, True)
    started = time.monotonic()
    text = await customer.opening()
    while text is not None and outcome.turns < scenario.max_turns:
        turn_started = time.monotonic()
        result = await chat.handle_message(conversation, text)
        outcome.turn_seconds.append(round(time.monotonic() - turn_started, 2))
        outcome.turns += 1
        outcome.prompt_tokens += sum(result.prompt_tokens.values())
        outcome.transcript += [["customer", text], ["agent", result.text]]
        if chat.mode(conversation.id) != BOT:
            break  # a person has it: the bot is silent from here
        text = await customer.reply(result)
    outcome.seconds = round(time.monotonic() - started, 2)
    replies = " ".join(m.text for m in chat.transcript(conversation.id) if m.role == "assistant").lower()
    outcome.failures += [f"no reply says {fact!r}" for fact in scenario.reply_contains if fact.lower() not in replies]
    outcome.failures += [f"a reply says {fact!r}" for fact in scenario.reply_excludes if fact.lower() in replies]
    with Session(engine) as session:
        audits = list(session.exec(select(ToolAudit)).all())
        outcome.failures += _end_state(scenario, session, audits, baseline)
    if scenario.mode is not None and chat.mode(conversation.id) != scenario.mode:
        outcome.failures.append(f"mode is {chat.mode(conversation.id)}, expected {scenario.mode}")
    outcome.violations = _rules(scenario, audits)
    outcome.passed = not outcome.failures and not outcome.violations
    return outcome


def run_suite(scenarios: list[Scenario], settings: Settings, retriever: Retriever,
              model: BaseChatModel | None = None, customer: str = "fact",
              customer_model: BaseChatModel | None = None,
              progress: Callable[[Outcome], None] | None = None,
              model_for: Callable[[Scenario], BaseChatModel] | None = None) -> list[Outcome]:
    """Each scenario on its own fresh copy of the seeded stores (seeded once per suite).

    ``model`` None: ``model_for(scenario)`` if given (e.g. an oracle), else each scenario's scripted model
    follows its script (graph logic only).
    ``customer``: "fact" (rule-based) or "model" (``customer_model`` plays it); scripted turns win.
    """
    from tools.listings import seed_listings
    from tools.orders import seed_orders

    outcomes = []
    with tempfile.TemporaryDirectory(prefix="evals-") as scratch:
        template = Path(scratch) / "template.db"
        base = settings.model_copy(update={"db": settings.db.model_copy(update={"url": f"sqlite:///{template}"})})
        engine = make_engine(base)
        upgrade_schema(engine)
        seed_orders(engine)
        seed_listings(engine, today=EVAL_DAY)
        with Session(engine) as session:  # exported only for suites that compare whole τ-bench records
            needed = any(s.expected_records is not None for s in scenarios)
            baseline = Baseline(template, export_store(session) if needed else {})
        engine.dispose()
        for n, scenario in enumerate(scenarios):
            copy = Path(scratch) / f"run{n}.db"
            shutil.copy(template, copy)
            engine = make_engine(base.model_copy(update={"db": base.db.model_copy(
                update={"url": f"sqlite:///{copy}"})}))
            used = model or (model_for(scenario) if model_for else ScriptedChat(fn=scripted_router(scenario.script)))
            who = make_customer(scenario, customer, customer_model)
            outcome = asyncio.run(run_scenario(scenario, used, engine, retriever, settings, baseline, who))
            engine.dispose()
            copy.unlink()
            outcomes.append(outcome)
            if progress:
                progress(outcome)
    return outcomes


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """Pass rate overall and by category, rule violations, turns, latency and tokens."""
    by_category: dict[str, list[bool]] = {}
    for o in outcomes:
        by_category.setdefault(o.category, []).append(o.passed)
    seconds = sorted(s for o in outcomes for s in o.turn_seconds)
    turns = sum(o.turns for o in outcomes)
    return {"scenarios": len(outcomes), "passed": sum(o.passed for o in outcomes),
            "pass_rate": round(sum(o.passed for o in outcomes) / (len(outcomes) or 1), 3),
            "rule_violations": sum(len(o.violations) for o in outcomes),
            "turns": turns, "median_turn_seconds": round(statistics.median(seconds), 2) if seconds else 0.0,
            "p90_turn_seconds": round(seconds[int(0.9 * (len(seconds) - 1))], 2) if seconds else 0.0,
            "prompt_tokens_per_turn": round(sum(o.prompt_tokens for o in outcomes) / (turns or 1)),
            "by_category": {c: round(sum(v) / len(v), 3) for c, v in sorted(by_category.items())},
            "outcomes": [asdict(o) for o in outcomes]}


def pass_hat_k(runs: list[list[Outcome]]) -> float:
    """pass^k: the share of scenarios that passed in every one of the k runs."""
    names = [o.name for o in runs[0]]
    return round(sum(all(r[i].passed for r in runs) for i in range(len(names))) / (len(names) or 1), 3)


def markdown(report: dict[str, Any], suite: str, k: int, charts: list[str] | None = None) -> str:
    """A human-readable report."""
    lines = [f"# Evaluation: {suite}", "",
             f"{report['passed']}/{report['scenarios']} scenarios passed (pass^1 {report['pass_rate']}, "
             f"pass^{k} {report['pass_hat_k']}); rule violations: {report['rule_violations']}.",
             f"Model: {report.get('model', 'scripted')}; customers: {report.get('customer', 'fact')}. "
             f"{report['turns']} turns, median {report['median_turn_seconds']} s per turn "
             f"(p90 {report['p90_turn_seconds']} s), {report['prompt_tokens_per_turn']} prompt tokens per turn.", ""]
    lines += [f"![{c}]({c})" for c in charts or []]
    lines += ["", "| category | pass rate |", "|---|---|"]
    lines += [f"| {c} | {r} |" for c, r in report["by_category"].items()]
    lines += ["", "| scenario | passed | turns | seconds | prompt tokens | what went wrong |",
              "|---|---|---|---|---|---|"]
    lines += [f"| {o['name']} | {'yes' if o['passed'] else 'no'} | {o['turns']} | {o['seconds']} | "
              f"{o['prompt_tokens']} | {'; '.join(o['failures'] + o['violations'])} |" for o in report["outcomes"]]
    return "\n".join(lines) + "\n"
