"""The tool plugin API: ``@tool``, what a tool receives, and how it fails.

A tool is a typed Python function whose first parameter is a :class:`ToolContext`::

    @tool(risk=Risk.WRITE)
    def issue_store_credit(ctx: ToolContext, amount: Annotated[float, Field(gt=0, le=100)]) -> dict:
        \"\"\"Give the signed-in customer store credit.\"\"\"
        ...

Its name is the function's name, its description the docstring, its argument
schema comes from the type hints (pydantic), and its dependencies (database
session, the authenticated customer, settings) come from the context, never
from globals. The runner (tools/runner.py) is the only thing that calls it.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, get_type_hints, overload

from pydantic import BaseModel, ConfigDict, ValidationError, create_model
from sqlmodel import Session


class ToolError(Exception):
    """A failure whose message is safe to show the customer (and the model)."""


class Risk(StrEnum):
    """What running a tool can do, and so what it needs first."""

    READ = "read"  # reads only; runs at once
    WRITE = "write"  # changes records; needs the customer's confirmation of the exact arguments
    APPROVAL = "approval"  # needs a human agent's approval


class Access(StrEnum):
    """Who may run a tool."""

    PUBLIC = "public"  # anyone, signed in or not (catalogue, help, calculator)
    AUTH = "auth"  # the authentication tools themselves
    CUSTOMER = "customer"  # only a signed-in customer, and only on their own records


@dataclass(frozen=True)
class ToolContext:
    """What a tool may use. Built by the runner; the model never chooses any of it."""

    session: Session
    customer_id: str | None
    now: datetime  # from the runner's clock (tools/clock.py): never read the wall clock in a tool
    conversation_id: str = ""
    settings: Any = None
    idempotency_key: str = ""

    def require_customer(self) -> str:
        """The authenticated customer's id, or a :class:`ToolError` asking them to sign in."""
        if not self.customer_id:
            raise ToolError("You need to be signed in for that. Please sign in and ask again.")
        return self.customer_id


ApprovalRule = Callable[[ToolContext, dict[str, Any], Any], bool]
# Whether a tool may be offered given the facts in focus (an agent.engine.facts.Facts; see tools/hookspecs.py).
Prepare = Callable[[Any], bool]
# A write's effect in words, from its arguments and its dry run's (or its applied run's) result.
Preview = Callable[[dict[str, Any], Any], str]
# A read's result as the answer prompt gets it (shorter than the full record).
Render = Callable[[Any], str]
# Whether an argument's value appears in the conversation (lower-cased): the model did not invent it.
Said = Callable[[str, str], bool]


def said(value: str, conversation: str) -> bool:
    """The default grounding check: the value appears in the (lower-cased) conversation as it is."""
    return value.lower() in conversation


@dataclass(frozen=True)
class Example:
    """A few-shot line for the router: what a customer says, and the arguments this tool then takes."""

    said: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Tool:
    """A tool the agent can call, with everything the runner needs to call it safely."""

    name: str
    description: str
    fn: Callable[..., Any]
    args_model: type[BaseModel]
    risk: Risk = Risk.READ
    access: Access = Access.CUSTOMER
    plugin: str = ""
    approval_if: ApprovalRule | None = None
    offered: bool = True  # False: registered for replays and staff, never offered to the router
    auth_modes: frozenset[str] | None = None  # an AUTH tool used only in these auth modes (None: all)
    prepare: Prepare | None = None
    # Arguments whose values must appear in the conversation or the facts, each with its check.
    grounded: Mapping[str, Said] = field(default_factory=dict)
    # Arguments only the customer's own words may give (a reason that decides a refund): the facts do not count.
    stated: Mapping[str, Said] = field(default_factory=dict)
    example: Example | None = None
    preview: Preview | None = None
    render: Render | None = None

    @cached_property
    def _schema(self) -> dict[str, Any]:
        # Built once per tool: the router offers every tool's schema on every turn. Nested models' $defs are
        # inlined: the router puts each tool's schema inside one decision schema, where "#/$defs/…" would
        # point at the wrong root.
        schema = self.args_model.model_json_schema()
        return _untitled(_inlined(schema, schema.pop("$defs", {})))

    def parameters(self) -> dict[str, Any]:
        """The JSON schema of the arguments (what the model must produce); treat it as read-only."""
        return self._schema

    def validate(self, args: dict[str, Any]) -> dict[str, Any]:
        """Validated, coerced arguments; :class:`ToolError` naming what is wrong otherwise."""
        try:
            return self.args_model.model_validate(args).model_dump()
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors())
            raise ToolError(f"Invalid arguments for {self.name}: {problems}") from None

    def __call__(self, ctx: ToolContext, **args: Any) -> Any:
        return self.fn(ctx, **args)

    def is_grounded(self, args: dict[str, Any], conversation: str, customer_said: str | None = None) -> bool:
        """Whether every grounded argument in ``args`` appears in ``conversation`` (what was said and the facts),
        and every ``stated`` one in what the customer said (``customer_said``; default ``conversation``)."""
        seen, theirs = conversation.lower(), (conversation if customer_said is None else customer_said).lower()
        return (all(check(str(args[k]), seen) for k, check in self.grounded.items() if args.get(k))
                and all(check(str(args[k]), theirs) for k, check in self.stated.items() if args.get(k)))

    def offered_for(self, facts: Any) -> bool:
        """Whether this tool's precondition can hold for the records in focus (``prepare``, when set)."""
        return self.prepare is None or bool(self.prepare(facts))

    def describe(self, args: dict[str, Any], data: Any = None) -> str:
        """What a call does, in words a customer confirms: the tool's ``preview``, or its arguments listed."""
        if self.preview is not None:
            return self.preview(args, data)
        shown = ", ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in args.items())
        return f"{self.description.rstrip('.')} — {shown}" if shown else self.description

    def result_text(self, data: Any) -> str:
        """The result as the answer prompt gets it: the tool's ``render``, or compact JSON."""
        return self.render(data) if self.render is not None else to_model_text(data)

    def stamped(self, plugin: str) -> Tool:
        """This tool, marked as coming from ``plugin``."""
        return replace(self, plugin=plugin)


