"""The HTTP API of the web channel: conversations, messages, server-sent events.

Contract (relied on by the widget and the tests):

- ``POST /v1/conversations`` ``{"customer_token"?, "site_key"?}`` -> 201
  ``{"id", "customer_id", "customer_name", "access_token"}``
- Every other request on a conversation carries ``Authorization: Bearer <access_token>``: without it a 401
  that says what is missing; with a wrong one a 404, exactly as for an id that does not exist; a signed-in
  customer's conversation idle longer than ``CONCIERGE_WEB__CONVERSATION_TTL_S`` is a 401.
- ``POST /v1/conversations/{id}/messages`` ``{"text"}`` -> 202 ``{"accepted": true}``
- ``GET /v1/conversations/{id}/events`` -> SSE: ``token`` events while the reply
  streams, one ``message`` with the whole reply and its ``citations``, and
  ``error`` events for failures. Resumable with ``Last-Event-ID``.
- ``POST /v1/conversations/{id}/confirm`` ``{"confirm": bool}`` -> 202: the answer to a write's
  preview (a ``message`` event carrying ``confirm``); 409 when nothing waits for one.
- ``GET /v1/conversations/{id}`` -> the transcript.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status
from pydantic import BaseModel, Field, StrictBool
from sqlmodel import Session
from sse_starlette import EventSourceResponse, ServerSentEvent

from agent.app import Services
from agent.channels.bodies import RequestBody
from agent.channels.limits import RateLimits, client_address
from agent.channels.widget import allowed_origins
from agent.conversations.access import expired, holds, well_formed
from agent.conversations.events import parse_position
from agent.conversations.identity import InvalidToken, verify_customer
from agent.conversations.records import Conversation, is_conversation_id
from agent.conversations.service import Unavailable
from agent.settings import SiteSettings

log = logging.getLogger(__name__)
MAX_EVENT_ID = 2**63 - 1  # event ids are 64-bit integers in every store
NEEDS_TOKEN = ("This request needs the conversation's access token: send the header "
               "`Authorization: Bearer <access_token>` with the access_token that POST /v1/conversations returned.")


def get_services(request: Request) -> Services:
    """The process's services, started by the app's lifespan."""
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def bearer_token(authorization: Annotated[str | None, Header()] = None) -> str:
    """The access token of ``Authorization: Bearer <token>``; a 401 saying what is wrong otherwise."""
    if authorization is None:
        raise _unauthorized(NEEDS_TOKEN)
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("The Authorization header must be `Bearer <access_token>`. " + NEEDS_TOKEN)
    if not well_formed(token.strip()):
        raise _unauthorized("That is not an access token (they are 43 letters, digits, '-' and '_'). " + NEEDS_TOKEN)
    return token.strip()


def customer_conversation(conversation_id: str, services: ServicesDep,
                          token: Annotated[str, Depends(bearer_token)]) -> Conversation:
    """The conversation named in the path, for the holder of its access token.

    A wrong token gets the same 404 as an id that does not exist: knowing an id confirms nothing.
    """
    conversation = services.chat.get_conversation(conversation_id) if is_conversation_id(conversation_id) else None
    if conversation is None or not holds(conversation, token):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No conversation with this id and access token. "
                                                       "Create one with POST /v1/conversations.")
    if expired(conversation, services.clock.now(), services.settings.web.conversation_ttl_s):
        hours = services.settings.web.conversation_ttl_s / 3600
        raise _unauthorized(f"This conversation ended after {hours:g} hours without activity. "
                            "Start a new one with POST /v1/conversations.")
    return conversation


ConversationDep = Annotated[Conversation, Depends(customer_conversation)]


def get_limits(request: Request) -> RateLimits:
    """The app's rate limits."""
    return request.app.state.limits


LimitsDep = Annotated[RateLimits, Depends(get_limits)]


def per_client(request: Request, limits: LimitsDep) -> None:
    """Every customer request counts against its client address (guessing ids or tokens included)."""
    limits.hit(limits.per_ip, client_address(request), "requests from your network")


router = APIRouter(prefix="/v1", dependencies=[Depends(per_client)])


class CreateConversation(RequestBody):
    """Body of POST /v1/conversations."""

    customer_token: str | None = Field(default=None, description="the customer's JWT, from the site's backend")
    site_key: str | None = Field(default=None, max_length=100, description="the widget's site key")


class SiteView(BaseModel):
    """What the widget shows of the site's brand."""

    name: str
    greeting: str
    tagline: str


class ConversationCreated(BaseModel):
    """Response of POST /v1/conversations."""

    id: str
    customer_id: str | None
    customer_name: str | None = Field(description="the signed-in customer's name, to greet them by")
    access_token: str = Field(description="send as `Authorization: Bearer …` on every request on this conversation; "
                                          "shown only once")
    site: SiteView = Field(description="the brand of the site key (CONCIERGE_WEB__SITES), for the widget")


class PostMessage(RequestBody):
    """Body of POST /v1/conversations/{id}/messages."""

    text: str


class TranscriptEntry(BaseModel):
    """One message of a transcript."""

    role: str
    text: str
    citations: list[dict[str, Any]]
    created_at: str


class Transcript(BaseModel):
    """Response of GET /v1/conversations/{id}."""

    id: str
    customer_id: str | None
    customer_name: str | None
    site: SiteView
    mode: str
    messages: list[TranscriptEntry]
    last_event_id: int = Field(description="the latest event id: subscribe with ?after= this to get only new ones")


