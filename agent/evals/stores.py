"""The plugins' stores seeded once in a scratch SQLite file, and a fresh copy of it for each run.

The evals (one copy per scenario) and the replays (one per task) both start every run from the same
seeded data and ask the plugins' ``eval_changes`` hook what the run changed; the seeded file is attached
as ``fresh`` for plugins that compare in SQL.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from agent.db import make_engine, upgrade_schema
from agent.settings import Settings
from tools.registry import Registry


def _merged(found: list[dict[str, Any] | None]) -> dict[str, Any]:
    return {table: records for part in found if part for table, records in part.items()}


class SeededStores:
    """A scratch folder with the seeded template; ``copy()`` gives each run its own copy of it."""

    def __init__(self, settings: Settings, registry: Registry, today: date, snapshot: bool = True) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="stores-")
        self.registry, self.template = registry, Path(self._scratch.name) / "template.db"
        self._settings = settings
        engine = make_engine(self.on(self.template))
        try:
            upgrade_schema(engine, registry)
            registry.hook.seed(engine=engine, today=today)
            # The records as the data files hold them, for the exact end states (only when asked: it is not cheap).
            with Session(engine) as session:
                self.fresh = _merged(registry.hook.eval_snapshot(session=session)) if snapshot else {}
        finally:
            engine.dispose()

    def on(self, path: Path) -> Settings:
        """The settings with their database in SQLite file ``path``."""
        return self._settings.model_copy(update={"db": self._settings.db.model_copy(update={"url": f"sqlite:///{path}"})})

    @contextmanager
    def copy(self, name: str) -> Iterator[tuple[Settings, Engine]]:
        """A fresh copy of the seeded stores for one run: its settings and engine (removed afterwards)."""
        path = Path(self._scratch.name) / f"{name}.db"
        shutil.copy(self.template, path)
        settings = self.on(path)
        engine = make_engine(settings)
        try:
            yield settings, engine
        finally:
            engine.dispose()
            path.unlink(missing_ok=True)

    def changes(self, session: Session) -> dict[str, Any]:
        """Per table, the records a run changed in ``session``'s copy (the plugins' ``eval_changes``)."""
        session.connection().exec_driver_sql(f"ATTACH DATABASE '{self.template}' AS fresh")
        return _merged(self.registry.hook.eval_changes(session=session, snapshot=self.fresh))

    def close(self) -> None:
        """Remove the scratch folder."""
        self._scratch.cleanup()

    def __enter__(self) -> SeededStores:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
