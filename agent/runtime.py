"""Wire the parts together once per process: database, model, knowledge, checkpointer, graph."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from sqlalchemy import Engine

from agent.chat import ChatService
from agent.db import create_tables, make_engine
from agent.deps import GraphDeps
from agent.graph import build_graph
from agent.llm.factory import LoadedModel, load_model
from agent.llm.prompt_cache import warm
from agent.settings import Settings
from agent.warmup import warm_prompts
from knowledge.embeddings import load_embedder
from knowledge.retrieve import Retriever
from knowledge.store import KnowledgeStore, open_client
from tools.clock import Clock, SystemClock
from tools.registry import load_registry
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


def open_retriever(settings: Settings) -> Retriever:
    """The help-center retriever configured by ``settings``."""
    q = settings.qdrant
    client = open_client(q.url, str(settings.qdrant_path), q.api_key.get_secret_value() if q.api_key else None)
    store = KnowledgeStore(client, q.collection)
    k = settings.knowledge
    return Retriever(store, load_embedder(k.embedding_model), top_k=k.top_k, min_score=k.min_score, mode=k.mode)


@asynccontextmanager
async def open_services(settings: Settings, model: BaseChatModel | None = None,
                        retriever: Retriever | None = None, clock: Clock | None = None) -> AsyncIterator[Services]:
    """Start everything; ``model``/``retriever``/``clock`` replace the configured ones (tests pass fakes)."""
    clock = clock or SystemClock()
    # Plugins first: a name collision should stop start-up before the model spends time loading.
    registry = load_registry(settings.tools.plugins)
    engine = make_engine(settings)
    create_tables(engine, settings.tools.plugins)
    loaded = LoadedModel(model) if model is not None else load_model(settings)
    own_retriever = retriever is None
    retriever = retriever or open_retriever(settings)
    settings.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        async with AsyncSqliteSaver.from_conn_string(str(settings.checkpoint_path)) as saver:
            runner = ToolRunner(registry, engine, settings, clock=clock)
            deps = GraphDeps(model=loaded.chat, retriever=retriever, engine=engine, registry=registry,
                             runner=runner, auth_mode=settings.tools.auth_mode,
                             max_message_chars=settings.web.max_message_chars,
                             prompt_budget=settings.model.prompt_budget)
            if model is None and settings.model.warm_up and settings.model.backend in ("embedded", "openai"):
                # The shared prefixes are read now, not on a customer's first message.
                await warm(loaded.chat, warm_prompts(deps), loaded.server)
            chat = ChatService(engine, build_graph(deps, saver), clock=clock)
            yield Services(settings=settings, engine=engine, model=loaded, retriever=retriever, chat=chat,
                           runner=runner, clock=clock)
    finally:
        loaded.close()
        if own_retriever:  # a retriever handed in belongs to the caller
            retriever.store.client.close()
        engine.dispose()
