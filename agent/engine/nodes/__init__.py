"""The graph's nodes, one module each. Each ``make_*`` returns the node bound to its deps."""

from agent.engine.nodes.act import make_act
from agent.engine.nodes.decide import make_decide
from agent.engine.nodes.guard import make_guard, route_after_guard
from agent.engine.nodes.handoff import make_handoff
from agent.engine.nodes.respond import make_respond
from agent.engine.nodes.retrieve import make_retrieve

__all__ = ["make_act", "make_decide", "make_guard", "make_handoff", "make_respond", "make_retrieve",
           "route_after_guard"]
