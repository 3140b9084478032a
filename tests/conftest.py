"""Shared fixtures: seeded databases, an ingested help center, scripted models, a live server."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import SecretStr

from agent.app import build, open_retriever
from agent.conversations.identity import sign_customer
from agent.conversations.service import ChatService
from agent.db import make_engine, upgrade_schema
from agent.llm.scripted import ScriptedChat
from agent.server import create_app, server_config
from agent.server_process import free_port
from agent.settings import Settings
from knowledge.ingest import ingest
from knowledge.retrieve import Retriever
from tests.slack_mock import MockSlack
from tools.clock import Clock, FixedClock, noon
from tools.listings import seed_listings
from tools.orders import seed_orders

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "knowledge" / "corpus"
TODAY = "2026-11-22"  # the seeded stays are laid out around this day


def pinned_clock() -> FixedClock:
    """A fresh clock at noon on TODAY: the one clock every test passes in (never the wall clock)."""
    return noon(date.fromisoformat(TODAY))


@pytest.fixture(autouse=True)
def _no_big_model_in_unit_tests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the real Qwen weights is allowed only in tests marked ``real_model`` (tiny test GGUFs are fine)."""
    if request.node.get_closest_marker("real_model"):
        return
    from agent.llm.embedded import EmbeddedServer
    from agent.llm.weights import WEIGHTS

    real_init = EmbeddedServer.__init__
    big = {spec.filename for spec in WEIGHTS.values()}

    def guarded(self: EmbeddedServer, gguf: Path, **kwargs: Any) -> None:
        if Path(gguf).name in big or Path(gguf).stat().st_size > 200_000_000:
            raise RuntimeError("This test tried to load the real model; mark it @pytest.mark.real_model "
                               "or use a ScriptedChat or the tiny test models.")
        real_init(self, gguf, **kwargs)

    monkeypatch.setattr(EmbeddedServer, "__init__", guarded)


IDENTITY_SECRET = "test-identity-secret-0123456789abcdef"  # what a site's backend signs customer tokens with


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings rooted in ``data_dir`` with a fixed identity secret.

    The per-address limit is lifted: every test client is one address, and :meth:`Chat.wait` polls. The
    tests of the limits set their own.
    """
    return Settings(data_dir=data_dir, web={"identity_secrets": [IDENTITY_SECRET],
                                            "requests_per_minute_per_ip": 100_000}, **overrides)


def customer_token(customer_id: str, clock: Clock | None = None, secret: str = IDENTITY_SECRET, **claims: Any) -> str:
    """A customer token as the site's backend mints it (``ttl_s``, ``site_key`` as in sign_customer)."""
    return sign_customer(customer_id, secret.encode(), now=(clock or pinned_clock()).now(), **claims)


@dataclass
class Chat:
    """One conversation through the HTTP API, as the widget holds it: its id and access token."""

    http: Any  # a TestClient or an httpx.Client
    id: str
    access_token: str
    customer_id: str | None = None

    @property
    def auth(self) -> dict[str, str]:
        """The header every request on the conversation carries."""
        return {"Authorization": f"Bearer {self.access_token}"}

    @property
    def path(self) -> str:
        """The conversation's URL path."""
        return f"/v1/conversations/{self.id}"

    def say(self, text: str) -> httpx.Response:
        """Post a customer message."""
        return self.http.post(f"{self.path}/messages", json={"text": text}, headers=self.auth)

    def confirm(self, yes: bool = True) -> httpx.Response:
        """Answer a preview with the buttons."""
        return self.http.post(f"{self.path}/confirm", json={"confirm": yes}, headers=self.auth)

    def transcript(self) -> dict[str, Any]:
        """GET the conversation."""
        response = self.http.get(self.path, headers=self.auth)
        assert response.status_code == 200, response.text
        return response.json()

    def events(self, **headers: str) -> Any:
        """The SSE stream (a context manager), e.g. ``events(**{"Last-Event-ID": "3"})``."""
        return self.http.stream("GET", f"{self.path}/events", headers={**self.auth, **headers})

    def wait(self, until: Callable[[dict[str, Any]], bool], limit_s: float = 30) -> dict[str, Any]:
        """Poll the transcript until ``until(body)`` holds."""
        deadline = time.monotonic() + limit_s
        while True:
            body = self.transcript()
            if until(body):
                return body
            if time.monotonic() > deadline:
                raise TimeoutError(body)
            time.sleep(0.05)

    def replies(self, n: int = 1, limit_s: float = 30) -> list[dict[str, Any]]:
        """The messages once at least ``n`` assistant replies are there."""
        return self.wait(lambda b: sum(m["role"] == "assistant" for m in b["messages"]) >= n, limit_s)["messages"]


