"""Concierge tools: the plugin API and the built-in order and listing systems."""

from tools.api import ToolContext, ToolError

__all__ = ["ToolContext", "ToolError"]
