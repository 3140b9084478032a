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

Graph = CompiledStateGraph[ConversationState, TurnContext, ConversationState, ConversationState]


def build_graph(deps: GraphDeps, checkpointer: BaseCheckpointSaver | None = None) -> Graph:
    """guard -> decide -> (retrieve -> respond) | (act -> [confirm -> apply] -> respond | handoff | decide)
    | handoff, per ``thread_id``.

    A write pauses in confirm (preview → confirm → apply), so resuming it does not repeat the dry run. act
    goes back to decide once, when the customer identified themselves in a message that also asks for
    something: the request is then decided as the identified customer, in the same turn.
    """
    g = StateGraph(ConversationState, context_schema=TurnContext)
    nodes = {"guard": make_guard(deps), "decide": make_decide(deps), "retrieve": make_retrieve(deps),
             "act": make_act(deps), "confirm": make_confirm(), "apply": make_apply(deps),
             "respond": make_respond(deps), "handoff": make_handoff(deps)}
    for name, node in nodes.items():
        # langgraph's add_node overloads bind the state to protocols a TypedDict class does not satisfy for
        # mypy (its keys are not ClassVars); the nodes are typed against ConversationState themselves.
        g.add_node(name, node)  # type: ignore[call-overload]
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
