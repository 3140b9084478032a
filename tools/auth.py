"""Authentication of a chat customer, in the three modes of ``CONCIERGE_TOOLS__AUTH_MODE``.

- ``token``: only the widget's signed customer token counts (production default).
- ``email_code``: a one-time code goes to the address on file (in the demo: a
  file in the outbox folder) and must be typed back.
- ``tau``: an email, or name + zip, is enough, as τ-bench's policy allows (opt in).

A tool proves identity by returning :class:`Authenticated`; only the runner
turns that into a signed-in conversation, so the model cannot.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Field, SQLModel, col, select

from tools.api import ToolContext, ToolError

NOT_SIGNED_IN = ("For your security I can only help with an account you are signed in to. "
                 "Please sign in on the website and open the chat again.")
CODE_SENT = "If that matches an account, we sent a 6-digit code to its email address. Please type the code here."


@dataclass(frozen=True)
class Authenticated:
    """Returned by an authentication tool that verified ``customer_id``."""

    customer_id: str


class EmailCode(SQLModel, table=True):
    """A one-time code sent to a customer's email address for one conversation."""

    __tablename__ = "email_codes"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(index=True)
    customer_id: str
    code_hash: str
    expires_at: datetime
    attempts: int = 0
    used: bool = False


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def auth_mode(ctx: ToolContext) -> str:
    """The configured mode (``token`` when the tool runs without settings)."""
    return getattr(getattr(ctx.settings, "tools", None), "auth_mode", "token")


def identify(ctx: ToolContext, customer_id: str | None, email: str | None) -> Authenticated | str:
    """Handle a claim "I am ``customer_id``" (None: no such customer) according to the mode."""
    mode = auth_mode(ctx)
    if mode == "tau":
        if customer_id is None:
            raise ToolError("Error: user not found")
        return Authenticated(customer_id)
    if mode == "token":
        if customer_id is not None and customer_id == ctx.customer_id:
            return Authenticated(customer_id)
        raise ToolError(NOT_SIGNED_IN)
    # email_code: the same answer whether or not the account exists (no account enumeration).
    if customer_id is not None and email:
        send_code(ctx, customer_id, email)
    return CODE_SENT


def send_code(ctx: ToolContext, customer_id: str, email: str) -> None:
    """Create a one-time code for this conversation and 'email' it (write it to the outbox)."""
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = getattr(getattr(ctx.settings, "tools", None), "email_code_ttl_s", 600)
    ctx.session.add(EmailCode(conversation_id=ctx.conversation_id, customer_id=customer_id, code_hash=_hash(code),
                              expires_at=ctx.now + timedelta(seconds=ttl)))
    outbox = getattr(ctx.settings, "outbox_dir", None)
    if outbox is not None:
        outbox.mkdir(parents=True, exist_ok=True)
        stamp = ctx.now.strftime("%Y%m%dT%H%M%S")
        (outbox / f"{stamp}-{customer_id}.txt").write_text(
            f"To: {email}\nSubject: Your verification code\n\n"
            f"Your code is {code}. It expires in {ttl // 60} minutes.\n")


def verify_code(ctx: ToolContext, code: str) -> Authenticated:
    """Check ``code`` against the latest code of this conversation."""
    row = ctx.session.exec(select(EmailCode).where(EmailCode.conversation_id == ctx.conversation_id)
                           .order_by(col(EmailCode.id).desc())).first()
    limit = getattr(getattr(ctx.settings, "tools", None), "email_code_attempts", 5)
    if row is None or row.used:
        raise ToolError("There is no code waiting for this chat. Tell me your email address and I'll send one.")
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if ctx.now > expires or row.attempts >= limit:
        raise ToolError("That code has expired. Tell me your email address and I'll send a new one.")
    row.attempts += 1
    ctx.session.add(row)
    if not hmac.compare_digest(row.code_hash, _hash(code.strip())):
        # Committed even though the call fails: attempts must count.
        ctx.session.commit()
        raise ToolError("That code is not right. Please check the email and try again.")
    row.used = True
    return Authenticated(row.customer_id)

