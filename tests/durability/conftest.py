"""Concierge as an operator runs it, on SQLite and on Postgres (see BOTH_STORES): its own process, a fake model."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from agent.llm.fake_server import FakeModelServer
from tests.conftest import copy_help_center
from tests.server_process import ServerProcess

ANSWER = "Standard shipping is free and takes 3 to 5 business days after the order is processed."
CUSTOMER, ORDER = "aarav_anderson_8794", "#W9300146"  # a pending order of this customer


def router(messages) -> str:
    """The fake model's decisions: cancel when asked to, else search the help center."""
    text = messages[-1]["content"].lower()
    if "cancel" in text:
        return json.dumps({"action": "cancel_pending_order", "args": {"order_id": ORDER,
                                                                      "reason": "ordered by mistake"}})
    return json.dumps({"action": "search_help_center", "query": "shipping time"})


@pytest.fixture
def model() -> Iterator[FakeModelServer]:
    with FakeModelServer(decide=router, answer=lambda _m: ANSWER) as fake:
        yield fake


@pytest.fixture
def server(settings, help_center, model) -> Callable[..., ServerProcess]:
    """A factory of server processes on this test's data dir and database (several: restarts, or two at once)."""
    copy_help_center(help_center, settings.data_dir)
    started: list[ServerProcess] = []

    def make(env: dict[str, str] | None = None, port: int | None = None, model_url: str | None = None,
             args: tuple[str, ...] = ()) -> ServerProcess:
        db = {"CONCIERGE_DB__URL": settings.db.url} if settings.db.url else {}
        process = ServerProcess(settings.data_dir, model_url or model.url, {**db, **(env or {})}, port, args)
        started.append(process)
        return process

    yield make
    for process in started:
        process.stop()
