"""Two scenarios of the project suite end to end with the real Qwen model and a fact-driven customer.

CI runs these so the real path of the evaluation harness stays proven: a help-center question answered
with the fact it needs, and an order cancelled only after the customer confirmed the exact preview.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.evals.runner import run_suite, summary
from agent.evals.scenarios import load_suite
from agent.llm.factory import load_model
from tests.conftest import ROOT
from tests.integration.test_real_model import gguf, real_settings  # noqa: F401 - gguf is a fixture

pytestmark = pytest.mark.real_model
CHOSEN = ("cancel-a-pending-order", "shipping-time")  # in the suite's order


def test_two_project_scenarios_pass_with_the_real_model(settings, retriever, gguf: Path) -> None:  # noqa: F811
    scenarios = [s for s in load_suite(ROOT / "evals" / "suites" / "project.yaml") if s.name in CHOSEN]
    assert [s.name for s in scenarios] == list(CHOSEN)
    real = real_settings(settings, gguf)
    loaded = load_model(real)
    try:
        report = summary(run_suite(scenarios, real, retriever, model=loaded.chat))
    finally:
        loaded.close()
    failed = [(o["name"], o["failures"], o["transcript"]) for o in report["outcomes"] if not o["passed"]]
    assert failed == [] and report["rule_violations"] == 0
    assert all(o["turn_seconds"] for o in report["outcomes"])  # latency is measured per turn
