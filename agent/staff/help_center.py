"""Update the help center while serving: `concierge ingest --server URL` asks the running server to ingest.

The embedded engine (Qdrant Edge) is open in the server process, so the server itself does the ingest, into the
collection it searches: customers keep getting answers meanwhile, and each changed chunk is searchable as soon
as it is written. The files are named as the server's machine sees them (the embedded engine lives there).
Behind the agent key; one ingest at a time; progress streams back as JSON lines.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import StreamingResponse
from pydantic import Field

from agent.app import Services, ingest_articles
from agent.channels.bodies import RequestBody
from agent.channels.web import ServicesDep
from agent.staff.agents import require_agent

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/agent/help-center", dependencies=[Depends(require_agent)])


class IngestRequest(RequestBody):
    """Files or folders of articles, as absolute paths on the server's machine."""

    paths: list[str] = Field(min_length=1, max_length=100)


def _checked(services: Services, raw: list[str]) -> list[Path]:
    q = services.settings.qdrant
    if q.read_only and not q.url:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            "This server serves a copy of the help center taken at start (several workers): run "
                            "`concierge ingest` on the data dir and restart them, or use a Qdrant server "
                            "(CONCIERGE_QDRANT__URL), which every worker searches live.")
    paths = [Path(p) for p in raw]
    if relative := [str(p) for p in paths if not p.is_absolute()]:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"Paths must be absolute (as the server's machine sees them): {', '.join(relative)}.")
    if missing := [str(p) for p in paths if not p.exists()]:
        raise HTTPException(status.HTTP_400_BAD_REQUEST,
                            f"No such file or folder on the server's machine: {', '.join(missing)}.")
    return paths


@router.post("/ingest")
async def ingest_through_server(body: IngestRequest, request: Request, services: ServicesDep) -> StreamingResponse:
    """Make the served collection hold exactly the articles under ``paths``; JSON lines ``{"done", "total"}``
    while embedding, then ``{"report": …}`` (or ``{"error": …}``)."""
    paths = _checked(services, body.paths)
    running: asyncio.Lock = request.app.state.ingest_lock
    if running.locked():  # refused, not queued: two ingests would race on the same chunks
        raise HTTPException(status.HTTP_409_CONFLICT, "An ingest is already running; try again when it is done.")
    await running.acquire()
    lines: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    # Started here and released when it ends, not when the stream does: a client that hangs up does not stop
    # the ingest, and no second one may start beside it.
    work = asyncio.create_task(asyncio.to_thread(_ingest, services, paths, _reporter(lines)))
    work.add_done_callback(lambda _: running.release())
    return StreamingResponse(_relay(lines, work), media_type="application/x-ndjson")


def _reporter(lines: asyncio.Queue[dict[str, Any]]) -> Callable[[int, int], None]:
    """Progress from the ingest's thread, put on the event loop's queue."""
    loop = asyncio.get_running_loop()

    def report(done: int, total: int) -> None:
        loop.call_soon_threadsafe(lines.put_nowait, {"done": done, "total": total})
    return report


def _ingest(services: Services, paths: list[Path], on_progress: Callable[[int, int], None]) -> dict[str, Any]:
    try:
        return {"report": asdict(ingest_articles(services.settings, services.retriever, paths, on_progress))}
    except (OSError, ValueError) as exc:
        return {"error": f"The ingest stopped: {exc}. The help center keeps what was written before it."}
    finally:
        services.answers.clear()  # kept answers cite and quote the articles as they were


async def _relay(lines: asyncio.Queue[dict[str, Any]], work: asyncio.Task[dict[str, Any]]) -> AsyncIterator[str]:
    while not work.done() or not lines.empty():
        line = asyncio.ensure_future(lines.get())
        done, _ = await asyncio.wait({line, work}, return_when=asyncio.FIRST_COMPLETED)
        if line in done:
            yield json.dumps(line.result()) + "\n"
        else:
            line.cancel()
    try:
        outcome = work.result()
    except Exception:  # the detail goes to the log, never to the client
        log.exception("the help-center ingest failed")
        outcome = {"error": "The ingest failed on our side (see the server's log). The help center keeps what was "
                            "written before it."}
    yield json.dumps(outcome) + "\n"
