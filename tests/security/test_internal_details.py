"""What goes wrong inside stays inside: customers get a sentence; model URLs, settings and exceptions go to the log."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from agent.llm.errors import ModelError
from agent.llm.scripted import ScriptedChat
from tests.conftest import LiveServer, decision, make_app, open_chat, read_sse, scripted
from tests.security.conftest import ATTACKER, ATTACKER_ORDER

INTERNALS = ("10.1.2.3", "CONCIERGE_MODEL__BASE_URL", "Traceback", "secret internals")


def broken_model(_messages, _kwargs) -> str:
    raise ModelError("The model server at http://10.1.2.3:8001/v1 did not answer; set CONCIERGE_MODEL__BASE_URL")


def test_a_model_failure_reaches_the_customer_as_a_sentence_and_a_person(settings, retriever, clock) -> None:
    app = make_app(settings, retriever, ScriptedChat(fn=broken_model), clock=clock)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        chat = open_chat(http)
        with chat.events() as stream:
            chat.say("How long does shipping take?")
            events = read_sse(stream)
        body = chat.transcript()
    said = " ".join(str(e["data"]) for e in events) + " ".join(m["text"] for m in body["messages"])
    assert [e["event"] for e in events if e["event"] == "error"] == ["error"]
    assert not [i for i in INTERNALS if i in said], said
    assert body["mode"] == "waiting_for_human"  # and a person takes over


def test_a_crashing_tool_tells_the_customer_nothing_of_its_exception(settings, retriever, clock,
                                                                     monkeypatch) -> None:
    from tools.orders import tools as order_tools

    def explode(*_args, **_kwargs):
        raise RuntimeError("database exploded: secret internals at /var/lib/concierge")

    monkeypatch.setattr(order_tools, "_require_status", explode)  # a bug deep inside the tool
    app = make_app(settings, retriever, scripted(decision("cancel_pending_order", order_id=ATTACKER_ORDER,
                                                          reason="ordered by mistake"), "unused"), clock=clock)
    with TestClient(app) as client:
        chat = open_chat(client, ATTACKER, clock)
        chat.say(f"cancel {ATTACKER_ORDER}")
        said = chat.replies()[-1]["text"]
    assert "nothing was changed" in said and not [i for i in INTERNALS if i in said]


def test_an_unexpected_server_error_is_a_sentence_without_a_stack_trace(settings, retriever, clock,
                                                                        monkeypatch) -> None:
    app = make_app(settings, retriever, scripted(decision("reply"), "hi"), clock=clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        chat = open_chat(client)
        monkeypatch.setattr(app.state.services.chat, "transcript",
                            lambda _cid: (_ for _ in ()).throw(RuntimeError("secret internals")))
        r = client.get(chat.path, headers=chat.auth)
    assert r.status_code == 500 and r.json()["detail"].startswith("Something went wrong on our side")
    assert not [i for i in INTERNALS if i in r.text]


@pytest.mark.parametrize("path", ["/docs", "/openapi.json"])
def test_the_api_description_names_no_secret(client, path: str) -> None:
    from tests.security.conftest import AGENT_KEY

    text = client.get(path).text
    assert AGENT_KEY not in text and "identity_secrets" not in text
