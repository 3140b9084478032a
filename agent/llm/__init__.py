"""Model backends behind LangChain's BaseChatModel: embedded llama.cpp, OpenAI-compatible, scripted."""

from agent.llm.errors import ModelError
from agent.llm.factory import LoadedModel, load_model
from agent.llm.openai_compat import OpenAICompatChat
from agent.llm.scripted import ScriptedChat
from agent.llm.weights import WEIGHTS, WeightsError, assemble, resolve_gguf

__all__ = ["WEIGHTS", "LoadedModel", "ModelError", "OpenAICompatChat", "ScriptedChat", "WeightsError",
           "assemble", "load_model", "resolve_gguf"]
