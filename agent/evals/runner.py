"""Run scenarios through the real graph and ChatService, each on a fresh copy of the seeded stores, and score them."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.memory import InMemorySaver
from sqlmodel import Session, select

from agent.chat import ChatService
from agent.db import create_tables, make_engine
from agent.deps import GraphDeps
from agent.evals.scenarios import Scenario, scripted_router
from agent.graph import build_graph
from agent.llm.scripted import ScriptedChat
from agent.settings import Settings
from knowledge.retrieve import Retriever
from tools.audit import ToolAudit
from tools.orders.store import order_record
from tools.registry import load_registry
from tools.runner import ToolRunner


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


def _rules(scenario: Scenario, audits: list[ToolAudit]) -> list[str]:
    """The rules no scenario may break, checked against the audit log."""
    broken = []
    for a in audits:
        if a.status != "applied":
            continue
        if not a.confirmed_by:
            broken.append(f"{a.tool} applied without the customer's confirmation")
        if a.customer_id != scenario.customer:
            broken.append(f"{a.tool} applied for {a.customer_id}, not the conversation's customer")
        order_id = (a.args or {}).get("order_id")
        if order_id and (a.result or {}).get("user_id") not in (None, scenario.customer):
            broken.append(f"{a.tool} touched order {order_id} of another customer")
    return broken


async def run_scenario(scenario: Scenario, model: BaseChatModel, engine: Any, retriever: Retriever) -> Outcome:
    """Play the scripted customer's turns, then check the stores, the replies, the mode and the rules."""
    registry = load_registry(["orders", "listings"])
    deps = GraphDeps(model=model, retriever=retriever, engine=engine, registry=registry,
                     runner=ToolRunner(registry, engine))
    chat = ChatService(engine, build_graph(deps, InMemorySaver()))
    conversation = chat.create_conversation(scenario.customer)
    started, tokens = time.monotonic(), 0
    for text in scenario.turns:
        result = await chat.handle_message(conversation, text)
        tokens += sum(result.prompt_tokens.values())
    outcome = Outcome(scenario.name, scenario.category, True, turns=len(scenario.turns),
                      seconds=round(time.monotonic() - started, 2), prompt_tokens=tokens)
    replies = " ".join(m.text for m in chat.transcript(conversation.id) if m.role == "assistant").lower()
    outcome.failures += [f"no reply says {fact!r}" for fact in scenario.reply_contains if fact.lower() not in replies]
    with Session(engine) as session:
        for order_id, fields in scenario.changed.get("orders", {}).items():
            record = order_record(session, order_id) or {}
            outcome.failures += [f"order {order_id}: {k} is {record.get(k)!r}, expected {v!r}"
                                 for k, v in fields.items() if record.get(k) != v]
        audits = list(session.exec(select(ToolAudit)).all())
    touched = {(a.args or {}).get("order_id") for a in audits if a.status == "applied"}
    outcome.failures += [f"order {o} changed but should not have" for o in scenario.unchanged if o in touched]
    if chat.mode(conversation.id) != scenario.mode:
        outcome.failures.append(f"mode is {chat.mode(conversation.id)}, expected {scenario.mode}")
    outcome.violations = _rules(scenario, audits)
    outcome.passed = not outcome.failures and not outcome.violations
    return outcome


def run_suite(scenarios: list[Scenario], settings: Settings, retriever: Retriever,
              model: BaseChatModel | None = None) -> list[Outcome]:
    """Each scenario on its own fresh copy of the seeded stores; the scripted model follows its script."""
    from tools.listings import seed_listings
    from tools.orders import seed_orders

    outcomes = []
    with tempfile.TemporaryDirectory(prefix="evals-") as scratch:
        template = Path(scratch) / "template.db"
        base = settings.model_copy(update={"db": settings.db.model_copy(update={"url": f"sqlite:///{template}"})})
        engine = make_engine(base)
        create_tables(engine)
        seed_orders(engine)
        seed_listings(engine)
        engine.dispose()
        for n, scenario in enumerate(scenarios):
            copy = Path(scratch) / f"run{n}.db"
            shutil.copy(template, copy)
            engine = make_engine(base.model_copy(update={"db": base.db.model_copy(
                update={"url": f"sqlite:///{copy}"})}))
            used = model or ScriptedChat(fn=scripted_router(scenario.script))
            outcomes.append(asyncio.run(run_scenario(scenario, used, engine, retriever)))
            engine.dispose()
    return outcomes


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """Pass rate overall and by category, rule violations, turns and time."""
    by_category: dict[str, list[bool]] = {}
    for o in outcomes:
        by_category.setdefault(o.category, []).append(o.passed)
    return {"scenarios": len(outcomes), "passed": sum(o.passed for o in outcomes),
            "pass_rate": round(sum(o.passed for o in outcomes) / (len(outcomes) or 1), 3),
            "rule_violations": sum(len(o.violations) for o in outcomes),
            "by_category": {c: round(sum(v) / len(v), 3) for c, v in sorted(by_category.items())},
            "outcomes": [asdict(o) for o in outcomes]}


def pass_hat_k(runs: list[list[Outcome]]) -> float:
    """pass^k: the share of scenarios that passed in every one of the k runs."""
    names = [o.name for o in runs[0]]
    return round(sum(all(r[i].passed for r in runs) for i in range(len(names))) / (len(names) or 1), 3)


def markdown(report: dict[str, Any], suite: str, k: int) -> str:
    """A human-readable report."""
    lines = [f"# Evaluation: {suite}", "",
             f"{report['passed']}/{report['scenarios']} scenarios passed (pass^1 {report['pass_rate']}, "
             f"pass^{k} {report['pass_hat_k']}); rule violations: {report['rule_violations']}.", "",
             "| category | pass rate |", "|---|---|"]
    lines += [f"| {c} | {r} |" for c, r in report["by_category"].items()]
    lines += ["", "| scenario | passed | turns | seconds | prompt tokens | what went wrong |",
              "|---|---|---|---|---|---|"]
    lines += [f"| {o['name']} | {'yes' if o['passed'] else 'no'} | {o['turns']} | {o['seconds']} | "
              f"{o['prompt_tokens']} | {'; '.join(o['failures'] + o['violations'])} |" for o in report["outcomes"]]
    return "\n".join(lines) + "\n"
