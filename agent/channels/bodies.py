"""What a request body may be: its size, its encoding and its characters, checked before anything uses it.

- :class:`BodyLimit` (ASGI middleware) answers ``413`` to a body over ``MAX_BODY_BYTES`` before the
  application reads any of it, whether or not the client declared a length, and ``422`` to a JSON
  body that is not UTF-8 or nests deeper than ``MAX_DEPTH``, so no parser ever sees either.
- :class:`RequestBody` is the base of every JSON body model: unknown fields are refused, and so are
  strings that no database can store (lone surrogates such as ``"\\ud800"``, NUL characters), with a
  ``422`` that says which field, instead of a failed write after a ``202``.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 32  # our bodies are flat objects; a few levels leave room, thousands are an attack
_WITH_BODY = {"POST", "PUT", "PATCH"}


def storable(text: str) -> str:
    """``text`` if every character of it can be stored and shown; a ValueError saying why otherwise."""
    if "\x00" in text:
        raise ValueError("contains a NUL character, which cannot be stored")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains a lone surrogate (an unpaired \\ud800-\\udfff escape), which is not text") from None
    return text


class RequestBody(BaseModel):
    """A JSON request body: only the documented fields, only storable text."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return storable(value) if isinstance(value, str) else value


def _json_problem(body: bytes) -> str | None:
    """Why a JSON body must not reach the parser (not UTF-8, nested past MAX_DEPTH), or None."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "The request body is not valid UTF-8; send JSON encoded as UTF-8."
    depth, in_string, escaped = 0, False, False
    for ch in text:  # brackets outside strings: Python's parser would recurse once per level and fail
        if in_string:
            escaped, in_string = (False, True) if escaped else (ch == "\\", ch != '"')
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return f"The request body nests lists or objects deeper than {MAX_DEPTH} levels."
        elif ch in "]}":
            depth -= 1
    return None


class BodyLimit:
    """Refuse oversized and non-UTF-8 JSON request bodies before the application parses them."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WITH_BODY:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send, 413, self._too_large())
            return
        body = bytearray()
        more = True
        while more:  # read it all now (it is small): a body without a declared length is counted too
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await self._refuse(send, 413, self._too_large())
                return
        if b"json" in headers.get(b"content-type", b""):
            problem = _json_problem(bytes(body))
            if problem:
                await self._refuse(send, 422, problem)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: wait for the disconnect, as the server would
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    def _too_large(self) -> str:
        return f"The request body is larger than {self.max_bytes // 1024} kB; nothing was stored."

    @staticmethod
    async def _refuse(send: Send, status: int, detail: str) -> None:
        payload = json.dumps({"detail": detail}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": payload})
