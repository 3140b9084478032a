"""End to end with the real default Qwen model: the path a customer takes, proven for real.

These load Qwen2.5-Coder-1.5B (assembled by `concierge model fetch`, which
`make test` runs first) and take about a minute on 2 CPU cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from agent.llm.weights import WeightsError, resolve_gguf
from agent.server import create_app
from agent.settings import Settings, get_settings
from knowledge.ingest import ingest
from knowledge.store import open_store
from tests.conftest import CORPUS, IDENTITY_SECRET, ROOT, LiveServer, make_settings, open_chat, pinned_clock, read_sse

pytestmark = pytest.mark.real_model
ARTIFACTS = ROOT / "test-artifacts"
QUESTION = "How long does a refund take after I cancel an order paid by credit card?"


@pytest.fixture(scope="module")
def gguf() -> Path:
    """The assembled default model; a clear failure (not a skip) when it is missing."""
    real = get_settings()
    try:
        return resolve_gguf(real.model.name, real.model.gguf_path, real.models_dir.resolve())
    except WeightsError as exc:
        pytest.fail(f"{exc} (`make test` does this for you)")


def real_settings(settings: Settings, gguf: Path) -> Settings:
    return settings.model_copy(update={"model": settings.model.model_copy(update={"gguf_path": gguf})})


def test_a_help_center_question_streams_a_cited_answer_from_qwen(settings, retriever, gguf: Path) -> None:
    app = create_app(real_settings(settings, gguf), retriever=retriever, clock=pinned_clock())
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=300) as http:
        chat = open_chat(http)
        with chat.events() as stream:
            started = time.monotonic()
            assert chat.say(QUESTION).status_code == 202
            events = read_sse(stream, limit_s=240)
            total_s = time.monotonic() - started
        tokens = [e for e in events if e["event"] == "token"]
        final = events[-1]
        assert not [e for e in events if e["event"] == "error"], events
        assert len(tokens) >= 3, "the reply did not stream"
        assert final["event"] == "message" and final["data"]["text"].strip()
        assert "".join(t["data"]["text"] for t in tokens).strip() == final["data"]["text"]
        assert final["data"]["citations"][0]["url"].startswith("https://help.example.com/store/cancel-order")
        assert "5" in final["data"]["text"] and "7" in final["data"]["text"]  # "5 to 7 business days"
        transcript = chat.transcript()["messages"]
        assert [m["role"] for m in transcript] == ["customer", "assistant"]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "real_model_reply.json").write_text(json.dumps(
        {"question": QUESTION, "reply": final["data"], "reply_latency_s": round(total_s, 2)}, indent=2))
    print(f"\nreal model reply latency: {total_s:.1f} s; reply: {final['data']['text']!r}")


def test_the_terminal_chat_answers_once_and_exits(settings, retriever, gguf: Path) -> None:
    # The CLI runs in its own process with its own data dir: ingest the corpus there first.
    data_dir = settings.data_dir
    store = open_store(None, str(make_settings(data_dir).qdrant_path), "help_center")
    ingest([CORPUS], store, retriever.embedder)
    store.close()
    env = {**os.environ, "CONCIERGE_DATA_DIR": str(data_dir), "CONCIERGE_MODEL__GGUF_PATH": str(gguf),
           "CONCIERGE_WEB__IDENTITY_SECRETS": json.dumps([IDENTITY_SECRET]), "CONCIERGE_LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-m", "agent.cli", "chat", "--once", QUESTION], env=env,
                          capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "source: Cancelling an order" in done.stdout
    assert "business days" in done.stdout