def _inlined(node: Any, defs: dict[str, Any]) -> Any:
    """``node`` with every ``{"$ref": "#/$defs/X"}`` replaced by X (tool arguments are never recursive)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inlined(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inlined(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inlined(v, defs) for v in node]
    return node


def _untitled(node: Any) -> Any:
    """``node`` without pydantic's "title" keys (prompt tokens that say nothing); properties named title stay."""
    if isinstance(node, dict):
        return {k: (({p: _untitled(v) for p, v in value.items()}) if k == "properties" else _untitled(value))
                for k, value in node.items() if k != "title" or not isinstance(value, str)}
    if isinstance(node, list):
        return [_untitled(v) for v in node]
    return node


def _args_model(fn: Callable[..., Any]) -> type[BaseModel]:
    hints = get_type_hints(fn, include_extras=True)
    params = list(inspect.signature(fn).parameters.values())
    if not params or hints.get(params[0].name) is not ToolContext:
        raise TypeError(f"tool {fn.__name__}: the first parameter must be `ctx: ToolContext`")
    fields: dict[str, Any] = {}
    for p in params[1:]:
        if p.name not in hints:
            raise TypeError(f"tool {fn.__name__}: parameter {p.name!r} needs a type hint")
        default = ... if p.default is inspect.Parameter.empty else p.default
        fields[p.name] = (hints[p.name], default)
    config = ConfigDict(extra="forbid")  # an argument the tool does not take is a mistake, not noise
    return create_model(f"{fn.__name__}_args", __config__=config, **fields)


@overload
def tool(fn: Callable[..., Any], /) -> Tool: ...
@overload
def tool(*, risk: Risk = ..., access: Access = ..., name: str | None = ..., approval_if: ApprovalRule | None = ...,
         offered: bool = ..., auth_modes: Iterable[str] | None = ..., prepare: Prepare | None = ...,
         grounded: Iterable[str] | Mapping[str, Said] = ..., stated: Mapping[str, Said] = ...,
         example: Example | None = ...,
         preview: Preview | None = ..., render: Render | None = ...) -> Callable[[Callable[..., Any]], Tool]: ...


def tool(fn: Callable[..., Any] | None = None, /, *, risk: Risk = Risk.READ, access: Access = Access.CUSTOMER,
         name: str | None = None, approval_if: ApprovalRule | None = None, offered: bool = True,
         auth_modes: Iterable[str] | None = None, prepare: Prepare | None = None,
         grounded: Iterable[str] | Mapping[str, Said] = (), stated: Mapping[str, Said] | None = None,
         example: Example | None = None, preview: Preview | None = None, render: Render | None = None) -> Any:
    """Turn a typed function into a :class:`Tool` (usable bare, ``@tool``, or configured).

    Beyond the function: ``risk`` and ``access`` say what it needs first; ``approval_if`` when a person must
    approve; ``offered=False`` keeps it from the router; ``auth_modes`` limits an AUTH tool to those modes;
    ``prepare(facts)`` decides per decision whether it can be offered; ``grounded`` names the arguments the
    model must not invent (with a check of how they may be said, when the value as it is is too strict), and
    ``stated`` those only the customer's own words may give (the facts shown to the model do not count);
    ``example`` is its few-shot line; ``preview(args, data)`` says in words what a write will do (and did);
    ``render(data)`` shortens a read's result for the answer prompt.
    """

    def wrap(f: Callable[..., Any]) -> Tool:
        doc = inspect.getdoc(f)
        if not doc:
            raise TypeError(f"tool {f.__name__}: the docstring is the tool's description; write one")
        fields = _args_model(f)
        checks = dict(grounded) if isinstance(grounded, Mapping) else dict.fromkeys(grounded, said)
        unknown = (set(checks) | set(stated or {})) - set(fields.model_fields)
        if unknown:
            raise TypeError(f"tool {f.__name__}: grounded or stated names {', '.join(sorted(unknown))}, "
                            "not its parameters")
        return Tool(name=name or f.__name__, description=doc.split("\n\n")[0].replace("\n", " "), fn=f,
                    args_model=fields, risk=risk, access=access, approval_if=approval_if, offered=offered,
                    auth_modes=frozenset(auth_modes) if auth_modes is not None else None, prepare=prepare,
                    grounded=checks, stated=dict(stated or {}), example=example, preview=preview, render=render)

    return wrap(fn) if fn is not None else wrap


def to_model_text(result: Any) -> str:
    """A tool result serialised for the model: strings as they are, the rest as compact JSON."""
    return result if isinstance(result, str) else json.dumps(result, separators=(",", ":"), default=str)
