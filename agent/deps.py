"""What the graph's nodes need from the outside world, wired once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from sqlalchemy import Engine

from knowledge.retrieve import Retriever
from tools.registry import Registry
from tools.runner import ToolRunner


@dataclass(frozen=True)
class GraphDeps:
    """The model, the help-center retriever and the database, shared by all conversations."""

    model: BaseChatModel
    retriever: Retriever
    engine: Engine
    registry: Registry
    runner: ToolRunner
    auth_mode: str = "token"
    history_messages: int = 6
    max_message_chars: int = 2000
    prompt_budget: int = 2048
    handoff_after_failures: int = 3
