"""The help center is updated while the server serves: through its admin endpoint (the agent key), and through
`concierge ingest --server URL` against a real `concierge serve` holding the embedded engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from agent.app import open_retriever
from agent.llm.fake_server import FakeModelServer
from tests.conftest import copy_help_center, decision, make_app, open_chat, scripted
from tests.server_process import ServerProcess

KEY = "agent-key-for-tests-0123456789"
ARTICLE = """---
title: Gift wrapping
url: https://help.example.com/store/gift-wrapping
category: orders
locale: en
---
# Gift wrapping

Every order can be gift wrapped for 4 dollars: tick "gift wrap" at checkout, and add a card with your message.
"""
QUESTION = "Can you gift wrap my order?"
ANSWER = "Yes: tick gift wrap at checkout, it costs 4 dollars."
WRAPPING = "https://help.example.com/store/gift-wrapping"


@pytest.fixture
def new_articles(tmp_path: Path) -> Path:
    folder = tmp_path / "new-articles"
    folder.mkdir()
    (folder / "gift-wrapping.md").write_text(ARTICLE)
    return folder


@pytest.fixture
def client(settings, help_center, retriever) -> Iterator[TestClient]:
    """The app on its own copy of the help center (the ingest writes to it), with the agent API on."""
    copy_help_center(help_center, settings.data_dir)
    own = open_retriever(settings)
    own.embedder = retriever.embedder  # loaded once per session
    app = make_app(settings, own, scripted(decision("search_help_center", query=QUESTION), ANSWER),
                   agent_api_key=SecretStr(KEY))
    with TestClient(app) as c:
        yield c
    own.store.close()


def _ingest(client: TestClient, *paths: Path | str, key: str = KEY):
    return client.post("/v1/agent/help-center/ingest", json={"paths": [str(p) for p in paths]},
                       headers={"X-Agent-Key": key})


def test_an_article_ingested_through_the_server_is_cited_at_once_without_a_restart(client, new_articles) -> None:
    before = open_chat(client)
    before.say(QUESTION)
    assert WRAPPING not in {c["url"].split("#")[0] for c in before.replies()[1]["citations"]}

    response = _ingest(client, new_articles)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert lines[0] == {"done": 1, "total": 1}  # progress while embedding
    assert lines[-1]["report"] == {"files": 1, "added": 1, "updated": 0, "removed": 0, "unchanged": 0, "errors": []}

    after = open_chat(client)
    after.say(QUESTION)
    assert WRAPPING in {c["url"].split("#")[0] for c in after.replies()[1]["citations"]}
    # The articles ingested before are untouched: this run was about its own folder only.
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize("paths, status, words", [
    (["relative/folder"], 422, "must be absolute"),
    (["/no/such/folder"], 400, "No such file or folder on the server's machine: /no/such/folder"),
    ([], 422, "paths"),
])
def test_a_bad_ingest_request_is_a_clear_4xx(client, paths, status, words) -> None:
    response = _ingest(client, *paths)
    assert response.status_code == status and words in response.json()["detail"]


def test_only_the_agent_key_may_ingest(client, new_articles) -> None:
    response = _ingest(client, new_articles, key="wrong")
    assert response.status_code == 401 and "X-Agent-Key" in response.json()["detail"]


def test_a_second_ingest_while_one_runs_is_refused_not_queued(client, new_articles) -> None:
    lock = client.app.state.ingest_lock  # type: ignore[attr-defined]
    client.portal.call(lock.acquire)  # type: ignore[union-attr]  # an ingest in progress
    try:
        response = _ingest(client, new_articles)
    finally:
        lock.release()
    assert response.status_code == 409 and "already running" in response.json()["detail"]
    assert _ingest(client, new_articles).status_code == 200


def test_workers_serving_copies_are_told_how_to_update_instead(settings, retriever, new_articles) -> None:
    several = settings.model_copy(update={"qdrant": settings.qdrant.model_copy(update={"read_only": True})})
    app = make_app(several, retriever, scripted(decision("reply"), "hi"), agent_api_key=SecretStr(KEY))
    with TestClient(app) as client:
        response = _ingest(client, new_articles)
    assert response.status_code == 409 and "CONCIERGE_QDRANT__URL" in response.json()["detail"]


def test_concierge_ingest_reaches_a_running_server(settings, help_center, new_articles) -> None:
    copy_help_center(help_center, settings.data_dir)
    env = {**os.environ, "CONCIERGE_DATA_DIR": str(settings.data_dir), "CONCIERGE_WEB__AGENT_API_KEY": KEY,
           "CONCIERGE_LOG_LEVEL": "WARNING"}

    def ingest(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "agent.cli", "ingest", *args, str(new_articles)], env=env,
                              capture_output=True, text=True, timeout=300)

    with FakeModelServer(decide=lambda _m: json.dumps({"action": "search_help_center", "query": QUESTION}),
                         answer=lambda _m: ANSWER) as model, \
            ServerProcess(settings.data_dir, model.url, {"CONCIERGE_WEB__AGENT_API_KEY": KEY}) as server:
        server.start()
        # The server holds the embedded help center: a plain ingest says so and names the way through it.
        held = ingest()
        assert held.returncode == 1 and "concierge ingest --server" in held.stderr
        done = ingest("--server", server.url)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "1 chunks added" in done.stderr
        import httpx

        with httpx.Client(base_url=server.url, timeout=30) as http:
            chat = open_chat(http)
            chat.say(QUESTION)
            assert WRAPPING in {c["url"].split("#")[0] for c in chat.replies()[1]["citations"]}
