"""The audit log of tool writes, which is also their idempotency record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class ToolAudit(SQLModel, table=True):
    """One attempted write: who asked, who confirmed or approved, what happened, when."""

    __tablename__ = "tool_audit"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str | None = Field(default=None, unique=True, index=True,
                                        description="set on applied writes: the same key never applies twice")
    conversation_id: str = Field(default="", index=True)
    customer_id: str | None = Field(default=None, index=True)
    tool: str
    plugin: str
    risk: str
    args: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    args_hash: str
    status: str = Field(description="applied | failed")
    result: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    error: str | None = None
    confirmed_by: str | None = None
    approved_by: str | None = None
    created_at: datetime
