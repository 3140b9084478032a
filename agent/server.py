"""create_app(): the FastAPI application."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Unpack

import uvicorn
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent.app import Overrides, build
from agent.channels import web, widget
from agent.channels.bodies import BodyLimit
from agent.channels.limits import RateLimits
from agent.conversations.jobs import Workers
from agent.conversations.service import TURN
from agent.migrations import pending
from agent.settings import Settings, get_settings
from agent.staff import agents, help_center

log = logging.getLogger(__name__)


def _describe(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        return "the request body is not valid JSON"
    where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
    return f"{where}: {error.get('msg', 'invalid').removeprefix('Value error, ')}"


async def _connect_socket_mode(slack: Any, settings: Settings) -> Any:
    """Connect the Slack app over Socket Mode (no public URL needed)."""
    try:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
    except ImportError:  # aiohttp is an extra: most deployments receive Slack's events over HTTP
        raise RuntimeError("Socket Mode needs aiohttp: pip install 'concierge[slack-socket]'.") from None
    if slack is None or settings.slack.app_token is None:
        raise RuntimeError("Socket Mode needs CONCIERGE_SLACK__BOT_TOKEN, CONCIERGE_SLACK__CHANNEL and "
                           "CONCIERGE_SLACK__APP_TOKEN (an xapp- token with connections:write).")
    handler = AsyncSocketModeHandler(slack.app, settings.slack.app_token.get_secret_value())
    await handler.connect_async()
    return handler


def create_app(settings: Settings | None = None, *, limits: RateLimits | None = None, slack_socket_mode: bool = False,
               **overrides: Unpack[Overrides]) -> FastAPI:
    """The app, its services built by :func:`agent.app.build`; ``overrides`` and ``limits`` replace the configured
    parts (tests pass fakes).

    With a Slack bot token configured, Slack's requests arrive at ``/slack/events``; with
    ``slack_socket_mode`` the same Slack app connects over Socket Mode instead.
    """
    settings = settings or get_settings()
    settings.identity_secrets()  # an empty or short secret would make every customer forgeable: refuse to start

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with build(settings, **overrides) as services:
            app.state.services = services
            app.state.limits = limits or RateLimits.configured(settings.web, services.engine)
            # This process's workers: they run the turns (and Slack relays) of every process's customers.
            workers = Workers(services.chat.jobs, concurrency=settings.model.n_parallel + 2)
            workers.handle(TURN, services.chat.run, on_give_up=services.chat.turns.give_up)
            app.state.slack = None
            if settings.slack.bot_token is not None:
                from agent.staff.slack import SlackChannel

                app.state.slack = SlackChannel(services, workers)
            socket = await _connect_socket_mode(app.state.slack, settings) if slack_socket_mode else None
            running = asyncio.create_task(workers.run())
            try:
                yield
            finally:
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running
                if socket is not None:
                    await socket.close_async()

    # FastAPIOffline: /docs serves Swagger UI's files from the package, not from a CDN (no internet needed).
    app = FastAPIOffline(title="Concierge", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.ingest_lock = asyncio.Lock()
    app.include_router(web.router)
    app.include_router(agents.router)
    app.include_router(help_center.router)
    app.include_router(widget.router)
    app.add_middleware(widget.OriginCheck, settings=settings)
    app.add_middleware(BodyLimit)  # added last, so it runs first: nothing reads a body it refuses

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Never a stack trace or an exception's text to a client: a sentence, and the detail in the log.
        log.exception("unhandled error in %s %s", request.method, request.url.path)
        return JSONResponse(status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
                            content={"detail": "Something went wrong on our side; nothing was changed. "
                                               "Please try again."})

    @app.exception_handler(SQLAlchemyError)
    async def database_down(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        # The database went away (or its disk is full): a sentence and a retry hint, not a 500.
        log.error("database error in %s %s: %s", request.method, request.url.path, exc.__class__.__name__)
        return JSONResponse(status_code=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"},
                            content={"detail": "We cannot reach our database just now, and nothing was stored. "
                                               "Please try again in a moment."})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own 404/405 say only "Not Found": say which path, and where the API is described.
        detail = exc.detail
        if exc.status_code in (404, 405) and detail in ("Not Found", "Method Not Allowed"):
            detail = (f"No {request.method} {request.url.path} here" if exc.status_code == 405
                      else f"No page or API at {request.url.path}") + "; the API is described at /docs."
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # One readable sentence instead of pydantic's error list, plus the list for machines.
        errors = list(exc.errors())
        return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
                            content={"detail": "; ".join(_describe(e) for e in errors),
                                     "errors": [{"loc": e.get("loc"), "msg": e.get("msg")} for e in errors]})

    @app.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Any:
        """Slack's events, actions and commands; bolt checks each request's signature."""
        if request.app.state.slack is None:
            return JSONResponse(status_code=status.HTTP_404_NOT_FOUND, content={
                "detail": "Slack is off: set CONCIERGE_SLACK__BOT_TOKEN, CONCIERGE_SLACK__SIGNING_SECRET and "
                          "CONCIERGE_SLACK__CHANNEL."})
        from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

        if not request.headers.get("x-slack-request-timestamp", "").isdigit():  # bolt would crash on int()
            return JSONResponse(status_code=status.HTTP_401_UNAUTHORIZED, content={
                "detail": "X-Slack-Request-Timestamp is missing or not a number: this is not a request from Slack."})
        return await AsyncSlackRequestHandler(request.app.state.slack.app).handle(request)

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        """Liveness: the process answers (whether it can serve customers is /readyz's question)."""
        return {"status": "ok", "model": {"backend": settings.model.backend, "name": settings.model.name}}

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        """Whether this process can serve customers: model, database, schema and help center, each with why not."""
        services = request.app.state.services
        checks = {"model": await services.model.problem(),
                  **await asyncio.to_thread(_store_problems, services)}
        ready = not any(checks.values())
        return JSONResponse(status_code=200 if ready else 503, content={
            "status": "ready" if ready else "not ready",
            "checks": {name: problem or "ok" for name, problem in checks.items()}})

    return app


def server_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves the app: the one place that decides whose ``X-Forwarded-For`` is believed.

    Only the configured trusted proxies' (``CONCIERGE_WEB__TRUSTED_PROXIES``). Uvicorn's own default
    trusts 127.0.0.1, which would let any local client choose its address and escape the per-address limits.
    """
    trusted = settings.web.trusted_proxies
    # log_config=None: uvicorn's loggers go through the privacy filter of agent/logs.py like everyone's.
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": ",".join(trusted) if trusted else "",
            "log_config": None, "log_level": settings.log_level.lower()}


def server_config(app: FastAPI, settings: Settings, host: str, port: int, **options: Any) -> uvicorn.Config:
    """The uvicorn config of one process serving ``app`` (``options`` override :func:`server_options`)."""
    return uvicorn.Config(app, host=host, port=port, **{**server_options(settings), **options})


def app_from_environment() -> FastAPI:
    """The app as configured by the environment: what each of `concierge serve --workers N` runs."""
    from agent.logs import configure_logging

    settings = get_settings()
    configure_logging(settings)
    return create_app(settings)


def _store_problems(services: Any) -> dict[str, str | None]:
    """The database, its schema and the help center: what is wrong with each (None: nothing)."""
    out: dict[str, str | None] = {"database": None, "migrations": None, "help_center": None}
    try:
        with services.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        missing = pending(services.engine, services.runner.registry)
        out["migrations"] = f"not applied: {', '.join(missing)} (run `concierge db upgrade`)" if missing else None
    except SQLAlchemyError as exc:
        out["database"] = f"the database does not answer ({exc.__class__.__name__})"
        out["migrations"] = "unknown: the database does not answer"
    try:
        chunks = services.retriever.store.count()
        out["help_center"] = None if chunks else "no articles: run `concierge ingest`"
    except Exception as exc:
        out["help_center"] = f"cannot be searched ({exc.__class__.__name__})"
    return out