def open_chat(http: Any, customer: str | None = None, clock: Clock | None = None, **body: Any) -> Chat:
    """POST /v1/conversations (signed in as ``customer`` when given) and hold the conversation."""
    if customer is not None:
        body["customer_token"] = customer_token(customer, clock)
    response = http.post("/v1/conversations", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    return Chat(http, created["id"], created["access_token"], created["customer_id"])


@pytest.fixture(scope="session")
def seeded_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file seeded once per session; tests get their own copy."""
    folder = tmp_path_factory.mktemp("seeded")
    engine = make_engine(make_settings(folder))
    upgrade_schema(engine)
    seed_orders(engine)
    seed_listings(engine, today=date.fromisoformat(TODAY))
    engine.dispose()
    return folder / "concierge.db"


def sqlite_settings(tmp_path: Path, template: Path) -> Settings:
    """Settings on a fresh copy of the seeded SQLite database."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(template, data_dir / "concierge.db")
    return make_settings(data_dir)


BOTH_STORES = ("api", "durability")  # test folders that run on SQLite and on Postgres


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests of the stores run on both backends: those in BOTH_STORES, and those marked ``stores``."""
    folder = metafunc.definition.path.parent.name
    if "backend" in metafunc.fixturenames and (folder in BOTH_STORES or metafunc.definition.get_closest_marker(
            "stores")):
        metafunc.parametrize("backend", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database the test runs on: sqlite, or (parametrized, see above) postgres."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> Settings:
    """Settings for one test, on a freshly copied seeded database of its backend."""
    if backend == "sqlite":
        return sqlite_settings(tmp_path, request.getfixturevalue("seeded_db_template"))
    return postgres_settings(tmp_path, request.getfixturevalue("postgres"),
                             request.getfixturevalue("postgres_template"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """A Postgres server for the session (tests/postgres.py), started when a test first needs it."""
    from tests.postgres import PostgresServer

    try:
        server = PostgresServer().start()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A Postgres database migrated and seeded once, with LangGraph's checkpoint tables: tests copy it."""
    import asyncio

    from agent.app import open_checkpointer

    name = postgres.create_database()
    settings = make_settings(tmp_path_factory.mktemp("pg-template"), db={"url": postgres.url(name)})
    engine = make_engine(settings)
    upgrade_schema(engine)
    seed_orders(engine)
    seed_listings(engine, today=date.fromisoformat(TODAY))
    engine.dispose()

    async def checkpoint_tables() -> None:
        async with open_checkpointer(settings):
            pass

    asyncio.run(checkpoint_tables())
    return name


def postgres_settings(tmp_path: Path, postgres: Any, template: str) -> Settings:
    """Settings on a fresh copy of the seeded Postgres database."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    return make_settings(data_dir, db={"url": postgres.url(postgres.create_database(template))})


@pytest.fixture
def clock() -> FixedClock:
    """The test's clock (see :func:`pinned_clock`); tests move it with ``clock.advance(...)``."""
    return pinned_clock()


@pytest.fixture
def engine(settings: Settings):
    """An engine on the test's seeded database."""
    eng = make_engine(settings)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def help_center(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the demo help center ingested once per session (tests copy its Qdrant folder)."""
    folder = tmp_path_factory.mktemp("knowledge")
    r = open_retriever(make_settings(folder))
    ingest([CORPUS], r.store, r.embedder)
    r.store.close()
    return folder


def copy_help_center(help_center: Path, data_dir: Path) -> None:
    """Put the session's ingested help center into ``data_dir``, as `concierge ingest` would have left it."""
    shutil.copytree(make_settings(help_center).qdrant_path, make_settings(data_dir).qdrant_path, dirs_exist_ok=True)


@pytest.fixture(scope="session")
def retriever(help_center: Path) -> Iterator[Retriever]:
    """The session's help center, open in this process."""
    r = open_retriever(make_settings(help_center))
    yield r
    r.store.close()


@pytest.fixture
def slack() -> Iterator[MockSlack]:
    """A local mock of Slack's Web API."""
    mock = MockSlack()
    yield mock
    mock.close()


def with_slack(settings: Settings, slack: MockSlack, signing_secret: str, channel: str) -> Settings:
    """``settings`` with the Slack app on, talking to the mock."""
    return settings.model_copy(update={"slack": settings.slack.model_copy(update={
        "bot_token": SecretStr("xoxb-test-0123"), "signing_secret": SecretStr(signing_secret), "channel": channel,
        "api_url": f"{slack.url}/api/"})})


def make_app(settings: Settings, retriever: Retriever, model: BaseChatModel, clock: Clock | None = None,
             **web: Any) -> FastAPI:
    """The app as it is served, with a fake model, the session's help center and the pinned clock.

    ``web`` overrides web settings, e.g. ``agent_api_key=SecretStr("k")``.
    """
    if web:
        settings = settings.model_copy(update={"web": settings.web.model_copy(update=web)})
    return create_app(settings, model=model, retriever=retriever, clock=clock or pinned_clock())


def in_services(settings: Settings, go: Callable[[ChatService], Awaitable[Any]], **overrides: Any) -> Any:
    """``await go(chat)`` with the services the composition root builds (agent/app.py), on a fresh event loop.

    The checkpointer is in memory unless ``overrides`` name one; the rest as ``settings`` configure it.
    """
    async def main() -> Any:
        async with build(settings, **{"checkpointer": InMemorySaver(), **overrides}) as services:
            return await go(services.chat)

    return asyncio.run(main())


def decision(action: str, **args: Any) -> str:
    """A decision as the model would write it: flat for reply/search/handoff, tool arguments under "args"."""
    if action in ("reply", "search_help_center", "handoff"):
        return json.dumps({"action": action, **args})
    return json.dumps({"action": action, "args": args})


def scripted(decide: str | Callable[[list[BaseMessage]], str],
             answer: str | Callable[[list[BaseMessage]], str] = "Here is what I found.") -> ScriptedChat:
    """A model that returns ``decide`` for decision calls (those with a response_format) and ``answer`` otherwise."""

    def fn(messages: list[BaseMessage], kwargs: dict[str, Any]) -> str:
        part = decide if kwargs.get("response_format") else answer
        return part(messages) if callable(part) else part

    return ScriptedChat(fn=fn)


class LiveServer:
    """A real uvicorn server on a loopback port, running in a thread."""

    def __init__(self, app: FastAPI, log_level: str = "warning") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Configured as `concierge serve` configures it (which proxies are trusted, above all).
        self.server = uvicorn.Server(server_config(app, app.state.settings, "127.0.0.1", self.port,
                                                   log_level=log_level))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 300  # the real model takes a while to load
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


async def listening(events: Any, conversation_id: str, heartbeat_s: float = 600) -> tuple[list[Any], asyncio.Task]:
    """A subscriber to ``events`` (an EventLog) in a task, returned once it has replayed the stored events (it
    yields ``None`` then): live tokens sent from then on reach it. The list it fills, and the task to cancel.

    The heartbeat is long because a quiet subscriber re-reads the store at each one; a re-read that already finds
    the reply rightly skips its tokens, which would make a test that counts tokens depend on timing."""
    seen: list[Any] = []
    ready = asyncio.Event()

    async def listen() -> None:
        async for event in events.subscribe(conversation_id, heartbeat_s=heartbeat_s):
            if event is None:
                ready.set()
            else:
                seen.append(event)

    task = asyncio.create_task(listen())
    await asyncio.wait_for(ready.wait(), 60)
    return seen, task


async def until(check: Callable[[], bool], what: str, limit_s: float = 60) -> None:
    """Wait for ``check()`` to hold, failing with ``what`` after ``limit_s`` rather than hanging the run."""
    deadline = time.monotonic() + limit_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {limit_s} s: {what}")
        await asyncio.sleep(0.01)


def read_sse(response: httpx.Response, until: str = "message", limit_s: float = 60) -> list[dict[str, Any]]:
    """Parse server-sent events from a streaming response until an event of type ``until``."""
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    deadline = time.monotonic() + limit_s
    for line in response.iter_lines():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {until!r} event within {limit_s} s; got {events}")
        if not line:
            if "event" in current:
                current["data"] = json.loads(current.get("data", "null"))
                events.append(current)
                if current["event"] == until:
                    return events
            current = {}
        elif line.startswith(":"):
            continue
        else:
            key, _, value = line.partition(":")
            current[key] = value.lstrip(" ")
    return events
