"""The tool runner: the only way a tool runs, and where the rules no prompt can enforce live.

- Authorisation: customer tools need a signed-in customer (and check ownership themselves).
- Confirmation: a write returns a preview and does nothing until the exact
  arguments (their hash) are confirmed; a changed argument needs a new confirmation.
- Approval: ``approval`` tools, and writes whose rule says so (large refunds),
  also need a human agent's approval.
- Idempotency: a confirmed write applied once is never applied again under the same key.
- Audit: every write attempt, with who confirmed and approved, its result and time.
- Errors: a tool's failure is a short customer-safe message; the store is rolled back.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tools.api import Access, Risk, Tool, ToolContext, ToolError
from tools.audit import ToolAudit
from tools.auth import Authenticated
from tools.clock import Clock
from tools.registry import Registry, UnknownTool

log = logging.getLogger(__name__)
FAILED = "Something went wrong on our side, and nothing was changed. Please try again, or ask for a person."


class Status(StrEnum):
    """What became of a tool call."""

    OK = "ok"
    ERROR = "error"
    CONFIRM = "needs_confirmation"
    APPROVAL = "needs_approval"


@dataclass
class ToolResult:
    """The outcome of one tool call."""

    status: Status
    tool: str
    args: dict[str, Any] = field(default_factory=dict)
    data: Any = None
    message: str = ""
    args_hash: str = ""
    authenticated: str | None = None
    replayed: bool = False

    @property
    def ok(self) -> bool:
        """True when the tool ran (or had run) successfully."""
        return self.status is Status.OK


def args_hash(tool: str, args: dict[str, Any]) -> str:
    """The fingerprint of a call that a confirmation refers to."""
    return hashlib.sha256(json.dumps([tool, args], sort_keys=True, default=str).encode()).hexdigest()


def jsonable(value: Any) -> Any:
    """A JSON-safe copy (dates become ISO strings) for the audit log."""
    return json.loads(json.dumps(value, default=str))


def _default_key(conversation_id: str, customer_id: str | None, digest: str) -> str:
    # The same confirmed call in the same conversation is one write, however often it is re-run.
    return hashlib.sha256(f"{conversation_id}|{customer_id}|{digest}".encode()).hexdigest()


class ToolRunner:
    """Runs registered tools under the rules above."""

    def __init__(self, registry: Registry, engine: Engine, settings: Any = None, *, clock: Clock) -> None:
        self.registry = registry
        self.engine = engine
        self.settings = settings
        self.clock = clock

    def run(self, name: str, args: dict[str, Any], *, customer_id: str | None, conversation_id: str = "",
            confirmed: str | None = None, approved_by: str | None = None,
            idempotency_key: str | None = None) -> ToolResult:
        """Run ``name`` with ``args`` for ``customer_id``; writes need ``confirmed`` = the preview's hash."""
        try:
            tool = self.registry.get(name)
        except UnknownTool:
            return ToolResult(Status.ERROR, name, args, message=f"There is no tool called {name!r}.")
        try:
            clean = tool.validate(args)
        except ToolError as exc:
            return ToolResult(Status.ERROR, name, args, message=str(exc))
        if tool.access is Access.CUSTOMER and not customer_id:
            return ToolResult(Status.ERROR, name, clean,
                              message="You need to be signed in for that. Please sign in first.")
        digest = args_hash(name, clean)
        with Session(self.engine) as session:
            ctx = ToolContext(session=session, customer_id=customer_id, conversation_id=conversation_id,
                              settings=self.settings, now=self.clock.now(),
                              idempotency_key=idempotency_key or _default_key(conversation_id, customer_id, digest))
            if tool.risk is Risk.READ:
                return self._execute(tool, ctx, clean, digest, audit=False)
            return self._write(tool, ctx, clean, digest, confirmed, approved_by)

    def _write(self, tool: Tool, ctx: ToolContext, args: dict[str, Any], digest: str,
               confirmed: str | None, approved_by: str | None) -> ToolResult:
        earlier = ctx.session.exec(select(ToolAudit).where(ToolAudit.idempotency_key == ctx.idempotency_key)).first()
        if earlier is not None:
            return ToolResult(Status.OK, tool.name, args, data=earlier.result, replayed=True)
        # Dry run: check the preconditions now, so nobody confirms something that cannot happen.
        try:
            preview = tool(ctx, **args)
        except ToolError as exc:
            return ToolResult(Status.ERROR, tool.name, args, message=str(exc))
        except Exception:
            log.exception("tool %s failed in its dry run", tool.name)
            return ToolResult(Status.ERROR, tool.name, args, message=FAILED)
        finally:
            ctx.session.rollback()
        if confirmed != digest:
            return ToolResult(Status.CONFIRM, tool.name, args, data=preview, message=tool.describe(args, preview),
                              args_hash=digest)
        needs_approval = tool.risk is Risk.APPROVAL or (tool.approval_if is not None
                                                          and tool.approval_if(ctx, args, preview))
        if needs_approval and not approved_by:
            return ToolResult(Status.APPROVAL, tool.name, args, data=preview, message=tool.describe(args, preview),
                              args_hash=digest)
        audit = {"confirmed_by": f"customer:{ctx.customer_id}" if ctx.customer_id else "customer",
                 "approved_by": approved_by}
        return self._execute(tool, ctx, args, digest, audit=True, **audit)

    def _execute(self, tool: Tool, ctx: ToolContext, args: dict[str, Any], digest: str, *, audit: bool,
                 confirmed_by: str | None = None, approved_by: str | None = None) -> ToolResult:
        session = ctx.session
        entry = dict(conversation_id=ctx.conversation_id, customer_id=ctx.customer_id, tool=tool.name,
                     plugin=tool.plugin, risk=tool.risk.value, args=jsonable(args), args_hash=digest,
                     confirmed_by=confirmed_by, approved_by=approved_by, created_at=ctx.now)
        try:
            data = tool(ctx, **args)
            authenticated = data.customer_id if isinstance(data, Authenticated) else None
            if authenticated is not None:
                data = authenticated
            if audit:
                session.add(ToolAudit(idempotency_key=ctx.idempotency_key, status="applied",
                                      result=jsonable(data), **entry))
            session.commit()
            return ToolResult(Status.OK, tool.name, args, data=data, authenticated=authenticated)
        except IntegrityError:
            # Another run applied the same write first (a retry racing the original).
            session.rollback()
            done = session.exec(select(ToolAudit).where(ToolAudit.idempotency_key == ctx.idempotency_key)).first()
            if done is None:
                raise
            return ToolResult(Status.OK, tool.name, args, data=done.result, replayed=True)
        except ToolError as exc:
            session.rollback()
            message = str(exc)
        except Exception:
            session.rollback()
            log.exception("tool %s failed", tool.name)
            message = FAILED
        if audit:
            with Session(self.engine) as log_session:
                log_session.add(ToolAudit(status="failed", error=message, **entry))
                log_session.commit()
        return ToolResult(Status.ERROR, tool.name, args, message=message)
