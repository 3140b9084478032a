"""`concierge ingest --server URL`: ask a running server to ingest, showing its progress as it streams back."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

from agent.cli.console import console, fail
from agent.settings import Settings
from knowledge.ingest import IngestReport

TIMEOUT = httpx.Timeout(30.0, read=600.0)  # between two progress lines: one batch's embedding on a busy server


def ingest_through(server: str, settings: Settings, paths: list[Path]) -> IngestReport:
    """The report of the ingest that the server at ``server`` ran on ``paths`` (as this machine names them)."""
    key = settings.web.agent_api_key
    if key is None:
        raise fail("set CONCIERGE_WEB__AGENT_API_KEY to the server's agent key to ingest through it")
    body = {"paths": [str(p.resolve()) for p in paths]}
    url = server.rstrip("/") + "/v1/agent/help-center/ingest"
    outcome: dict = {}
    try:
        with httpx.stream("POST", url, json=body, headers={"X-Agent-Key": key.get_secret_value()},
                          timeout=TIMEOUT) as response, \
                Progress(TextColumn("embedding chunks on the server"), BarColumn(), TaskProgressColumn(),
                         console=console) as progress:
            if response.status_code != 200:
                response.read()
                raise fail(f"the server refused the ingest ({response.status_code}): {_detail(response)}")
            task = progress.add_task("embed", total=None)
            for line in response.iter_lines():
                if not line.strip():
                    continue
                outcome = json.loads(line)
                if "done" in outcome:
                    progress.update(task, completed=outcome["done"], total=outcome["total"])
    except httpx.HTTPError as exc:
        raise fail(f"cannot reach the server at {server} ({exc.__class__.__name__}): is `concierge serve` "
                   "running there?") from None
    if "report" not in outcome:
        raise fail(outcome.get("error") or "the server ended the ingest without a report; see its log")
    return IngestReport(**outcome["report"])


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail"))
    except ValueError:
        return response.text[:200]
