"""A stand-in model server that answers at once from a script: `concierge bench load` measures the
framework with it, and the tests that run Concierge as its own process drive their faults through it.

It answers like llama.cpp's server (streamed chat completions, /v1/models): the decision for calls that
carry a ``response_format``, the answer for the others, streamed word by word (with an optional delay).
It can also hang (accept and never answer) or fail its next requests with a 503.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Script = Callable[[list[dict[str, Any]]], str]


class JSONHandler(BaseHTTPRequestHandler):
    """A loopback stand-in's request handler: answers JSON, keeps out of the log (also Slack's mock's)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each streamed piece waits ~40 ms for the client's delayed ACK

    def send_json(self, payload: dict[str, Any]) -> None:
        """A 200 with ``payload``."""
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        """Silent: a stand-in's requests are not the log's business."""


PROGRESS_EVERY_S = 0.25  # llama.cpp reports progress per batch of prompt tokens


@dataclass
class FakeModelServer:
    """The server (on a free loopback port) and what it does; change the fields while it runs."""

    decide: Script
    answer: Script
    word_delay_s: float = 0.0
    hang: bool = False
    prefill_s: float = 0.0  # a long prompt being read first: progress news if asked for it, else silence
    fail_next: int = 0  # answer this many requests with a 503 first
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = field(init=False, default=0)  # chosen when it binds

    def __post_init__(self) -> None:
        model = self

        class Handler(JSONHandler):
            def do_GET(self) -> None:
                self.send_json({"object": "list", "data": [{"id": "fake", "object": "model"}]})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                model.requests.append(body)
                if model.hang:
                    time.sleep(3600)  # accepted, never answered
                if model.fail_next > 0:
                    model.fail_next -= 1
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                text = (model.decide if body.get("response_format") else model.answer)(body["messages"])
                if not body.get("stream"):
                    self.send_json({"choices": [{"message": {"role": "assistant", "content": text},
                                             "finish_reason": "stop"}]})
                    return
                # The client may go away mid-answer (killed, or it cancelled): a server carries on quietly.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._stream(text, bool(body.get("return_progress")))

            def _stream(self, text: str, progress: bool) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for _ in range(round(model.prefill_s / PROGRESS_EVERY_S)):
                    if progress:
                        self._chunk({"choices": [{"delta": {}, "finish_reason": None}], "prompt_progress": {}})
                    time.sleep(PROGRESS_EVERY_S)
                words = text.split(" ")
                for n, word in enumerate(words):
                    piece = word + (" " if n < len(words) - 1 else "")
                    self._chunk({"choices": [{"delta": {"content": piece}, "finish_reason": None}]})
                    time.sleep(model.word_delay_s)
                self._chunk({"choices": [{"delta": {}, "finish_reason": "stop"}]})
                self._write(b"data: [DONE]\n\n")
                self.wfile.write(b"0\r\n\r\n")

            def _chunk(self, data: dict[str, Any]) -> None:
                self._write(f"data: {json.dumps(data)}\n\n".encode())

            def _write(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL Concierge is given (CONCIERGE_MODEL__BASE_URL)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FakeModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
