"""`concierge serve` as a process of its own, started and stopped the way an operator's machine does it.

`concierge bench load` measures such processes from outside, and the durability tests kill and restart them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """One `concierge serve` on a loopback port, configured by ``env`` (on top of this process's environment)."""

    def __init__(self, data_dir: Path, env: dict[str, str], port: int | None = None,
                 args: tuple[str, ...] = ()) -> None:
        self.data_dir, self.port, self.args = data_dir, port or free_port(), args
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "CONCIERGE_DATA_DIR": str(data_dir), **env}
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir / f"server-{self.port}.log"

    def start(self, wait_s: float = 120) -> ServerProcess:
        """Start it and wait until it answers /healthz (its log says why, when it does not)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "agent.cli", "serve", "--host", "127.0.0.1",
                                             "--port", str(self.port), *self.args],
                                            env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not start in {wait_s:.0f} s:\n{self.tail()}")

    def rss_bytes(self) -> int:
        """Resident memory of the server and its worker processes together."""
        assert self.process is not None
        return sum(_rss(pid) for pid in _tree(self.process.pid))

    def kill(self) -> None:
        """kill -9: no shutdown, no cleanup, as when a machine dies."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """A clean SIGTERM, if it still runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines: int = 40) -> str:
        """The end of its log, for an error message."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _tree(root: int) -> list[int]:
    """``root`` and its descendants, from /proc (uvicorn's workers are children of the first process)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # The fields after the command's closing parenthesis: state, then the parent's pid.
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # it ended while we looked
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
