#!/usr/bin/env python3
"""Writes tokenizer.json: a tiny hand-made Unigram tokenizer (Hugging Face format) for the Unigram tests.

The pieces and their log-probability scores are chosen by hand so that the best segmentation is not the greedy
longest match everywhere (e.g. "▁thing" against "▁the" + "ing" / "▁th" + "ing"). No piece has "▁" anywhere but its
start, so splitting at word boundaries (the Metaspace pre-tokenizer) and segmenting the whole text agree, as the
test's brute-force Viterbi assumes. Run it again after changing the table: python3 make_tokenizer.py
"""
import json

pieces = [
    ("<unk>", 0.0), ("<s>", 0.0), ("</s>", 0.0),
    ("▁", -2.0), ("▁the", -2.5), ("▁th", -3.5), ("▁t", -4.0), ("▁thing", -6.5), ("▁thin", -5.0),
    ("ing", -2.8), ("in", -3.2), ("g", -4.5), ("th", -3.9), ("e", -3.0), ("t", -3.6), ("h", -4.1), ("i", -3.7),
    ("n", -3.4), ("s", -3.3), ("▁s", -4.2), ("▁sing", -5.5), ("▁in", -3.1), ("▁a", -3.0), ("a", -3.8),
    ("▁ate", -6.0), ("te", -4.4), ("at", -4.0), ("▁at", -3.9), ("▁ten", -5.9), ("en", -3.9), ("▁tea", -6.2),
    ("ea", -4.3),
]
tokenizer = {
    "version": "1.0",
    "truncation": None,
    "padding": None,
    "added_tokens": [
        {"id": 0, "content": "<unk>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
        {"id": 1, "content": "<s>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
        {"id": 2, "content": "</s>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
    ],
    "normalizer": None,
    "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "add_prefix_space": True, "prepend_scheme": "always", "split": True},
    "post_processor": None,
    "decoder": {"type": "Metaspace", "replacement": "▁", "add_prefix_space": True, "prepend_scheme": "always", "split": True},
    "model": {"type": "Unigram", "unk_id": 0, "vocab": [[p, s] for p, s in pieces], "byte_fallback": False},
}
with open("tokenizer.json", "w", encoding="utf-8") as f:
    json.dump(tokenizer, f, ensure_ascii=False, indent=1)
    f.write("\n")
