"""build_graph(): the LangGraph state machine of one support conversation."""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agent.engine.deps import GraphDeps
from agent.engine.nodes import (
    make_act,
    make_decide,
    make_guard,
    make_handoff,
    make_respond,
    make_retrieve,
    route_after_guard,
)
from agent.engine.nodes.act import make_apply, make_confirm, route_after_act, route_after_confirm
from agent.engine.nodes.decide import route_after_decide
from agent.engine.state import ConversationState, TurnContext


def build_graph(deps: GraphDeps, checkpointer: BaseCheckpointSaver | None = None) -> CompiledStateGraph:
    """guard -> decide -> (retrieve -> respond) | (act -> [confirm -> apply] -> respond | handoff | decide)
    | handoff, per ``thread_id``.

    A write pauses in confirm (preview → confirm → apply), so resuming it does not repeat the dry run. act
    goes back to decide once, when the customer identified themselves in a message that also asks for
    something: the request is then decided as the identified customer, in the same turn.
    """
    g = StateGraph(ConversationState, context_schema=TurnContext)
    g.add_node("guard", make_guard(deps))
    g.add_node("decide", make_decide(deps))
    g.add_node("retrieve", make_retrieve(deps))
    g.add_node("act", make_act(deps))
    g.add_node("confirm", make_confirm())
    g.add_node("apply", make_apply(deps))
    g.add_node("respond", make_respond(deps))
    g.add_node("handoff", make_handoff(deps))
    g.add_edge(START, "guard")
    g.add_conditional_edges("guard", route_after_guard, {"decide": "decide", "handoff": "handoff", "end": END})
    g.add_conditional_edges("decide", route_after_decide, ["retrieve", "act", "respond", "handoff"])
    g.add_edge("retrieve", "respond")
    g.add_conditional_edges("act", route_after_act, ["confirm", "respond", "handoff", "decide"])
    g.add_conditional_edges("confirm", route_after_confirm, ["apply", "respond"])
    g.add_conditional_edges("apply", route_after_act, ["respond", "handoff", "decide"])
    g.add_edge("respond", END)
    g.add_edge("handoff", END)
    return g.compile(checkpointer=checkpointer)
