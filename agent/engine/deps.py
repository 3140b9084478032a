"""What the graph's nodes need from the outside world, wired once at start-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from sqlalchemy import Engine

from agent.engine.answer_cache import AnswerCache
from agent.engine.sites import Site
from tools.registry import Registry
from tools.runner import ToolRunner


@dataclass(frozen=True)
class GraphDeps:
    """The model, the database, the plugins and the sites (each with its help center), shared by all conversations."""

    model: BaseChatModel
    engine: Engine
    registry: Registry
    runner: ToolRunner
    sites: Callable[[str | None], Site]  # the brand of a site key (agent/engine/sites.py)
    auth_mode: str = "token"
    history_messages: int = 6
    max_message_chars: int = 2000
    prompt_budget: int = 2048
    excerpt_margin: float | None = None  # knowledge.answer_margin: which relevant excerpts an answer reads
    language_margin: float = 0.03  # knowledge.language_margin: when excerpts in the customer's language win
    handoff_after_failures: int = 3
    answers: AnswerCache | None = None  # repeated first questions of anonymous customers, answered again
