"""The airline domain as an outside plugin: installed by pip, found through its entry point, and given
everything the built-in plugins get — its commands, tables, facts, policy, previews and eval suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import MetaData
from sqlmodel import Session, SQLModel

from agent.conversations.service import ChatService
from agent.db import make_engine, upgrade_schema
from agent.engine.decisions import decision_budget, decision_schema
from agent.engine.facts import gather
from agent.evals.runner import run_suite
from tests.airline.conftest import TASKS, airline_settings
from tests.conftest import customer_token, decision, in_services, make_app, make_settings, scripted
from tests.oracle import oracle
from tools.registry import load_registry
from tools.runner import ToolRunner


def concierge(site: Path, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "CONCIERGE_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "agent.cli", *args], env=env, capture_output=True, text=True,
                          timeout=600)


def test_replaying_the_25_tasks_reproduces_every_expected_end_state(airline_site: Path, tmp_path: Path) -> None:
    done = concierge(airline_site, tmp_path, "airline", "replay", str(TASKS), "--json")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    expected = {t["task_id"]: t["expected_changed_records"] for t in json.loads(TASKS.read_text())}
    assert len(lines) == 25 and all(set(line) == {"task_id", "changed", "errors"} for line in lines)
    assert [line["task_id"] for line in lines if line["changed"] != expected[line["task_id"]]] == []
    assert [line for line in lines if line["errors"]] == []
    assert "25/25 tasks reproduce expected_changed_records" in done.stderr


def test_concierge_plugins_lists_it_beside_the_built_in_ones(airline_site: Path, tmp_path: Path) -> None:
    # Its tools share τ-bench's names with the built-in plugins': each is still listed, none crashes the CLI.
    listed = concierge(airline_site, tmp_path, "plugins", "--json")
    assert listed.returncode == 0, listed.stderr
    plugins = json.loads(listed.stdout)
    assert {"airline", "orders", "listings"} <= set(plugins)
    assert {"book_reservation", "update_reservation_flights", "send_certificate", "search_onestop_flight",
            "identify_member"} <= set(plugins["airline"]["tools"]) and len(plugins["airline"]["tools"]) == 16
    assert {"gather_facts", "migrations", "register_commands", "eval_suites"} <= set(plugins["airline"]["hooks"])


def test_its_migrations_build_exactly_its_tables(airline: Path, tmp_path: Path) -> None:
    import concierge_airline.models  # noqa: F401

    engine = make_engine(make_settings(tmp_path))
    upgrade_schema(engine, load_registry(["airline"]))
    ours = MetaData()
    for table in SQLModel.metadata.sorted_tables:
        if table.name.startswith("airline_"):
            table.to_metadata(ours)
    with engine.connect() as conn:
        # Only the plugin's: the engine's own tables are not in ``ours``.
        differences = [d for d in compare_metadata(MigrationContext.configure(conn), ours) if "airline_" in repr(d)]
    engine.dispose()
    assert differences == []


def test_the_widget_greets_the_member_by_name(airline: Path, airline_template: Path, tmp_path: Path,
                                                retriever, clock) -> None:
    settings = airline_settings(tmp_path, airline_template, auth_mode="token")
    with TestClient(make_app(settings, retriever, scripted(decision("reply")), clock)) as http:
        created = http.post("/v1/conversations", json={"customer_token": customer_token("mia_li_3668", clock)})
    assert created.status_code == 201 and created.json()["customer_name"] == "Mia Li"


def test_the_router_reads_the_policy_for_the_reservation_in_focus(airline: Path, airline_template: Path,
                                                                   tmp_path: Path, clock) -> None:
    settings = airline_settings(tmp_path, airline_template)
    runner = ToolRunner(load_registry(["airline"]), make_engine(settings), settings, clock=clock)
    facts = gather(runner, "omar_rossi_1241", "Can I move reservation FQ8APE to a later flight?", "tau")
    text = facts.text()
    assert "Now: 2024-05-15 15:00 EST (the airline's clock)." in text
    assert "FQ8APE is basic economy: its flights cannot be changed, but its cabin can be upgraded" in text
    assert "HAT056 EWR→IAH on 2024-05-25 (available)" in text or "HAT056" in text
    assert "gold member" in text and "Gift cards total" in text
    assert facts.states("flight reservation") == {"active", "basic_economy"}
    unnamed = gather(runner, "omar_rossi_1241", "hello", "tau")
    assert "is basic economy" not in unnamed.text()  # several reservations, none named: no policy for one


def test_nested_arguments_reach_the_model_as_one_self_contained_schema(airline: Path) -> None:
    tools = list(load_registry(["airline"]))
    schema = json.dumps(decision_schema(tools))
    assert "$ref" not in schema and "$defs" not in schema
    assert decision_budget(tools) > decision_budget([t for t in tools if t.name == "cancel_reservation"])


def test_a_member_identifies_by_user_id_confirms_in_words_and_the_cancellation_is_applied(
        airline: Path, airline_template: Path, tmp_path: Path, retriever, clock) -> None:
    settings = airline_settings(tmp_path, airline_template)
    model = scripted(decision("cancel_reservation", reservation_id="8C8K4E", reason="change of plan"),
                     "Your reservation is cancelled.")

    async def go(chat: ChatService):
        conversation, _ = chat.create_conversation(None)
        asked = await chat.handle_message(conversation, "Hi, my user id is amelia_davis_8890. My plans changed, "
                                                        "please cancel my reservation 8C8K4E.")
        done = await chat.handle_message(conversation, "yes")
        return asked, done

    asked, done = in_services(settings, go, model=model, retriever=retriever, clock=clock)
    assert asked.confirm is not None and asked.confirm["tool"] == "cancel_reservation"
    assert "$5,680 back to your gift card gift_card_1647044" in asked.text
    from concierge_airline.store import reservation_record

    with Session(make_engine(settings)) as session:
        assert reservation_record(session, "8C8K4E")["status"] == "cancelled"
    assert done.text


# τ-bench's reference cancels these although the written policy forbids it (economy without insurance booked
# weeks ago; a trip already flown; an insured one for a reason insurance does not cover): here they wait for
# a supervisor's approval, so an agent that does exactly what the member asks cannot finish them alone.
BEYOND_POLICY = {"airline-dev-10", "airline-dev-26", "airline-dev-28", "airline-dev-34"}
# These expect a sum in a reply (balances, a total price); the oracle only repeats what it was given.
SUMS = {"airline-dev-2", "airline-dev-8", "airline-dev-44"}


def test_an_oracle_agent_passes_every_task_the_policy_allows(airline: Path, airline_template: Path,
                                                               tmp_path: Path, retriever) -> None:
    from concierge_airline.suite import airline_scenarios

    settings = airline_settings(tmp_path, airline_template)
    outcomes = run_suite(airline_scenarios(), settings, retriever, model_for=oracle)
    failed = {o.name: o.failures for o in outcomes if not o.passed}
    assert set(failed) == BEYOND_POLICY | SUMS, failed
    assert all(f.startswith("no reply says") for name in SUMS for f in failed[name])
    assert all(o.violations == [] for o in outcomes)


def test_the_model_cannot_invent_the_reason_that_insurance_refunds(airline: Path, airline_template: Path,
                                                                   tmp_path: Path, retriever, clock) -> None:
    # MSJ4OA: economy with travel insurance, booked 10 days before; insurance refunds health or weather only.
    # The facts the model reads mention those reasons, so only the customer's own words may give one.
    settings = airline_settings(tmp_path, airline_template)
    model = scripted(decision("cancel_reservation", reservation_id="MSJ4OA", reason="health"), "OK.")

    async def go(chat: ChatService, first: str):
        conversation, _ = chat.create_conversation(None)
        return await chat.handle_message(conversation, f"Hi, my user id is amelia_davis_8890. {first}")

    invented = in_services(settings, lambda chat: go(chat, "Please cancel my reservation MSJ4OA."), model=model,
                           retriever=retriever, clock=clock)
    assert invented.confirm is None  # the decision is refused, not offered for confirmation
    told = in_services(settings, lambda chat: go(chat, "I'm sick, please cancel my reservation MSJ4OA."),
                       model=model, retriever=retriever, clock=clock)
    assert told.confirm is not None and "because of health reasons" in told.text and "supervisor" not in told.text


def test_a_complaint_about_a_delay_puts_the_delayed_trip_and_its_gesture_in_focus(
        airline: Path, airline_template: Path, tmp_path: Path, clock) -> None:
    settings = airline_settings(tmp_path, airline_template)
    runner = ToolRunner(load_registry(["airline"]), make_engine(settings), settings, clock=clock)
    # Nine reservations, none named; HAT039 of M61CQM (3 passengers, silver member) is delayed today.
    text = gather(runner, "ethan_martin_2396", "My flight was delayed and I'm upset. I want compensation.",
                  "tau").text()
    assert "M61CQM's cancelled or delayed flight and asks for compensation: a travel certificate of $150" in text
    assert "GXWCPN:" not in text  # a trip without a delay stays out of focus
