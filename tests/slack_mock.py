"""A local mock of Slack's Web API (the pattern of bolt-python's own tests): records calls, answers like Slack."""

from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

from agent.llm.fake_server import JSONHandler

BOT_USER = "UBOT"
PEOPLE = {"U_AGENT": "Maria", "U_LEAD": "Sam"}


class MockSlack:
    """Serves /api/<method> and /respond/<id> (response_url) on a loopback port."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._ts = itertools.count(1)
        mock = self

        class Handler(JSONHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                url = urlparse(self.path)
                body: dict[str, Any] = dict(parse_qsl(url.query))
                if "json" in (self.headers.get("Content-Type") or ""):
                    body.update(json.loads(raw or "{}"))
                else:
                    body.update(dict(parse_qsl(raw)))
                method = url.path.removeprefix("/api/")
                mock.calls.append((method, body))
                self.send_json(mock.answer(method, body))

            do_GET = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        """What Slack would answer (the parts bolt and our code read)."""
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": "BBOT", "team_id": "T1", "team": "Test",
                    "url": "https://test.slack.com/"}
        if method == "chat.postMessage":
            return {"ok": True, "channel": body.get("channel"), "ts": f"1700000000.{next(self._ts):06d}"}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method == "users.info":
            user = body.get("user", "")
            return {"ok": True, "user": {"id": user, "profile": {"display_name": PEOPLE.get(user, "")}}}
        return {"ok": True}

    def posted(self, method: str = "chat.postMessage", **match: Any) -> list[dict[str, Any]]:
        """Calls of ``method`` whose body has the given values."""
        return [b for m, b in self.calls if m == method and all(b.get(k) == v for k, v in match.items())]

    def wait_for(self, method: str = "chat.postMessage", containing: str = "", limit_s: float = 20,
                 **match: Any) -> dict[str, Any]:
        """The first matching call (whose text contains ``containing``), waiting for it to arrive."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            found = [b for b in self.posted(method, **match) if containing in str(b.get("text", ""))]
            if found:
                return found[0]
            time.sleep(0.05)
        raise TimeoutError(f"no {method} {match} containing {containing!r}; calls: {self.calls}")

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
