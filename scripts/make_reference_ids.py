#!/usr/bin/env python3
"""Make the reference token ids that the BPE parity tests compare against.

Run with the peers' Python (tiktoken 0.14.0, tokenizers 0.23.3, zstandard):
    PY=$(../shared/bench/setup.sh); $PY scripts/make_reference_ids.py

Writes, under Fixtures/reference/:
  tiktoken-{gpt2,cl100k,o200k}.jsonl.zst   full ids of every document of Fixtures/corpus
  hf-anthropic-legacy.jsonl.zst            the same through HF tokenizers and the real
                                           anthropic-legacy tokenizer.json (NFKC, ByteLevel)
  tiktoken-worst-case.jsonl.zst            ids of adversarial inputs (one repeated character,
                                           digits, text without whitespace) of 20,000 bytes
  corpus-digests.json.zst                  for every text document of ../shared/corpora: its
                                           size, SHA-256, and per vocabulary the id count and
                                           the SHA-256 of the ids as little-endian uint32
A document is a whole file (zstd-decompressed), decoded as UTF-8 with errors="replace".
"""
import hashlib, json, os, struct, sys
import tiktoken, zstandard
from tiktoken.load import load_tiktoken_bpe
from tokenizers import Tokenizer as HFTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared")
REF = os.path.join(SHARED, "vocab-reference")
OUT = os.path.join(ROOT, "Fixtures", "reference")
sys.path.insert(0, os.path.join(SHARED, "bench"))
import peers  # the bench's patterns and special tokens: one definition of each encoding

VOCABS = ["gpt2", "cl100k", "o200k"]


def encoding(vocab):
    return tiktoken.Encoding(name=vocab, pat_str=peers.pattern(vocab), special_tokens=peers.SPECIAL[vocab],
                             mergeable_ranks=load_tiktoken_bpe(os.path.join(REF, peers.FILES[vocab])))


def read_text(path):
    data = open(path, "rb").read()
    if path.endswith(".zst"):
        data = zstandard.ZstdDecompressor().stream_reader(data).read()
    return data.decode("utf-8", errors="replace")


def documents(top, skip=()):
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, top)
            if name.endswith(".gz") or name == "SOURCES.md" or any(rel.startswith(s) for s in skip):
                continue
            yield rel, read_text(path)


def ids_digest(ids):
    return hashlib.sha256(struct.pack("<%dI" % len(ids), *ids)).hexdigest()


def write_zst(name, text):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(zstandard.ZstdCompressor(level=19).compress(text.encode()))


def worst_cases():
    """Adversarial inputs built from fixed text, the same in scripts and in the Swift test."""
    sample = open(os.path.join(ROOT, "Fixtures", "corpus", "books", "devils-dictionary.dict.txt"), "rb").read()
    sample = bytes(b for b in sample if b < 0x80 and b not in b" \t\r\n")
    size = 20000
    return {"repeated-a": "a" * size, "digits": ("31415926535897932384626433832795028841971693993751" * 400)[:size],
            "no-spaces": (sample * 2)[:size].decode()}


def main():
    os.makedirs(OUT, exist_ok=True)
    encodings = {v: encoding(v) for v in VOCABS}
    lines = [json.dumps({"case": case, "vocab": v, "ids": e.encode_ordinary(text)})
             for case, text in worst_cases().items() for v, e in encodings.items()]
    write_zst("tiktoken-worst-case.jsonl.zst", "\n".join(lines) + "\n")
    if "--worst-case-only" in sys.argv:
        return
    hf = HFTokenizer.from_file(os.path.join(REF, "anthropic-legacy", "tokenizer.json"))
    encoders = {v: (lambda texts, e=e: e.encode_ordinary_batch(texts)) for v, e in encodings.items()}
    encoders["anthropic-legacy"] = lambda texts: [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)]

    fixtures = list(documents(os.path.join(ROOT, "Fixtures", "corpus")))
    texts = [t for _, t in fixtures]
    for name, encode in encoders.items():
        prefix = "hf-" if name == "anthropic-legacy" else "tiktoken-"
        lines = [json.dumps({"path": p, "ids": ids}) for (p, _), ids in zip(fixtures, encode(texts))]
        write_zst(prefix + name + ".jsonl.zst", "\n".join(lines) + "\n")
        print(f"{name}: {len(lines)} fixture documents", file=sys.stderr)

    shared = list(documents(os.path.join(SHARED, "corpora")))
    texts = [t for _, t in shared]
    records = [{"path": p, "bytes": len(t.encode()), "text_sha256": hashlib.sha256(t.encode()).hexdigest()}
               for p, t in shared]
    for name, encode in encoders.items():
        for record, ids in zip(records, encode(texts)):
            record[name] = {"count": len(ids), "sha256": ids_digest(ids)}
        print(f"{name}: {len(records)} corpus documents", file=sys.stderr)
    meta = {"tiktoken": tiktoken.__version__, "tokenizers": __import__("tokenizers").__version__,
            "documents": records}
    write_zst("corpus-digests.json.zst", json.dumps(meta, indent=0))


if __name__ == "__main__":
    main()
