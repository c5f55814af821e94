#!/usr/bin/env python3
"""Check that Hugging Face tokenizers loads the tokenizer.json files Tokenmill writes for the
bundled vocabularies and gives tiktoken's ids: every Fixtures/corpus document as ordinary text,
and texts with every special token in them encoded as special tokens (HF's default; tiktoken with
allowed_special="all"), plus `token_to_id` of each special token.

    make build   (or: swift build -c release $(scripts/swift-flags.sh) --product tokenmill)
    python3 -m venv /tmp/hf && /tmp/hf/bin/pip install tokenizers==0.23.3 tiktoken==0.14.0
    /tmp/hf/bin/python scripts/check_hf_interop.py

Needs nothing outside the repository (the tiktoken vocabularies are Vocab/*.tiktoken).
Exit status 1 when anything differs.
"""
import os, subprocess, sys, tempfile
import tiktoken
from tiktoken.load import load_tiktoken_bpe
import tiktoken_ext.openai_public as openai_public
from tokenizers import Tokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKENMILL = os.environ.get("TOKENMILL", os.path.join(ROOT, ".build", "release", "tokenmill"))


def tiktoken_encoding(name):
    """tiktoken's encoding `name` (gpt2, cl100k_base, o200k_base) with the ranks of Vocab/."""
    local = os.path.join(ROOT, "Vocab", f"{name}.tiktoken")
    if name == "gpt2":
        return tiktoken.Encoding(name="gpt2", pat_str=openai_public.r50k_pat_str,
                                 mergeable_ranks=load_tiktoken_bpe(local), special_tokens={"<|endoftext|>": 50256})
    original = openai_public.load_tiktoken_bpe
    openai_public.load_tiktoken_bpe = lambda url, expected_hash=None: load_tiktoken_bpe(local)
    try:
        spec = getattr(openai_public, name)()
    finally:
        openai_public.load_tiktoken_bpe = original
    return tiktoken.Encoding(**spec)


def documents():
    top = os.path.join(ROOT, "Fixtures", "corpus")
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for name in sorted(filenames):
            if name == "SOURCES.md" or name.endswith((".gz", ".zst", ".bz2")):
                continue
            yield open(os.path.join(dirpath, name), "rb").read().decode("utf-8", errors="replace")


def main():
    failures = 0
    texts = list(documents())
    for name in ["gpt2", "cl100k_base", "o200k_base"]:
        enc = tiktoken_encoding(name)
        specials = sorted(enc.special_tokens_set, key=enc.encode_single_token)
        with_specials = [texts[i][:600] + specials[i % len(specials)] + texts[i + 1][:600] for i in range(len(texts) - 1)]
        with_specials.append("".join(specials) + " " + " ".join(specials))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "tokenizer.json")
            subprocess.run([TOKENMILL, "convert", "--tokenizer", name, "-o", path], check=True)
            hf = Tokenizer.from_file(path)
            ids = {s: (hf.token_to_id(s), enc.encode_single_token(s)) for s in specials}
            wrong = {s: v for s, v in ids.items() if v[0] != v[1]}
            failures += len(wrong)
            print(f"{name}: token_to_id of {len(specials)} special tokens: " + ("identical to tiktoken" if not wrong else f"differ (HF, tiktoken): {wrong}"))
            # Specials as special tokens: HF's default.
            got = [e.ids for e in hf.encode_batch(with_specials)]
            want = [enc.encode(t, allowed_special="all") for t in with_specials]
            bad = sum(g != w for g, w in zip(got, want))
            failures += bad
            print(f"{name}: {len(with_specials) - bad}/{len(with_specials)} texts with special tokens identical to tiktoken")
            # Ordinary text: special-token text is plain text.
            hf.encode_special_tokens = True
            got = [e.ids for e in hf.encode_batch(texts)]
            want = enc.encode_ordinary_batch(texts)
            bad = sum(g != w for g, w in zip(got, want))
            failures += bad
            print(f"{name}: {len(texts) - bad}/{len(texts)} documents as ordinary text identical to tiktoken")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
