"""Build the configured chat model: one place that knows the backends."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from langchain_core.language_models import BaseChatModel

from agent.llm.embedded import EmbeddedServer
from agent.llm.errors import ModelError
from agent.llm.openai_compat import OpenAICompatChat
from agent.llm.scripted import ScriptedChat
from agent.llm.weights import resolve_gguf
from agent.settings import Settings


@dataclass
class LoadedModel:
    """A chat model and whatever keeps it alive (the embedded server)."""

    chat: BaseChatModel
    server: EmbeddedServer | None = field(default=None)

    async def problem(self) -> str | None:
        """Why the model cannot answer now (None: it can); a model server is asked for its models, briefly."""
        if not isinstance(self.chat, OpenAICompatChat):
            return None  # in-process: it answers if it loaded
        try:
            async with httpx.AsyncClient(timeout=2.0, headers=self.chat.headers()) as client:
                (await client.get(self.chat.base_url.rstrip("/") + "/models")).raise_for_status()
        except httpx.HTTPError as exc:
            return f"the model server does not answer ({exc.__class__.__name__})"
        return None

    def close(self) -> None:
        """Release the model (stops the embedded server, if any)."""
        if self.server is not None:
            self.server.close()
            self.server = None


def load_model(settings: Settings) -> LoadedModel:
    """Start or connect to the model that ``settings.model`` describes."""
    m = settings.model
    common = {"temperature": m.temperature, "max_tokens": m.max_tokens, "timeout_s": m.timeout_s}
    patience = {"ttft_timeout_s": m.ttft_timeout_s, "retries": m.retries}
    queue = {"max_concurrency": m.n_parallel, "queue_timeout_s": m.queue_timeout_s}
    if m.backend == "scripted":
        # Without a script it can only say so; tests pass their own ScriptedChat.
        return LoadedModel(ScriptedChat(fn=lambda _m, _k: "(scripted backend: no script configured)"))
    if m.backend == "openai":
        if not m.base_url:
            raise ModelError("The openai backend needs a server: set CONCIERGE_MODEL__BASE_URL "
                             "(e.g. http://localhost:8001/v1 for vLLM).")
        return LoadedModel(OpenAICompatChat(base_url=m.base_url, api_key=m.api_key, model=m.served_model,
                                            **common, **queue, **patience))
    if m.backend == "transformers":
        if m.checkpoint is None:
            raise ModelError("The transformers backend needs a checkpoint: set CONCIERGE_MODEL__CHECKPOINT to a "
                             "Hugging Face model folder.")
        from agent.llm.transformers_backend import TransformersChat

        return LoadedModel(TransformersChat(checkpoint=str(m.checkpoint), device=m.device, **common))
    gguf = resolve_gguf(m.name, m.gguf_path, settings.models_dir)
    server = EmbeddedServer(gguf, n_ctx=m.n_ctx, n_threads=m.n_threads, n_parallel=m.n_parallel,
                            verbose=settings.log_level.upper() == "DEBUG", slot_dir=settings.data_dir / "slots")
    return LoadedModel(OpenAICompatChat(base_url=server.base_url, model=m.name, **common, **queue, **patience),
                       server)
