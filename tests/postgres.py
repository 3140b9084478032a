"""A real Postgres server for the tests, from Debian's packages: initdb in a temporary folder, a free port.

initdb and postgres refuse to run as root, so as root they run as the ``postgres`` user the package
creates (``runuser``), in a folder that user owns. Each test gets a database copied from a template that
is migrated and seeded once (``CREATE DATABASE … TEMPLATE``, a file copy: milliseconds).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

from tests.conftest import free_port

INSTALL_HINT = "Postgres is not installed: run `make test` (it installs Debian's postgresql package)."


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or ([shutil.which(name)] if shutil.which(name)
                                                                        else [])
    if not found:
        raise RuntimeError(INSTALL_HINT)
    return found[-1]


class PostgresServer:
    """One server for the test session."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="concierge-pg-"))
        self.port = free_port()
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", *args] if self._as_root else list(args)
        # The server keeps the real clock under the date-shifted run (libfaketime's wrappers are not for it);
        # nothing in Concierge reads the database's clock.
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
        if done.returncode:
            raise RuntimeError(f"{' '.join(args)} failed: {done.stderr[-2000:]}")

    def start(self) -> PostgresServer:
        """initdb and start; returns self."""
        if self._as_root:
            shutil.chown(self.root, "postgres", "postgres")
        data = self.root / "data"
        self._run(_bin("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        self.restart()
        return self

    def stop(self) -> None:
        """Stop at once and remove the folder."""
        with contextlib.suppress(RuntimeError):
            self._run(_bin("pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def halt(self) -> None:
        """Stop it, keeping its data (the database goes away)."""
        self._run(_bin("pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        """Start (again) on its port: after :meth:`halt`, the database comes back."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
        self._run(_bin("pg_ctl"), "-D", str(self.root / "data"), "-o", options, "-l", str(self.root / "log"),
                  "-w", "start")

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of ``database``."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); its name."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name
