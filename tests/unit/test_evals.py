"""The evaluation harness: the graph-logic suite passes with zero rule violations, and scoring can fail."""

from pathlib import Path

from agent.evals.runner import run_suite, summary
from agent.evals.scenarios import Scenario, load_suite
from tests.conftest import ROOT

SUITE = ROOT / "evals" / "suites" / "graph.yaml"


def test_the_graph_suite_passes_without_breaking_a_rule(settings, retriever) -> None:
    scenarios = load_suite(SUITE)
    report = summary(run_suite(scenarios, settings, retriever))
    failed = [(o["name"], o["failures"], o["violations"]) for o in report["outcomes"] if not o["passed"]]
    assert failed == [] and report["rule_violations"] == 0
    assert report["scenarios"] == len(scenarios) >= 8
    assert set(report["by_category"]) >= {"orders", "security", "handoff", "multi-turn"}


def test_a_wrong_expectation_fails_the_scenario(settings, retriever, tmp_path: Path) -> None:
    (good,) = [s for s in load_suite(SUITE) if s.name == "cancel-pending-order-declined"]
    wrong = Scenario(**{**good.__dict__, "changed": {"orders": {"#W9300146": {"status": "cancelled"}}},
                        "mode": "human", "reply_contains": ["a fact nobody said"]})
    (outcome,) = run_suite([wrong], settings, retriever)
    assert not outcome.passed and len(outcome.failures) == 3
