"""The tool plugin API: what a tool receives and how it fails.

A tool is a typed function whose first argument is a :class:`ToolContext`.
Dependencies come from the context, never from globals, so the runner decides
who the customer is -- the model never does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session


class ToolError(Exception):
    """A failure whose message is safe to show the customer (and the model)."""


@dataclass(frozen=True)
class ToolContext:
    """What a tool may use: the database session and the authenticated customer."""

    session: Session
    customer_id: str | None

    def require_customer(self) -> str:
        """The authenticated customer's id, or a :class:`ToolError` asking them to sign in."""
        if not self.customer_id:
            raise ToolError("You need to be signed in for that. Please sign in and ask again.")
        return self.customer_id
