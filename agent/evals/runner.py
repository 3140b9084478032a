"""Run scenarios through the real graph and ChatService, each on a fresh copy of the seeded stores, and score them."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.memory import InMemorySaver
from sqlmodel import Session, select

from agent.app import Services, build
from agent.conversations.handoff import BOT
from agent.evals.customers import SimulatedCustomer
from agent.evals.replies import in_language, says_no
from agent.evals.scenarios import Scenario, make_customer, scripted_router
from agent.evals.stores import SeededStores
from agent.llm.scripted import ScriptedChat
from agent.settings import Settings
from knowledge.retrieve import Retriever
from tools.audit import ToolAudit
from tools.clock import noon
from tools.registry import Registry, load_registry

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


def _rules(scenario: Scenario, audits: list[ToolAudit], registry: Registry) -> list[str]:
    """The rules no scenario may break, checked against the audit log (and the plugins' own rules)."""
    broken = []
    for a in audits:
        if a.status != "applied":
            continue
        if not a.confirmed_by:
            broken.append(f"{a.tool} applied without the customer's confirmation")
        if a.customer_id != scenario.account:
            broken.append(f"{a.tool} applied for {a.customer_id}, not the conversation's customer")
        for found in registry.hook.eval_violations(account=scenario.account, tool=a.tool, args=a.args or {},
                                                   result=a.result):
            broken += found or []
    return broken


def _end_state(scenario: Scenario, session: Session, audits: list[ToolAudit], stores: SeededStores,
               registry: Registry) -> list[str]:
    """Differences between the stores and what the scenario expects (records read through the plugins' hooks)."""
    failures = []
    for table, records in scenario.changed.items():
        for key, fields in records.items():
            record = registry.hook.eval_record(session=session, table=table, key=key) or {}
            failures += [f"{table} {key}: {k} is {record.get(k)!r}, expected {v!r}"
                         for k, v in fields.items() if record.get(k) != v]
    # The records a write named: its grounded arguments (an order id, a reservation code).
    touched = {str(value) for a in audits if a.status == "applied" and a.tool in registry
               for name, value in (a.args or {}).items() if value and name in registry.get(a.tool).grounded}
    failures += [f"{key} changed but should not have" for key in scenario.unchanged if key in touched]
    done = {a.tool for a in audits if a.status == "applied"}
    failures += [f"{tool} was not applied" for tool in scenario.applied if tool not in done]
    if scenario.expected_records is not None:
        changed = stores.changes(session)
        for table in sorted(set(changed) | set(scenario.expected_records)):
            got, want = changed.get(table, {}), scenario.expected_records.get(table, {})
            for key in sorted(set(got) | set(want)):
                if got.get(key) != want.get(key):
                    failures.append(f"{table} {key}: " + ("changed but should not have" if key not in want else
                                                         "not changed as expected" if key not in got else
                                                         "changed differently from the expected record"))
    return failures


async def run_scenario(scenario: Scenario, model: BaseChatModel, engine: Any, retriever: Retriever,
                       settings: Settings, stores: SeededStores, customer: SimulatedCustomer,
                       registry: Registry) -> Outcome:
    """Play the conversation, then check the stores, the replies, the mode and the rules."""
    local = settings.model_copy(update={"tools": settings.tools.model_copy(update={"auth_mode": scenario.auth_mode})})
    async with build(local, model=model, retriever=retriever, engine=engine, clock=noon(EVAL_DAY),
                     checkpointer=InMemorySaver(), registry=registry) as services:
        return await _play(scenario, services, stores, customer)


async def _play(scenario: Scenario, services: Services, stores: SeededStores, customer: SimulatedCustomer) -> Outcome:
    chat, registry, engine = services.chat, services.runner.registry, services.engine
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
    said = [m.text for m in chat.transcript(conversation.id) if m.role == "assistant"]
    replies = " ".join(said).lower()
    outcome.failures += [f"no reply says {fact!r}" for fact in scenario.reply_contains if fact.lower() not in replies]
    outcome.failures += [f"a reply says {fact!r}" for fact in scenario.reply_excludes if fact.lower() in replies]
    outcome.failures += _said(scenario, said)
    with Session(engine) as session:
        audits = list(session.exec(select(ToolAudit)).all())
        outcome.failures += _end_state(scenario, session, audits, stores, registry)
    if scenario.mode is not None and chat.mode(conversation.id) != scenario.mode:
        outcome.failures.append(f"mode is {chat.mode(conversation.id)}, expected {scenario.mode}")
    outcome.violations = _rules(scenario, audits, registry)
    outcome.passed = not outcome.failures and not outcome.violations
    return outcome


def _said(scenario: Scenario, said: list[str]) -> list[str]:
    """How the replies break the scenario's language and its expected no."""
    failures = []
    if scenario.language:
        failures += [f"a reply is not in {scenario.language}: {text[:60]!r}" for text in said
                     if not in_language(text, scenario.language)]
    if scenario.answer == "no" and not (said and says_no(said[0], scenario.language or "en")):
        failures.append(f"the answer does not say no: {said[0][:80] if said else ''!r}")
    return failures


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
    outcomes = []
    registry = load_registry(settings.tools.plugins)  # once: plugins keep no state between scenarios
    # Snapshots only for suites that compare whole records.
    needed = any(s.expected_records is not None for s in scenarios)
    with SeededStores(settings, registry, EVAL_DAY, snapshot=needed) as stores:
        for n, scenario in enumerate(scenarios):
            used = model or (model_for(scenario) if model_for else ScriptedChat(fn=scripted_router(scenario.script)))
            who = make_customer(scenario, customer, customer_model)
            with stores.copy(f"run{n}") as (on_copy, engine):
                outcome = asyncio.run(run_scenario(scenario, used, engine, retriever, on_copy, stores, who, registry))
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
