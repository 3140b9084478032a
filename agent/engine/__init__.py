"""The conversation engine: the LangGraph graph, its state, nodes, decisions, prompts, facts and sites."""
