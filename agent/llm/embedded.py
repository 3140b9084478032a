"""The embedded backend: llama.cpp's own HTTP server running inside this process.

``xllamacpp.Server`` starts llama.cpp's server on a loopback port; Concierge
then talks to it with the same OpenAI-compatible client it would use for vLLM.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from pathlib import Path

import httpx

from agent.llm.errors import ModelError

log = logging.getLogger(__name__)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EmbeddedServer:
    """A running llama.cpp server for one GGUF. Close it to free the model's memory."""

    def __init__(self, gguf: Path, *, n_ctx: int = 4096, n_threads: int = 0, n_parallel: int = 1,
                 verbose: bool = False, slot_dir: Path | None = None) -> None:
        import xllamacpp  # imported here: the other backends do not need the native library

        threads = n_threads or os.cpu_count() or 1
        self.gguf, self.n_ctx, self.n_parallel, self.slot_dir = Path(gguf), n_ctx, n_parallel, slot_dir
        params = xllamacpp.CommonParams()
        params.model.path = str(gguf)
        params.n_ctx = n_ctx * n_parallel  # llama.cpp splits n_ctx across slots
        params.n_parallel = n_parallel
        # Progress is reported per batch: 128 tokens is a few seconds on 2 cores, well inside the first-token
        # limit. Measured here: a 490-token prompt read in 14.3 s this way, 15.1 s with the default 2048.
        params.n_batch = 128
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.use_jinja = True
        params.verbosity = 3 if verbose else 0  # llama.cpp logs every request at its default level
        params.cache_prompt = True
        if slot_dir is not None:  # lets the prompt cache be saved and restored across restarts
            slot_dir.mkdir(parents=True, exist_ok=True)
            params.endpoint_slots = True
            params.slot_save_path = str(slot_dir.resolve()) + "/"  # llama.cpp wants the trailing slash
        params.hostnames = ["127.0.0.1"]
        params.port = _free_port()
        started = time.monotonic()
        log.info("loading %s (%d threads, context %d, %d slot(s))", gguf.name, threads, n_ctx, n_parallel)
        try:
            self._server = xllamacpp.Server(params)
        except Exception as exc:  # the native layer raises plain RuntimeErrors
            raise ModelError(f"llama.cpp could not load {gguf}: {exc}") from exc
        self.root_url = self._server.listening_address.rstrip("/")
        self.base_url = self.root_url + "/v1"
        self._wait_healthy()
        log.info("model ready at %s in %.1f s", self.base_url, time.monotonic() - started)

    def _wait_healthy(self, timeout_s: float = 120.0) -> None:
        health = self.base_url.removesuffix("/v1") + "/health"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if httpx.get(health, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise ModelError(f"The embedded llama.cpp server did not become healthy within {timeout_s:.0f} s.")

    def close(self) -> None:
        """Stop the server and release the model."""
        server, self._server = getattr(self, "_server", None), None
        del server
