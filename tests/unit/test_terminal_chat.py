"""`concierge chat` as a person uses it: lines typed at the prompt, the replies the terminal prints."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent import app as composition
from agent.cli import app
from agent.llm.factory import LoadedModel
from agent.settings import get_settings
from tests.conftest import decision, scripted

CUSTOMER, ORDER = "aarav_anderson_8794", "#W9300146"  # a pending order of this customer
GREETING = "Hello! How can I help you today?"


def router(messages) -> str:
    text = messages[-1].text.lower()
    if "cancel" in text:
        return decision("cancel_pending_order", order_id=ORDER, reason="ordered by mistake")
    return decision("reply")


@pytest.fixture
def terminal(tmp_path: Path, seeded_db_template: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """`concierge chat` on a seeded data dir, with a scripted model instead of the configured one."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(seeded_db_template, data / "concierge.db")
    monkeypatch.setenv("CONCIERGE_DATA_DIR", str(data))
    monkeypatch.setenv("CONCIERGE_MODEL__BACKEND", "scripted")
    monkeypatch.setenv("CONCIERGE_LOG_LEVEL", "WARNING")
    monkeypatch.setattr(composition, "load_model", lambda _settings: LoadedModel(scripted(router, GREETING)))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_every_reply_prints_once_including_those_written_by_code(terminal: CliRunner) -> None:
    lines = ["hi there", f"please cancel {ORDER}, I ordered it by mistake", "yes", "I want to talk to a person"]
    result = terminal.invoke(app, ["chat", "--customer", CUSTOMER], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.count(GREETING) == 1  # streamed once, never reprinted by later turns
    assert out.count("Please confirm: Cancel order #W9300146") == 1  # the preview, written by code
    assert out.count("Done: Cancel order #W9300146") == 1
    assert out.count("passing you to a member of our support team") == 1
    assert "[waiting for a person from our team" in out
    # In the order the customer saw them.
    positions = [out.index(s) for s in (GREETING, "Please confirm:", "Done:", "support team")]
    assert positions == sorted(positions)


def test_once_prints_the_reply_and_exits(terminal: CliRunner) -> None:
    result = terminal.invoke(app, ["chat", "--customer", CUSTOMER, "--once", f"cancel {ORDER}"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("Please confirm: Cancel order #W9300146") == 1
