"""A third-party tool plugin, pip-installed: discovered, offered to the model, run under the runner's rules."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlmodel import Session, text

from agent.conversations.service import ChatService
from agent.db import upgrade_schema
from tests.conftest import ROOT, TODAY, decision, in_services, scripted
from tests.unit.test_cli import tables_after_seeding
from tools.orders.models import PaymentMethod
from tools.registry import load_registry
from tools.runner import Status, ToolRunner

PLUGIN = ROOT / "examples" / "plugin-store-credit"
CUSTOMER = "noah_brown_6181"  # has no gift card: the plugin creates one


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args], check=True)


@pytest.fixture(scope="module")
def installed() -> Iterator[None]:
    # --no-build-isolation/--no-deps: build with this environment's setuptools, fetch nothing.
    pip("install", "--no-deps", "--no-build-isolation", str(PLUGIN))
    yield
    pip("uninstall", "-y", "concierge-store-credit")


def test_the_plugin_is_discovered_and_its_tools_are_stamped(installed: None) -> None:
    registry = load_registry()
    assert registry.get("issue_goodwill_credit").plugin == "store-credit"
    assert registry.get("store_credit_balance").plugin == "store-credit"
    without = load_registry(["orders", "listings"])
    assert "issue_goodwill_credit" not in without


def test_seeding_a_fresh_data_dir_creates_the_plugins_tables(installed: None, tmp_path) -> None:
    assert "goodwill_credits" in tables_after_seeding(tmp_path / "fresh")


def test_its_read_tool_is_offered_to_the_model_and_runs(installed: None, settings, retriever, clock) -> None:
    model = scripted(decision("store_credit_balance"), "You have store credit.")

    async def go(chat: ChatService):
        conversation, _ = chat.create_conversation("james_li_5688")
        return await chat.handle_message(conversation, "How much store credit do I have?")

    in_services(settings, go, model=model, retriever=retriever, clock=clock)
    schema = model.calls[0]["kwargs"]["response_format"]["json_schema"]["schema"]
    assert "store_credit_balance" in {v["properties"]["action"]["const"] for v in schema["anyOf"]}
    answer_prompt = model.calls[-1]["messages"][-1].text
    assert '"gift_card_1725971":' in answer_prompt and '"total"' in answer_prompt


def test_its_write_tool_needs_confirmation_and_approval_over_20(installed: None, engine, settings, clock) -> None:
    registry = load_registry()
    upgrade_schema(engine)  # as `concierge serve` does at start: the plugin's ledger table too
    runner = ToolRunner(registry, engine, settings, clock=clock)
    args = {"amount": 30, "reason": "late delivery"}
    asked = runner.run("issue_goodwill_credit", args, customer_id=CUSTOMER, conversation_id="c1")
    assert asked.status is Status.CONFIRM
    # The plugin's preview, in words, with the card its dry run would credit.
    assert asked.message == f"Put $30.00 of store credit on gift card {asked.data['gift_card']} for the late delivery"
    waiting = runner.run("issue_goodwill_credit", args, customer_id=CUSTOMER, conversation_id="c1",
                         confirmed=asked.args_hash)
    assert waiting.status is Status.APPROVAL
    done = runner.run("issue_goodwill_credit", args, customer_id=CUSTOMER, conversation_id="c1",
                      confirmed=asked.args_hash, approved_by="slack:U7")
    assert done.ok and done.data["new_balance"] == 30.0
    with Session(engine) as session:
        assert session.get(PaymentMethod, done.data["gift_card"]).customer_id == CUSTOMER
        ledger = session.exec(text("SELECT customer_id, amount, granted_at FROM goodwill_credits")).all()
    assert [(c, a) for c, a, _ in ledger] == [(CUSTOMER, 30.0)] and ledger[0][2].startswith(TODAY)
    too_much = runner.run("issue_goodwill_credit", {"amount": 500, "reason": "late delivery"}, customer_id=CUSTOMER)
    assert too_much.status is Status.ERROR and "less than or equal to 50" in too_much.message
    anonymous = runner.run("issue_goodwill_credit", args, customer_id=None)
    assert anonymous.status is Status.ERROR
