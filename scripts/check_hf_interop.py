#!/usr/bin/env python3
"""Check that Hugging Face tokenizers loads the tokenizer.json files Tokenmill writes and gives
the same ids as tiktoken on every Fixtures/corpus document.

    make build   (or: swift build -c release $(scripts/swift-flags.sh) --product tokenmill)
    PY=$(../shared/bench/setup.sh); $PY scripts/check_hf_interop.py
"""
import os, subprocess, sys, tempfile
from tokenizers import Tokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from make_reference_ids import encoding, documents  # noqa: E402

TOKENMILL = os.path.join(ROOT, ".build", "release", "tokenmill")
failures = 0
texts = [t for _, t in documents(os.path.join(ROOT, "Fixtures", "corpus"))]
for vocab, bundled in [("gpt2", "gpt2"), ("cl100k", "cl100k_base"), ("o200k", "o200k_base")]:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "tokenizer.json")
        subprocess.run([TOKENMILL, "convert", "--tokenizer", bundled, "-o", path], check=True)
        hf = Tokenizer.from_file(path)
        hf.encode_special_tokens = True
        got = [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)]
        want = encoding(vocab).encode_ordinary_batch(texts)
        bad = sum(g != w for g, w in zip(got, want))
        failures += bad
        print(f"{vocab}: HF tokenizers on Tokenmill's tokenizer.json: {len(texts) - bad}/{len(texts)} documents identical to tiktoken")
sys.exit(1 if failures else 0)
