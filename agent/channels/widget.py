"""The embeddable widget: the loader script, the chat page it frames, the demo host page, and who may embed it.

A site key names a site and the origins allowed to embed its widget
(``CONCIERGE_WEB__SITES``). The chat page is served with a CSP whose
``frame-ancestors`` lists exactly those origins (and this server), and API calls
that come from another origin (CORS) must carry a site key that allows it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import FileResponse, JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.settings import Settings

STATIC = Path(str(resources.files("agent.channels") / "static"))
router = APIRouter(include_in_schema=False)
# The chat runs its own script and styles only; it talks to this server only.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}")


def allowed_origins(settings: Settings, site_key: str | None) -> list[str] | None:
    """The origins allowed to embed ``site_key`` (besides this server), or None for an unknown key."""
    if site_key is None:
        return None
    site = settings.site(site_key)
    return site.origins if site is not None else None


def _settings(request: Request) -> Settings:
    return request.app.state.settings


@router.get("/widget.js")
def loader() -> FileResponse:
    """The one script a site adds."""
    return FileResponse(STATIC / "widget.js", media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=300"})


@router.get("/widget")
def chat_page(request: Request, site_key: str = Query(description="the site's widget key")) -> FileResponse:
    """The chat, framed by the loader; only the site key's origins may frame it."""
    origins = allowed_origins(_settings(request), site_key)
    if origins is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"Unknown site key {site_key!r}: add it to CONCIERGE_WEB__SITES.")
    return FileResponse(STATIC / "widget.html", headers={
        "Content-Security-Policy": CSP.format(ancestors=" ".join(["'self'", *origins])),
        "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"})


@router.get("/widget/app.js")
def chat_script() -> FileResponse:
    """The chat's code."""
    return FileResponse(STATIC / "widget-app.js", media_type="text/javascript")


@router.get("/widget/strings.js")
def chat_strings() -> FileResponse:
    """The chat's own words in each language it speaks."""
    return FileResponse(STATIC / "widget-strings.js", media_type="text/javascript")


@router.get("/widget/app.css")
def chat_styles() -> FileResponse:
    """The chat's styles."""
    return FileResponse(STATIC / "widget.css", media_type="text/css")


@router.get("/")
def full_page() -> FileResponse:
    """The chat as a full page (``#token=`` signs in), for trying it without a host site."""
    return FileResponse(STATIC / "widget.html", headers={"Content-Security-Policy": CSP.format(ancestors="'self'")})


@router.get("/demo")
def demo() -> FileResponse:
    """A fake store page with the widget on it."""
    return FileResponse(STATIC / "demo.html")


CORS_HEADERS = "Authorization, Content-Type, Last-Event-ID, X-Site-Key"


class OriginCheck:
    """Let other origins call the customer API only when their site key allows them (CORS).

    Plain ASGI rather than ``@app.middleware("http")``: that runs every response, each streamed token
    included, through extra tasks and memory streams (a tenth of the server's CPU under `concierge bench load`).
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/conversations"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if not origin or origin == f"{scope['scheme']}://{headers.get('host', '')}":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":  # a preflight carries no site key: any site allowing the origin will do
            if not any(origin in (allowed_origins(self.settings, key) or []) for key in self.settings.web.sites):
                await JSONResponse({"detail": f"Origin {origin} may not use this API."},
                                   status.HTTP_403_FORBIDDEN)(scope, receive, send)
                return
            await Response(status_code=status.HTTP_204_NO_CONTENT, headers={
                "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Methods": "GET, POST",
                "Access-Control-Allow-Headers": CORS_HEADERS, "Access-Control-Max-Age": "600",
                "Vary": "Origin"})(scope, receive, send)
            return
        origins = allowed_origins(self.settings, headers.get("x-site-key"))
        if origins is None or origin not in origins:
            await JSONResponse({"detail": f"Origin {origin} is not allowed for this site key; add it to the "
                                          "site's origins in CONCIERGE_WEB__SITES."},
                               status.HTTP_403_FORBIDDEN)(scope, receive, send)
            return

        async def allowing(message: Message) -> None:
            if message["type"] == "http.response.start":
                added = MutableHeaders(scope=message)
                added["Access-Control-Allow-Origin"] = origin
                added["Vary"] = "Origin"
            await send(message)

        await self.app(scope, receive, allowing)
