"""`concierge bench load`: many customers at once against real server processes, on loopback only.

The servers are `concierge serve` processes of their own (one, or ``--workers N`` on Postgres) on a
scratch data dir, answered by a model stand-in that replies at once (agent/llm/fake_server.py), so every
millisecond measured is the framework's: HTTP, the stores, the job queue, the graph, the event streams.
Each conversation is what the widget does: create it, open its event stream, post a question, and wait on
the stream for the reply: all at once by default, or arriving at ``rate`` a second (an open-loop load, the way to
find the rate a set-up sustains). Counts and time are bounded; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import quantiles

import httpx

from agent.engine.state import Action
from agent.llm.fake_server import FakeModelServer
from agent.server_process import ServerProcess

MAX_CONVERSATIONS = 1000
MAX_SECONDS = 600
WARM_UP = 10  # conversations before the baseline memory: imports and caches are loaded once, not leaked
PARALLEL = 64  # the stand-in answers any number at once: turns are limited by the framework alone
ANSWER = "Standard shipping takes 3 to 5 business days after the order is processed."
# No question mark: a question's decision schema has no chat reply, and the stand-in replies without reading it.
ASKED = "I would like to know how long shipping takes"


@dataclass
class LoadReport:
    """What one run measured (times in seconds, memory in MiB)."""

    conversations: int
    workers: int
    database: str
    rate_per_s: float | None = None  # arrivals a second; None: all at once
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    replies_per_s: float = 0.0
    p50_s: float = 0.0
    p99_s: float = 0.0
    rss_before_mib: float = 0.0
    rss_after_mib: float = 0.0
    rss_settled_mib: float = 0.0
    settle_s: float = 0.0

    def lines(self) -> list[str]:
        """The report as a person reads it."""
        grown = (self.rss_settled_mib / self.rss_before_mib - 1) * 100 if self.rss_before_mib else 0.0
        kinds = ", ".join(f"{k}: {n}" for k, n in sorted(self.error_kinds.items()))
        arriving = f"arriving at {self.rate_per_s:g} a second" if self.rate_per_s else "at once"
        return [f"{self.conversations} conversations {arriving}, {self.workers} worker(s) on {self.database}",
                f"  throughput  {self.replies_per_s:.1f} replies/s ({self.seconds:.1f} s in all)",
                f"  to reply    p50 {self.p50_s * 1000:.0f} ms, p99 {self.p99_s * 1000:.0f} ms",
                f"  errors      {self.errors}" + (f" ({kinds})" if kinds else ""),
                f"  RSS         {self.rss_before_mib:.0f} MiB before, {self.rss_after_mib:.0f} MiB after, "
                f"{self.rss_settled_mib:.0f} MiB {self.settle_s:.0f} s after ({grown:+.1f} %)"]

    def as_json(self) -> str:
        """The report as one JSON object."""
        return json.dumps(asdict(self))


def _decide(_messages: list[dict]) -> str:
    return json.dumps({"action": str(Action.REPLY)})


async def _one(http: httpx.AsyncClient, limit_s: float) -> float:
    """One customer: the seconds from posting the question to the reply arriving on the event stream."""
    created = (await http.post("/v1/conversations", json={})).raise_for_status().json()
    path, auth = f"/v1/conversations/{created['id']}", {"Authorization": f"Bearer {created['access_token']}"}
    async with asyncio.timeout(limit_s), http.stream("GET", f"{path}/events", headers=auth) as stream:
        stream.raise_for_status()
        started = time.perf_counter()
        (await http.post(f"{path}/messages", json={"text": ASKED},
                         headers=auth)).raise_for_status()
        kind = None
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                kind = line.partition(":")[2].strip()
            elif line.startswith("data:") and kind in ("message", "error"):
                data = json.loads(line.partition(":")[2])
                if kind == "error":
                    raise RuntimeError(f"the server sent an error event: {data}")
                if data.get("role") == "assistant":
                    return time.perf_counter() - started
        raise RuntimeError("the event stream ended before the reply")


async def _later(delay_s: float, customer: Awaitable[float]) -> float:
    await asyncio.sleep(delay_s)
    return await customer


async def _wave(url: str, n: int, limit_s: float,
                rate: float | None = None) -> tuple[list[float], dict[str, int], float]:
    """``n`` customers, at once or arriving at ``rate`` a second; their times to the reply, the errors by kind,
    the wall time."""
    # Idle connections are dropped before uvicorn's 5 s keep-alive runs out: else a request sent just as the
    # server closes one fails (RemoteProtocolError), a race of the client's making, not a server error.
    limits = httpx.Limits(max_connections=2 * n + 10, max_keepalive_connections=2 * n + 10, keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=limit_s) as http:
        started = time.perf_counter()
        outcomes = await asyncio.gather(*(_later(i / rate if rate else 0.0, _one(http, limit_s)) for i in range(n)),
                                        return_exceptions=True)
        wall = time.perf_counter() - started
    times = [o for o in outcomes if isinstance(o, float)]
    errors: dict[str, int] = {}
    for o in outcomes:
        if isinstance(o, BaseException):
            kind = (f"HTTP {o.response.status_code}" if isinstance(o, httpx.HTTPStatusError)
                    else "timeout" if isinstance(o, TimeoutError) else o.__class__.__name__)
            errors[kind] = errors.get(kind, 0) + 1
    return times, errors, wall


def run_load(conversations: int, workers: int = 1, db_url: str | None = None, limit_s: float = 120,
             settle_s: float = 60, rate: float | None = None,
             on_progress: Callable[[str], None] = lambda _s: None) -> LoadReport:
    """Serve on a scratch data dir, run ``conversations`` customers (at once, or ``rate`` a second), measure,
    and clean up.

    ``db_url`` (a scratch Postgres database) is needed for more than one worker, as for `concierge serve`.
    """
    if not 1 <= conversations <= MAX_CONVERSATIONS or not 0 < limit_s <= MAX_SECONDS:
        raise ValueError(f"at most {MAX_CONVERSATIONS} conversations and {MAX_SECONDS} s")
    if workers > 1 and not (db_url or "").startswith("postgresql"):
        raise ValueError("several workers share one Postgres: pass --db-url postgresql+psycopg://… "
                         "(a scratch database; SQLite serves one process)")
    report = LoadReport(conversations, workers, "Postgres" if db_url else "SQLite", rate, settle_s=settle_s)
    data_dir = Path(tempfile.mkdtemp(prefix="concierge-load-"))
    many = str(2 * conversations + 100)
    env = {"CONCIERGE_MODEL__WARM_UP": "false", "CONCIERGE_MODEL__BACKEND": "openai",
           "CONCIERGE_MODEL__N_PARALLEL": str(PARALLEL),
           "CONCIERGE_WEB__IDENTITY_SECRETS": json.dumps([secrets.token_hex(32)]),
           # One client address plays every customer: the per-address limits are lifted for it.
           "CONCIERGE_WEB__REQUESTS_PER_MINUTE_PER_IP": str(100 * conversations + 1000),
           "CONCIERGE_WEB__MESSAGES_PER_MINUTE": many, "CONCIERGE_LOG_LEVEL": "WARNING",
           # Every customer asks the same: measure whole turns, never answers given again from the cache.
           "CONCIERGE_KNOWLEDGE__ANSWER_CACHE_S": "0",
           **({"CONCIERGE_DB__URL": db_url} if db_url else {})}
    try:
        with FakeModelServer(decide=_decide, answer=lambda _m: ANSWER) as model:
            env["CONCIERGE_MODEL__BASE_URL"] = model.url
            on_progress(f"starting {workers} server process(es)…")
            with ServerProcess(data_dir, env, args=("--workers", str(workers))) as server:
                on_progress("warming up…")
                asyncio.run(_wave(server.url, WARM_UP, limit_s))
                report.rss_before_mib = server.rss_bytes() / 2**20
                on_progress(f"{conversations} conversations…")
                times, report.error_kinds, report.seconds = asyncio.run(_wave(server.url, conversations, limit_s, rate))
                report.rss_after_mib = server.rss_bytes() / 2**20
                on_progress(f"waiting {settle_s:.0f} s for memory to settle…")
                time.sleep(settle_s)
                report.rss_settled_mib = server.rss_bytes() / 2**20
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    report.errors = sum(report.error_kinds.values())
    report.replies_per_s = len(times) / report.seconds if report.seconds else 0.0
    if times:
        cuts = quantiles(times, n=100, method="inclusive") if len(times) > 1 else [times[0]] * 99
        report.p50_s, report.p99_s = cuts[49], cuts[98]
    return report


def run_restart(word_delay_s: float = 0.3, on_progress: Callable[[str], None] = lambda _s: None) -> dict[str, float]:
    """kill -9 a server while it streams an answer, start it again on the same data dir, and time the way back.

    Returns the seconds from the new start to ``/healthz`` answering (``started_s``) and to the resumed
    turn's reply arriving on the customer's stream, resumed with its old ``Last-Event-ID`` (``answered_s``).
    """
    data_dir = Path(tempfile.mkdtemp(prefix="concierge-restart-"))
    env = {"CONCIERGE_MODEL__WARM_UP": "false", "CONCIERGE_MODEL__BACKEND": "openai",
           "CONCIERGE_WEB__IDENTITY_SECRETS": json.dumps([secrets.token_hex(32)]), "CONCIERGE_LOG_LEVEL": "WARNING"}
    try:
        with FakeModelServer(decide=_decide, answer=lambda _m: ANSWER, word_delay_s=word_delay_s) as model:
            env["CONCIERGE_MODEL__BASE_URL"] = model.url
            first = ServerProcess(data_dir, env).start()
            on_progress("asking, then killing the server mid-answer…")
            with httpx.Client(base_url=first.url, timeout=60) as http:
                created = http.post("/v1/conversations", json={}).raise_for_status().json()
                path = f"/v1/conversations/{created['id']}"
                auth = {"Authorization": f"Bearer {created['access_token']}"}
                with http.stream("GET", f"{path}/events", headers=auth) as stream:
                    http.post(f"{path}/messages", json={"text": ASKED},
                              headers=auth).raise_for_status()
                    last_id = _read_until(stream, "token")
            first.kill()
            model.word_delay_s = 0.0
            on_progress("starting it again…")
            started = time.perf_counter()
            again = ServerProcess(data_dir, env, port=first.port).start()
            up = time.perf_counter() - started
            try:
                with httpx.Client(base_url=again.url, timeout=60) as http, \
                        http.stream("GET", f"{path}/events", headers={**auth, "Last-Event-ID": last_id}) as stream:
                    _read_until(stream, "message")
                answered = time.perf_counter() - started
            finally:
                again.stop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return {"started_s": round(up, 2), "answered_s": round(answered, 2)}


def _read_until(stream: httpx.Response, kind: str) -> str:
    """Read a server-sent event stream up to the first event of ``kind``; that event's id."""
    current, event_id = None, ""
    for line in stream.iter_lines():
        if line.startswith("event:"):
            current = line.partition(":")[2].strip()
        elif line.startswith("id:"):
            event_id = line.partition(":")[2].strip()
        elif line.startswith("data:") and current == kind:
            return event_id
    raise RuntimeError(f"the event stream ended before a {kind!r} event")
