#!/usr/bin/env python3
"""Train Hugging Face tokenizers' BpeTrainer on Fixtures/corpus files and record its merges in
Fixtures/trainer/hf-reference.json; TrainerTests checks that Tokenmill's trainer learns the same
merges, in the same order (HF's result is deterministic: its heap breaks count ties by pair ids).

    PY=/root/.cache/tokenmill-peers/bin/python   # or: PY=$(../shared/bench/setup.sh)
    $PY scripts/make_trainer_reference.py

Second, interop: Hugging Face loads a tokenizer.json written by the trainer (by default the
bundled Vocab/tokenmill-demo-8k.json) and encodes every valid-UTF-8 document of Fixtures/corpus;
the FNV-1a-64 hash of each document's ids (little-endian u32) goes to
Fixtures/trainer/hf-ids-demo.json, which TrainerTests compares with Tokenmill's own encoding.
With --check-shared it also compares, live, HF's ids with `tokenmill encode` on the text files of
../shared/corpora (needs a release build of tokenmill, path in $TOKENMILL).

Each case: files (each file one document, as peers.py `train` reads them), the split pattern,
normalizer, vocab size (with one special token, <|endoftext|>), min_frequency, max_token_length.
"""
import json, os, sys
import tokenizers
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers, Regex

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CL100K = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""

CASES = [
    dict(name="devils-2000", files=["books/devils-dictionary.dict.txt"], pattern="gpt2", normalize="none",
         vocab_size=2000, min_frequency=2, max_token_length=None),
    dict(name="multilingual-1500", files=["multilingual/ru-fortunes.excerpt.txt", "multilingual/zh-debian-reference.excerpt.txt",
                                          "multilingual/emoji-test.excerpt.txt", "multilingual/hi-freedict.excerpt.txt"],
         pattern="gpt2", normalize="none", vocab_size=1500, min_frequency=0, max_token_length=None),
    dict(name="cl100k-nfkc-1200", files=["books/kjv-bible.excerpt.txt", "articles/linux-man-pages.excerpt.txt",
                                          "multilingual/ja-debian-reference.excerpt.txt"],
         pattern="cl100k", normalize="nfkc", vocab_size=1200, min_frequency=2, max_token_length=None),
    dict(name="devils-maxlen4-900", files=["books/devils-dictionary.dict.txt"], pattern="gpt2", normalize="none",
         vocab_size=900, min_frequency=0, max_token_length=4),
    dict(name="jargon-minfreq50", files=["books/jargon-file.excerpt.txt"], pattern="gpt2", normalize="none",
         vocab_size=5000, min_frequency=50, max_token_length=None),
]


def train(case):
    texts = [open(os.path.join(ROOT, "Fixtures/corpus", f), encoding="utf-8").read() for f in case["files"]]
    tok = Tokenizer(models.BPE())
    if case["normalize"] == "nfkc":
        tok.normalizer = normalizers.NFKC()
    if case["pattern"] == "gpt2":
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    else:
        pat = CL100K.replace(r"\p{N}{1,3}+", r"\p{N}{1,3}")
        tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(pat), behavior="isolated"),
                                                     pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tr = trainers.BpeTrainer(vocab_size=case["vocab_size"], min_frequency=case["min_frequency"], show_progress=False,
                             initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=["<|endoftext|>"],
                             max_token_length=case["max_token_length"])
    tok.train_from_iterator(texts, tr)
    model = json.loads(tok.to_str())["model"]
    merges = [m if isinstance(m, list) else m.split(" ") for m in model["merges"]]
    return dict(case, merges=merges, vocab_count=len(model["vocab"]))


def fnv(ids):
    h = 0xcbf29ce484222325
    for i in ids:
        for b in int(i).to_bytes(4, "little"):
            h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def documents(folder):
    for dirpath, _, names in sorted(os.walk(folder)):
        for n in sorted(names):
            path = os.path.join(dirpath, n)
            raw = open(path, "rb").read()
            if path.endswith(".zst"):
                import subprocess
                raw = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
            try:
                yield path, raw.decode("utf-8")
            except UnicodeDecodeError:
                continue


def interop(tokenizer_path):
    tok = Tokenizer.from_file(tokenizer_path)
    tok.encode_special_tokens = True
    docs = []
    for path, text in documents(os.path.join(ROOT, "Fixtures/corpus")):
        ids = tok.encode(text, add_special_tokens=False).ids
        docs.append({"path": os.path.relpath(path, os.path.join(ROOT, "Fixtures/corpus")), "tokens": len(ids),
                     "fnv64": fnv(ids), "first": ids[:16]})
    return docs


def check_shared(tokenizer_path):
    import subprocess, tempfile
    exe = os.environ.get("TOKENMILL", os.path.join(ROOT, ".build-train/release/tokenmill"))
    tok = Tokenizer.from_file(tokenizer_path)
    tok.encode_special_tokens = True
    same = total = 0
    shared = os.path.join(ROOT, "..", "shared", "corpora")
    for path, text in documents(shared):
        if "/messy/" in path or path.endswith((".html", ".htm")):
            continue
        want = tok.encode(text, add_special_tokens=False).ids
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt") as f:
            f.write(text); f.flush()
            out = subprocess.run([exe, "encode", "--tokenizer", tokenizer_path, f.name], check=True, capture_output=True, text=True).stdout
        got = [int(x) for x in out.split()]
        total += 1; same += got == want
        if got != want:
            print("DIFFERENT:", path)
    print(f"shared corpora: {same}/{total} documents give identical ids in HF tokenizers and tokenmill encode")
    return same == total


if __name__ == "__main__":
    demo = os.path.join(ROOT, "Vocab/tokenmill-demo-8k.json")
    if "--check-shared" in sys.argv:
        sys.exit(0 if check_shared(demo) else 1)
    out = {"generator": f"tokenizers {tokenizers.__version__} BpeTrainer", "cases": [train(c) for c in CASES]}
    path = os.path.join(ROOT, "Fixtures/trainer/hf-reference.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=0)
        f.write("\n")
    ids = {"generator": f"tokenizers {tokenizers.__version__} Tokenizer.from_file", "tokenizer": "Vocab/tokenmill-demo-8k.json",
           "documents": interop(demo)}
    with open(os.path.join(ROOT, "Fixtures/trainer/hf-ids-demo.json"), "w", encoding="utf-8") as f:
        json.dump(ids, f, indent=0)
        f.write("\n")
    print(len(ids["documents"]), "documents encoded by HF with", ids["tokenizer"])
    for c in out["cases"]:
        print(c["name"], len(c["merges"]), "merges;", "longest token", max(len(a) + len(b) for a, b in c["merges"]))
