"""Replaying τ-bench's reference actions through our tools reproduces its end states exactly."""

import json

import pytest
from typer.testing import CliRunner

from agent.cli import app
from tools.orders.replay import replay
from tools.orders.seed import load_tau_json, tau_data_dir


@pytest.mark.parametrize("split", ["dev", "train"])
def test_replay_reproduces_expected_changed_records(split: str, settings, clock) -> None:
    tasks = json.loads((tau_data_dir() / f"tasks_{split}.json").read_text())
    mismatched, rejected = [], []
    for task, result in zip(tasks, replay(tasks, settings, clock), strict=True):
        changed = {table: records for table, records in result["changed"].items() if records}
        if changed != task["expected_changed_records"]:
            mismatched.append((task["task_id"], result["errors"]))
        rejected += result["errors"]
    assert mismatched == [], f"{len(mismatched)} of {len(tasks)} tasks differ: {mismatched[:5]}"
    assert len(tasks) == {"dev": 20, "train": 500}[split]
    # Some reference actions break the policy themselves (a gift card too small for what it should pay);
    # τ-bench's tools reject them too, which is why the expected records show no change from them.
    assert all("gift card balance" in e for e in rejected), rejected


def test_the_replay_command_prints_one_json_line_per_task(tmp_path, monkeypatch) -> None:
    from agent.settings import get_settings

    monkeypatch.setenv("CONCIERGE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    tasks = json.loads((tau_data_dir() / "tasks_dev.json").read_text())[:3]
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps(tasks))
    result = CliRunner().invoke(app, ["orders", "replay", str(path), "--json"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [line["task_id"] for line in lines] == [t["task_id"] for t in tasks]
    # Each line in the shape of a task's expected_changed_records (tables without a change left out).
    assert [line["changed"] for line in lines] == [t["expected_changed_records"] for t in tasks]
    assert all(set(line) == {"task_id", "changed", "errors"} for line in lines)
    assert "3/3 tasks reproduce" in result.output


def test_export_writes_tau_benchs_three_files_unchanged(tmp_path, monkeypatch) -> None:
    from agent.settings import get_settings

    monkeypatch.setenv("CONCIERGE_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(app, ["seed"]).exit_code == 0
    result = runner.invoke(app, ["orders", "export", str(tmp_path / "out")])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    for name in ("users", "orders", "products"):
        assert json.loads((tmp_path / "out" / f"{name}.json").read_text()) == json.loads(
            (tau_data_dir() / f"{name}.json").read_text())


def test_a_task_that_identifies_its_customer_acts_as_the_customer_it_identified(settings, clock) -> None:
    # As in a conversation: whoever the identification action finds is who the later actions act for,
    # not the task's user_id (here deliberately someone else).
    task = json.loads((tau_data_dir() / "tasks_dev.json").read_text())[0]
    customer = task["user_id"]
    email = load_tau_json("users")[customer]["email"]
    identified = {**task, "user_id": "noah_brown_6181",
                  "actions": [{"name": "find_user_id_by_email", "kwargs": {"email": email}}, *task["actions"]]}
    (result,) = replay([identified], settings, clock)
    assert result["errors"] == []
    assert {t: r for t, r in result["changed"].items() if r} == task["expected_changed_records"]
