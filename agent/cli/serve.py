"""`concierge serve`, `concierge slack socket` and `concierge token`: run the product, sign a customer in."""

from __future__ import annotations

from typing import Annotated

import typer

from agent.cli.console import console, fail, load_settings
from agent.cli.groups import app
from agent.logs import configure_logging
from tools.clock import SystemClock

slack_app = typer.Typer(help="The Slack app of the support team.", no_args_is_help=True)
app.add_typer(slack_app, name="slack")


@app.command()
def token(customer_id: str,
          ttl: Annotated[int | None, typer.Option(
              help="seconds until it expires (default CONCIERGE_WEB__CUSTOMER_TOKEN_TTL_S, 3600)", min=1)] = None,
          site_key: Annotated[str | None, typer.Option(help="only valid with this widget site key (the aud claim)")]
          = None) -> None:
    """Print a customer token (a JWT) that signs CUSTOMER_ID in to the widget and the API, as a site's backend would."""
    from agent.conversations.identity import sign_customer

    settings = load_settings()
    typer.echo(sign_customer(customer_id, settings.identity_secrets()[0], now=SystemClock().now(),
                             ttl_s=ttl or settings.web.customer_token_ttl_s, site_key=site_key))


@app.command()
def serve(host: Annotated[str | None, typer.Option()] = None,
          port: Annotated[int | None, typer.Option()] = None,
          workers: Annotated[int, typer.Option(min=1, help="server processes (more than one needs Postgres)")] = 1,
          ) -> None:
    """Serve the API, the widget and its demo page (default http://127.0.0.1:8000/demo)."""
    if workers > 1:
        _serve_workers(host, port, workers)
    else:
        _serve(host, port, slack_socket_mode=False)


@slack_app.command("socket")
def slack_socket(host: Annotated[str | None, typer.Option()] = None,
                 port: Annotated[int | None, typer.Option()] = None) -> None:
    """Serve as `concierge serve` does, with the Slack app connected over Socket Mode (no public URL needed)."""
    settings = load_settings()
    s = settings.slack
    missing = [name for name, value in (("BOT_TOKEN", s.bot_token), ("APP_TOKEN", s.app_token),
                                        ("CHANNEL", s.channel)) if value is None]
    if missing:
        raise fail("Socket Mode needs " + ", ".join(f"CONCIERGE_SLACK__{m}" for m in missing) +
                    " (see README, section Slack).")
    _serve(host, port, slack_socket_mode=True)


def _serve_workers(host: str | None, port: int | None, workers: int) -> None:
    """Several server processes on one port, sharing Postgres, the model and the help center.

    The embedded model is loaded once, here, and the workers use it over HTTP; each worker serves a
    read-only snapshot of the embedded help center (or the Qdrant server of CONCIERGE_QDRANT__URL).
    """
    import os

    import uvicorn

    from agent.db import make_engine, upgrade_schema
    from agent.llm.factory import load_model
    from agent.server import server_options
    from tools.registry import load_registry

    settings = load_settings()
    configure_logging(settings)
    if not settings.db_url.startswith("postgresql"):
        raise fail("--workers needs a database every process shares: set CONCIERGE_DB__URL=postgresql+psycopg://… "
                    "(SQLite serves one process)")
    host, port = host or settings.web.host, port or settings.web.port
    engine = make_engine(settings)
    upgrade_schema(engine, load_registry(settings.tools.plugins))  # once, before the workers race to
    engine.dispose()
    os.environ["CONCIERGE_QDRANT__READ_ONLY"] = "true"
    loaded = None
    if settings.model.backend == "embedded":
        console.print(f"loading {settings.model.name} once for {workers} workers…")
        loaded = load_model(settings)
        os.environ.update({"CONCIERGE_MODEL__BACKEND": "openai", "CONCIERGE_MODEL__SERVED_MODEL": settings.model.name,
                           "CONCIERGE_MODEL__BASE_URL": loaded.chat.base_url})  # type: ignore[attr-defined]
    console.print(f"{workers} workers; then open http://{host}:{port}/demo")
    try:
        uvicorn.run("agent.server:app_from_environment", factory=True, workers=workers, host=host, port=port,
                    **server_options(settings))
    finally:
        if loaded is not None:
            loaded.close()


def _serve(host: str | None, port: int | None, slack_socket_mode: bool) -> None:
    import uvicorn

    from agent.conversations.identity import WeakSecret
    from agent.server import create_app, server_config

    settings = load_settings()
    configure_logging(settings)
    host, port = host or settings.web.host, port or settings.web.port
    try:
        app = create_app(settings, slack_socket_mode=slack_socket_mode)
    except WeakSecret as exc:
        raise fail(str(exc)) from None
    console.print(f"loading the model and the knowledge base; then open http://{host}:{port}/demo")
    uvicorn.Server(server_config(app, settings, host, port)).run()
