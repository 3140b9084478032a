"""Warm the model's prompt cache at start-up, and keep it across restarts.

Prefill is the expensive part on a CPU: the 1.5B reads ~60 tokens/s on 2 cores,
so the router's system prompt (about a thousand tokens with its tool list) costs
~15 s. It is processed once when the server starts, not on a customer's first
message: each shared prefix (the router prompt as an anonymous and as a signed-in
customer sees it, the answer prompt) is sent with ``max_tokens=1``, and llama.cpp
keeps its KV cache in a slot. With the embedded server the slots are then saved to
files keyed by the model and the prompts; the next start with the same model and
prompts restores them in milliseconds instead of reading the prompts again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from agent.llm.embedded import EmbeddedServer
from agent.llm.messages import to_openai_messages

log = logging.getLogger(__name__)


@dataclass
class WarmReport:
    """What warming did and how long it took."""

    restored: bool = False
    seconds: float = 0.0
    prompts: int = 0
    saved_slots: list[int] = field(default_factory=list)


def cache_key(server: EmbeddedServer, prompts: list[list[BaseMessage]]) -> str:
    """Saved slots are only valid for the same model file, context size and prompts."""
    ident = json.dumps([server.gguf.name, server.gguf.stat().st_size, server.n_ctx,
                        [to_openai_messages(p) for p in prompts]], sort_keys=True)
    return hashlib.sha256(ident.encode()).hexdigest()[:16]


async def warm(model: BaseChatModel, prompts: list[list[BaseMessage]],
               server: EmbeddedServer | None = None) -> WarmReport:
    """Make sure every prompt's prefix is in the model's KV cache; restore or save slots if embedded."""
    started = time.monotonic()
    report = WarmReport(prompts=len(prompts))
    if server is not None and server.slot_dir is not None:
        key = cache_key(server, prompts)
        saved = sorted(server.slot_dir.glob(f"{key}-slot*.bin"))
        if saved and _restore(server, saved):
            report.restored, report.seconds = True, time.monotonic() - started
            log.info("prompt cache restored from %d saved slot(s) in %.2f s", len(saved), report.seconds)
            return report
    for slot, messages in enumerate(prompts):
        # llama.cpp moves an idle slot's cache to RAM and reuses the slot; pinning each prompt to a
        # slot of its own (id_slot) keeps them all in the slots, where they can be saved.
        pin: dict[str, Any] = {"id_slot": slot % server.n_parallel} if server is not None else {}
        await model.ainvoke(messages, max_tokens=1, **pin)
    if server is not None and server.slot_dir is not None:
        report.saved_slots = _save(server, cache_key(server, prompts))
    report.seconds = time.monotonic() - started
    log.info("prompt cache warmed with %d prompt(s) in %.1f s", len(prompts), report.seconds)
    return report


def _slot_url(server: EmbeddedServer, slot: int, action: str) -> str:
    return f"{server.root_url}/slots/{slot}?action={action}"


def _save(server: EmbeddedServer, key: str) -> list[int]:
    assert server.slot_dir is not None  # only called with one
    saved = []
    for slot in range(server.n_parallel):
        name = f"{key}-slot{slot}.bin"
        resp = httpx.post(_slot_url(server, slot, "save"), json={"filename": name}, timeout=120)
        if resp.status_code == 200 and resp.json().get("n_saved", 0) > 0:
            saved.append(slot)
        else:
            (server.slot_dir / name).unlink(missing_ok=True)  # an empty slot is not worth restoring
    return saved


def _restore(server: EmbeddedServer, files: list[Path]) -> bool:
    for f in files:
        slot = int(f.stem.rsplit("slot", 1)[1])
        resp = httpx.post(_slot_url(server, slot, "restore"), json={"filename": f.name}, timeout=120)
        if resp.status_code != 200:
            log.warning("could not restore %s (%s); warming from scratch", f.name, resp.text[:200])
            return False
    return True
