"""Plugin discovery through the entry-point group ``concierge.plugins``, and the tools they register.

A plugin is an installed distribution that declares, in its pyproject.toml::

    [project.entry-points."concierge.plugins"]
    store-credit = "concierge_store_credit.plugin"

naming a module that implements hooks of tools/hookspecs.py (``register_tools``
calls ``register(tool)`` for each of its tools). The built-in order and listing
systems load through the same group.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from typing import Any

import pluggy

from tools import hookspecs
from tools.api import Access, Risk, Tool

log = logging.getLogger(__name__)
GROUP = "concierge.plugins"
Register = Callable[[Tool], None]


class ToolCollision(RuntimeError):
    """Two plugins define a tool with the same name."""


class UnknownTool(KeyError):
    """No registered tool has that name."""


class Registry:
    """The plugins loaded in this process: their tools, each stamped with its plugin, and their other hooks."""

    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}
        self._manager = pluggy.PluginManager(hookspecs.PROJECT)
        self._manager.add_hookspecs(hookspecs)

    @property
    def hook(self) -> Any:
        """The plugins' hooks (tools/hookspecs.py), e.g. ``registry.hook.gather_facts(reader=…)``."""
        return self._manager.hook

    def check(self) -> None:
        """Refuse a plugin that implements a hook tools/hookspecs.py does not define (a misspelt name)."""
        self._manager.check_pending()

    def implementations(self, hook: str) -> list[tuple[str, Callable[..., Any]]]:
        """Each plugin's implementation of ``hook`` as (plugin, function), by plugin name: to call one at a time."""
        found = getattr(self._manager.hook, hook).get_hookimpls()
        return sorted(((impl.plugin_name, impl.function) for impl in found), key=lambda pair: pair[0])

    def plugins(self) -> list[str]:
        """The names of the loaded plugins, sorted."""
        return sorted(name for name, _ in self._manager.list_name_plugin())

    def add(self, tool: Tool, plugin: str) -> None:
        """Register ``tool`` as coming from ``plugin``; a second tool of the same name is an error."""
        if not isinstance(tool, Tool):
            raise TypeError(f"plugin {plugin!r} registered {tool!r}, which is not a @tool")
        existing = self._tools.get(tool.name)
        if existing is not None:
            raise ToolCollision(f"Tool name {tool.name!r} is defined by both plugin {existing.plugin!r} and "
                                f"plugin {plugin!r}. Rename one, or leave one plugin out of CONCIERGE_TOOLS__PLUGINS.")
        self._tools[tool.name] = tool.stamped(plugin)

    def load(self, plugin: str, implementation: object) -> None:
        """Load one plugin: its hooks, and the tools its ``register_tools`` registers (stamped with its name)."""
        self._manager.register(implementation, name=plugin)
        register_tools: Callable[[Register], None] | None = getattr(implementation, "register_tools", None)
        if register_tools is not None:
            register_tools(lambda t: self.add(t, plugin))

    def get(self, name: str) -> Tool:
        """The tool called ``name``."""
        try:
            return self._tools[name]
        except KeyError:
            raise UnknownTool(name) from None

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self):
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def names(self) -> list[str]:
        """All tool names, sorted."""
        return sorted(self._tools)

    def select(self, *, risks: Iterable[Risk] | None = None, access: Iterable[Access] | None = None) -> list[Tool]:
        """Tools filtered by risk and access."""
        risks, access = set(risks or Risk), set(access or Access)
        return [t for t in self._tools.values() if t.risk in risks and t.access in access]


def installed() -> list[str]:
    """The names of the installed plugins (entry points of ``concierge.plugins``), sorted."""
    return sorted(ep.name for ep in entry_points(group=GROUP))


def load_registry(allow: Iterable[str] | None = None) -> Registry:
    """Discover and load every ``concierge.plugins`` plugin (only those in ``allow``, when given)."""
    allowed = set(allow) if allow is not None else None
    registry = Registry()
    found = sorted(entry_points(group=GROUP), key=lambda ep: ep.name)
    for ep in found:
        if allowed is not None and ep.name not in allowed:
            log.info("plugin %s is installed but not allowed; skipping", ep.name)
            continue
        registry.load(ep.name, ep.load())
    registry.check()
    missing = (allowed or set()) - {ep.name for ep in found}
    if missing:
        raise RuntimeError(f"Allowed plugin(s) {', '.join(sorted(missing))} are not installed "
                           f"(installed: {', '.join(ep.name for ep in found) or 'none'}).")
    return registry


def each_installed() -> list[Registry]:
    """Every installed plugin in a registry of its own: to list them, or add their commands, even when two
    of them name the same tool (which only stops them being served together)."""
    return [load_registry([name]) for name in installed()]