@router.post("/conversations", status_code=status.HTTP_201_CREATED, response_model=ConversationCreated)
def create_conversation(services: ServicesDep, body: CreateConversation | None = None) -> ConversationCreated:
    """Start a conversation; with a valid ``customer_token`` the customer is signed in."""
    body = body or CreateConversation()
    customer_id = None
    if body.site_key is not None and allowed_origins(services.settings, body.site_key) is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"Unknown site key {body.site_key!r}: add it to CONCIERGE_WEB__SITES.")
    if body.customer_token is not None:
        try:
            customer_id = verify_customer(body.customer_token, services.settings.identity_secrets(),
                                          now=services.clock.now(), site_key=body.site_key)
        except InvalidToken as exc:
            raise _unauthorized(str(exc)) from None
    conversation, token = services.chat.create_conversation(customer_id, body.site_key)
    return ConversationCreated(id=conversation.id, customer_id=customer_id,
                               customer_name=customer_name(services, customer_id), access_token=token,
                               site=site_view(services, body.site_key))


def site_view(services: Services, site_key: str | None) -> SiteView:
    """The brand the widget shows for ``site_key`` (a key since removed from the settings: the default)."""
    site = services.settings.site(site_key) or SiteSettings()
    return SiteView(name=site.name, greeting=site.greeting, tagline=site.tagline)


def customer_name(services: Services, customer_id: str | None) -> str | None:
    """The customer's name from the plugin that knows them (its ``customer_name`` hook), for the widget."""
    if customer_id is None:
        return None
    with Session(services.engine) as session:
        return services.runner.registry.hook.customer_name(session=session, customer_id=customer_id)


UNSTORED = HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                         "We could not take your message just now, and nothing was stored. Please try again in a "
                         "moment.", headers={"Retry-After": "5"})


class Confirmation(RequestBody):
    """Body of POST /v1/conversations/{id}/confirm."""

    confirm: StrictBool = Field(description="true applies exactly the previewed action, false cancels it")


@router.post("/conversations/{conversation_id}/messages", status_code=status.HTTP_202_ACCEPTED)
async def post_message(body: PostMessage, conversation: ConversationDep, services: ServicesDep,
                       limits: LimitsDep) -> dict[str, bool]:
    """Accept a customer message; the reply arrives on the events stream."""
    limits.hit(limits.per_conversation, conversation.id, "messages in this conversation")
    text = body.text.strip()
    limit = services.settings.web.max_message_chars
    if not text:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "text must not be empty")
    if len(text) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                            f"text is {len(text)} characters long; the limit is {limit}")
    try:  # stored with the job that answers it, or not at all: a 202 means it will be answered
        await asyncio.to_thread(services.chat.accept, conversation.id, text)
    except Unavailable:
        raise UNSTORED from None
    return {"accepted": True}


@router.post("/conversations/{conversation_id}/confirm", status_code=status.HTTP_202_ACCEPTED)
async def confirm(body: Confirmation, conversation: ConversationDep, services: ServicesDep,
                  limits: LimitsDep) -> dict[str, bool]:
    """Confirm or cancel the action the assistant previewed; the outcome arrives on the events stream."""
    limits.hit(limits.per_conversation, conversation.id, "messages in this conversation")
    if await services.chat.pending_confirmation(conversation) is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "Nothing in this conversation is waiting for a confirmation.")
    try:
        await asyncio.to_thread(services.chat.accept_confirmation, conversation.id, body.confirm)
    except Unavailable:
        raise UNSTORED from None
    return {"accepted": True}


@router.get("/conversations/{conversation_id}/events")
async def events(conversation: ConversationDep, services: ServicesDep, limits: LimitsDep,
                 last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=40)] = None,
                 after: Annotated[int | None, Query(ge=0, le=MAX_EVENT_ID,
                                                    description="replay events after this id")] = None,
                 ) -> EventSourceResponse:
    """Server-sent events of the conversation, replaying the stored ones after ``Last-Event-ID``."""
    start, part = after or 0, 0
    if last_event_id is not None:
        try:
            start, part = parse_position(last_event_id)
        except ValueError:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "Last-Event-ID must be an event id this "
                                "stream sent, such as 12 or 12.3") from None
        if start > MAX_EVENT_ID:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "Last-Event-ID is larger than any event id")
    close = limits.open_stream(conversation.id)

    async def stream() -> AsyncIterator[ServerSentEvent]:
        try:
            async for event in services.chat.events.subscribe(conversation.id, after=start, part=part):
                if event is None:
                    yield ServerSentEvent(comment="keep-alive")
                else:
                    yield ServerSentEvent(data=json.dumps(event.data), event=event.type, id=event.sse_id)
        finally:
            close()

    return EventSourceResponse(stream())


@router.get("/conversations/{conversation_id}", response_model=Transcript)
def get_transcript(conversation: ConversationDep, services: ServicesDep) -> Transcript:
    """The conversation so far."""
    cid = conversation.id
    return Transcript(id=cid, customer_id=conversation.customer_id,
                      customer_name=customer_name(services, conversation.customer_id),
                      site=site_view(services, conversation.site_key), mode=conversation.mode,
                      last_event_id=conversation.last_event_id, messages=[
        TranscriptEntry(role=m.role, text=m.text, citations=m.citations, created_at=m.created_at.isoformat())
        for m in services.chat.transcript(cid)])
