"""The airline plugin (examples/plugin-airline), pip-installed as a third party's would be.

It is installed into a folder of its own, not into the test environment: its tools share τ-bench's names
with the built-in plugins' (get_user_details, cancel_reservation…), so an airline deployment allows it
alone (``CONCIERGE_TOOLS__PLUGINS='["airline"]'``), and the rest of the suite must not discover it. Its
folder is on ``sys.path`` only while these tests run.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.db import make_engine, upgrade_schema
from agent.settings import Settings
from tests.conftest import ROOT, make_settings

PLUGIN = ROOT / "examples" / "plugin-airline"
TASKS = PLUGIN / "concierge_airline" / "data" / "tasks_dev.json"


@pytest.fixture(scope="session")
def airline_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin installed by pip (no dependencies fetched, built with this environment's setuptools)."""
    target = tmp_path_factory.mktemp("airline-site")
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", "install", "--no-deps",
                    "--no-build-isolation", "--target", str(target), str(PLUGIN)], check=True)
    return target


@pytest.fixture
def airline(airline_site: Path) -> Iterator[Path]:
    """The installed plugin discoverable for one test (its modules stay imported: tables are defined once)."""
    sys.path.insert(0, str(airline_site))
    yield airline_site
    sys.path.remove(str(airline_site))


@pytest.fixture(scope="session")
def airline_template(airline_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the airline's tables seeded, once per session."""
    folder = tmp_path_factory.mktemp("airline-seeded")
    sys.path.insert(0, str(airline_site))
    try:
        from concierge_airline.seed import seed_airline

        from tools.registry import load_registry

        engine = make_engine(make_settings(folder))
        upgrade_schema(engine, load_registry(["airline"]))
        seed_airline(engine)
        engine.dispose()
    finally:
        sys.path.remove(str(airline_site))
    return folder / "concierge.db"


def airline_settings(tmp_path: Path, template: Path, auth_mode: str = "tau") -> Settings:
    """Settings of an airline deployment on a fresh copy of the seeded data."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "concierge.db").write_bytes(template.read_bytes())
    settings = make_settings(data_dir)
    tools = settings.tools.model_copy(update={"plugins": ["airline"], "auth_mode": auth_mode})
    return settings.model_copy(update={"tools": tools})
