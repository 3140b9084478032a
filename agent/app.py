"""The one composition root: ``build(settings, **overrides)`` wires database, plugins, model, help center,
checkpointer and graph, for the server, the terminal chat, the evaluations and the tests alike.

Overrides replace one configured part with one the caller owns (and closes): a scripted model, a
retriever over a test collection, a pinned clock, an engine on a scratch database, an in-memory
checkpointer. Everything else comes from the settings, so no caller wires the parts by hand.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict, Unpack

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from sqlalchemy import Engine

from agent.conversations.bus import bus_for
from agent.conversations.events import EventLog
from agent.conversations.jobs import JobQueue
from agent.conversations.service import ChatService
from agent.db import make_engine, upgrade_schema
from agent.engine import language
from agent.engine.answer_cache import AnswerCache
from agent.engine.deps import GraphDeps
from agent.engine.graph import build_graph
from agent.engine.sites import Sites
from agent.engine.warmup import warm_prompts
from agent.llm.errors import ModelError
from agent.llm.factory import LoadedModel, load_model
from agent.llm.prompt_cache import warm
from agent.settings import Settings
from knowledge.embeddings import EmbeddingCache, load_embedder
from knowledge.ingest import IngestReport, ingest
from knowledge.retrieve import Retriever
from knowledge.store import open_store
from tools.clock import Clock, SystemClock
from tools.registry import Registry, load_registry
from tools.runner import ToolRunner

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a channel needs, alive for the life of the process."""

    settings: Settings
    engine: Engine
    model: LoadedModel
    retriever: Retriever
    chat: ChatService
    runner: ToolRunner
    clock: Clock
    sites: Sites
    answers: AnswerCache


def open_retriever(settings: Settings) -> Retriever:
    """The help-center retriever configured by ``settings``."""
    q = settings.qdrant
    store = open_store(q.url, str(settings.qdrant_path), q.collection,
                       q.api_key.get_secret_value() if q.api_key else None, read_only=q.read_only)
    k = settings.knowledge
    return Retriever(store, load_embedder(k.embedding_model), top_k=k.top_k, min_score=k.min_score, mode=k.mode)


def ingest_articles(settings: Settings, retriever: Retriever, paths: list[Path],
                    on_progress: Callable[[int, int], None] | None = None) -> IngestReport:
    """Ingest ``paths`` into the retriever's collection with the configured chunking, through the embedding cache
    in the data dir (opened and closed here: its SQLite connection belongs to the calling thread)."""
    cache = EmbeddingCache(settings.embedding_cache_path)
    try:
        return ingest(paths, retriever.store, retriever.embedder, max_chars=settings.knowledge.chunk_chars,
                      overlap=settings.knowledge.chunk_overlap, cache=cache, on_progress=on_progress)
    finally:
        cache.close()


@asynccontextmanager
async def open_checkpointer(settings: Settings) -> AsyncIterator[BaseCheckpointSaver]:
    """LangGraph's checkpointer: SQLite in the data dir, or the Postgres of ``CONCIERGE_DB__URL``."""
    if not settings.db_url.startswith("postgresql"):
        settings.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
        async with AsyncSqliteSaver.from_conn_string(str(settings.checkpoint_path)) as saver:
            yield saver
        return
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from psycopg.rows import dict_row
    from psycopg_pool import AsyncConnectionPool

    dsn = settings.db_url.replace("postgresql+psycopg://", "postgresql://", 1)
    # check: a connection the server dropped (it restarted) is replaced before a turn gets it.
    async with AsyncConnectionPool(dsn, min_size=1, max_size=max(4, settings.model.n_parallel * 2), open=False,
                                   check=AsyncConnectionPool.check_connection,
                                   kwargs={"autocommit": True, "prepare_threshold": 0,
                                           "row_factory": dict_row}) as pool:
        postgres = AsyncPostgresSaver(pool)  # type: ignore[arg-type]
        async with pool.connection() as conn:
            # One process at a time creates or migrates the checkpoint tables (several may start together).
            await conn.execute("SELECT pg_advisory_lock(20261201)")
            try:
                await postgres.setup()
            finally:
                await conn.execute("SELECT pg_advisory_unlock(20261201)")
        yield postgres


class Overrides(TypedDict, total=False):
    """The parts a caller may hand in instead of the configured ones; they stay the caller's to close."""

    model: BaseChatModel
    retriever: Retriever
    clock: Clock
    registry: Registry  # default: the plugins CONCIERGE_TOOLS__PLUGINS allows
    engine: Engine  # default: CONCIERGE_DB__URL, migrated at start
    checkpointer: BaseCheckpointSaver  # default: SQLite in the data dir, or the Postgres of CONCIERGE_DB__URL


@asynccontextmanager
async def build(settings: Settings, **overrides: Unpack[Overrides]) -> AsyncIterator[Services]:
    """Start everything ``settings`` configures, with ``overrides`` in place of their parts; stop it on exit."""
    clock = overrides.get("clock") or SystemClock()
    # Plugins first: a name collision should stop start-up before the model spends time loading.
    configured = None if "registry" in overrides else load_registry(settings.tools.plugins)
    registry = overrides["registry"] if configured is None else configured
    engine = overrides.get("engine")
    if engine is None:
        engine = make_engine(settings)
        # The configured plugins' tables: a registry handed in (a test's plugin) says what is offered, not
        # which tables the database holds.
        upgrade_schema(engine, configured if configured is not None else load_registry(settings.tools.plugins))
    model = overrides.get("model")
    loaded = LoadedModel(model) if model is not None else load_model(settings)
    retriever = overrides.get("retriever") or open_retriever(settings)
    bus = bus_for(settings.db_url)
    try:
        await bus.start()
        async with AsyncExitStack() as stack:
            saver = overrides.get("checkpointer") or await stack.enter_async_context(open_checkpointer(settings))
            runner = ToolRunner(registry, engine, settings, clock=clock)
            sites = Sites(settings, retriever)
            answers = AnswerCache(clock, settings.knowledge.answer_cache_s)
            deps = GraphDeps(model=loaded.chat, engine=engine, registry=registry, runner=runner, sites=sites,
                             auth_mode=settings.tools.auth_mode,
                             max_message_chars=settings.web.max_message_chars,
                             prompt_budget=settings.model.prompt_budget,
                             excerpt_margin=settings.knowledge.answer_margin,
                             language_margin=settings.knowledge.language_margin, answers=answers)
            if model is None and settings.model.warm_up and settings.model.backend in ("embedded", "openai"):
                await _warm(loaded, deps)
            chat = ChatService(engine, build_graph(deps, saver), clock=clock, events=EventLog(engine, clock, bus),
                               jobs=JobQueue(engine, clock, bus))
            yield Services(settings=settings, engine=engine, model=loaded, retriever=retriever, chat=chat,
                           runner=runner, clock=clock, sites=sites, answers=answers)
    finally:
        await bus.stop()
        loaded.close()
        if "retriever" not in overrides:  # what was handed in belongs to the caller
            retriever.store.close()
        if "engine" not in overrides:
            engine.dispose()


async def _warm(loaded: LoadedModel, deps: GraphDeps) -> None:
    """Read the shared prompt prefixes now, not on a customer's first message; a model that does not answer
    yet is no reason not to start (customers get an apology and a person, /readyz says why)."""
    await asyncio.to_thread(language.warm_up)
    try:
        await warm(loaded.chat, warm_prompts(deps), loaded.server)
    except ModelError as exc:
        log.warning("the model did not answer at start-up, so its prompts are not warmed: %s", exc)
