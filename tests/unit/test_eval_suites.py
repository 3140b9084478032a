"""The shipped suites are sound: an oracle agent passes them, a careless one fails, and the rules hold."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from agent.engine.language import detect
from agent.evals.runner import run_suite, summary
from agent.evals.scenarios import load_suite
from agent.llm.scripted import ScriptedChat
from tests.conftest import ROOT
from tests.oracle import oracle
from tools.orders.tau_suite import tau_scenarios

PROJECT = ROOT / "evals" / "suites" / "project.yaml"
MULTILINGUAL = ROOT / "evals" / "suites" / "multilingual.yaml"


def run_with_oracle(scenarios, settings, retriever):
    return run_suite(scenarios, settings, retriever, model_for=oracle)


def test_the_project_suite_covers_both_domains_with_at_least_60_scenarios() -> None:
    scenarios = load_suite(PROJECT)
    assert len(scenarios) >= 60 and len({s.name for s in scenarios}) == len(scenarios)
    assert {s.category for s in scenarios} >= {"orders", "returns", "reservations", "help-center", "handoff",
                                               "security", "multilingual", "multi-turn"}


def test_an_oracle_agent_passes_every_project_scenario_and_the_attacks_are_stopped(settings, retriever) -> None:
    outcomes = run_with_oracle(load_suite(PROJECT), settings, retriever)
    failed = [(o.name, o.failures, o.violations) for o in outcomes if not o.passed]
    assert failed == []
    assert summary(outcomes)["rule_violations"] == 0


def test_an_oracle_agent_passes_the_tau_dev_tasks(settings, retriever) -> None:
    outcomes = run_with_oracle(tau_scenarios("tau-dev"), settings, retriever)
    assert [o.name for o in outcomes if not o.passed] == []


def test_the_multilingual_suite_asks_60_questions_in_four_languages_a_third_of_them_answered_no() -> None:
    scenarios = load_suite(MULTILINGUAL)
    assert len(scenarios) >= 60 and len({s.name for s in scenarios}) == len(scenarios)
    per_language = Counter(s.language for s in scenarios)
    assert set(per_language) == {"en", "es", "fr", "de"} and min(per_language.values()) >= 15
    policy_no = [s for s in scenarios if s.category.endswith("policy-no")]
    assert len(policy_no) >= len(scenarios) / 3 and all(s.answer == "no" for s in policy_no)
    # Each question is in the language its scenario expects the answer in.
    assert [s.name for s in scenarios if detect(s.requests[0].say) != s.language] == []


def test_the_help_center_answers_every_multilingual_question_in_the_customers_language(settings, retriever) -> None:
    # The oracle answers with the excerpts it was given, verbatim: every fact must be in them and they must be in
    # the customer's language. Only a model can read them and say no, so that check alone fails here.
    outcomes = run_with_oracle(load_suite(MULTILINGUAL), settings, retriever)
    wrong = [(o.name, f) for o in outcomes for f in o.failures + o.violations
             if not (o.name.split("-")[1] == "no" and f.startswith("the answer does not say no"))]
    assert wrong == []


def test_a_careless_agent_that_returns_the_wrong_item_fails_the_tau_task(settings, retriever) -> None:
    (task,) = [s for s in tau_scenarios("tau-dev") if s.name == "tau-dev-5"]
    right = task.requests[0].accept["args"]
    wrong = {**right, "item_ids": ["9385662952"]}  # the fleece jacket instead of the skateboard and the lamp

    def careless(messages, kwargs):
        if not kwargs.get("response_format"):
            return "OK."
        if "not identified" in " ".join(m.text for m in messages[:-1] if m.type == "system"):
            return json.dumps({"action": "find_user_id_by_name_zip",
                               "args": {"first_name": "Mohamed", "last_name": "Khan", "zip": "60651"}})
        return json.dumps({"action": "return_delivered_order_items", "args": wrong})

    (outcome,) = run_suite([task], settings, retriever, model=ScriptedChat(fn=careless))
    assert not outcome.passed and outcome.violations == []
    assert any("#W4887592" in f for f in outcome.failures)  # refused the wrong preview: nothing changed


def test_suites_are_found_from_any_folder_and_a_local_one_first(tmp_path, monkeypatch) -> None:
    from agent.evals.scenarios import find_suite, suite_names

    monkeypatch.chdir(tmp_path)  # not the repository root
    assert find_suite("graph") is not None and find_suite("graph").name == "graph.yaml"
    assert {"graph", "project"} <= set(suite_names())
    mine = tmp_path / "evals" / "suites" / "graph.yaml"
    mine.parent.mkdir(parents=True)
    mine.write_text("[]\n")
    assert find_suite("graph") == Path("evals") / "suites" / "graph.yaml"  # the company's own wins
    assert find_suite("no-such-suite") is None
