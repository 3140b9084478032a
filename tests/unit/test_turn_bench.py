"""`concierge bench turn`: each kind of turn measured through the real path, its time split into parts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.turn_bench import KINDS, PARTS, run_turn_bench
from tests.conftest import copy_help_center, decision, make_settings, scripted


def test_every_kind_is_timed_with_parts_that_add_up_to_the_turn(tmp_path: Path, help_center: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    copy_help_center(help_center, data)
    model = scripted(decision("search_help_center", query="shipping"), "Standard shipping takes 3 to 5 days.")
    report = run_turn_bench(make_settings(data), runs=2, model=model)
    assert sorted({s.kind for s in report.samples}) == sorted(KINDS) and len(report.samples) == 2 * len(KINDS)
    for sample in report.samples:
        assert 0 < sample.ttft_s <= sample.total_s
        assert set(sample.parts) == set(PARTS)
        assert abs(sum(sample.parts.values()) - sample.total_s) < 0.05 * sample.total_s + 0.01
        # The help-center question asked again by another customer is answered from the answer cache.
        expected = [] if sample.kind == "repeat" else ["decide", "respond"]
        assert [c["node"] for c in sample.calls] == expected and (sample.model_s > 0) == bool(expected)
        # The search the graph makes is the one timed (it once timed a method the graph no longer called).
        assert (sample.parts["retrieval"] > 0) == (sample.kind != "repeat")
    summary = json.loads(report.as_json())
    for key in ("help_ttft_p50_s", "help_total_p50_s", "repeat_total_p50_s", "turn_p50_s", "turn_p90_s",
                "overhead_ratio"):
        assert isinstance(summary[key], float), key
    assert len(summary["samples"]) == 8 and "framework overhead" in report.lines()[-1]


def test_too_many_runs_for_the_distinct_questions_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"at most \d+ runs: there are \d+ distinct"):
        run_turn_bench(make_settings(tmp_path), runs=1000)
