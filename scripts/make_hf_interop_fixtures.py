#!/usr/bin/env python3
"""Make Fixtures/reference/hf-interop.json: what Hugging Face `tokenizers` and `transformers` give
for the files Tokenmill writes, so that the Swift tests check Hugging Face interop without Python
(Tests/BPETests/HFInteropTests.swift, Tests/GPTTests/HFTokenizerFilesTests.swift).

    python3 -m venv /tmp/hf && /tmp/hf/bin/pip install tokenizers==0.23.3 tiktoken==0.14.0 transformers==5.24.0
    make build   (or: swift build -c release $(scripts/swift-flags.sh) --product tokenmill)
    /tmp/hf/bin/python scripts/make_hf_interop_fixtures.py

No torch is needed (transformers loads tokenizers and configs without it). It records, for
gpt2, cl100k_base, o200k_base (bundled) and Vocab/tokenmill-demo-8k.json:
  - `tokenmill convert --tokenizer V --hf-dir DIR`: the SHA-256 of the three files written;
  - `tokenizers.Tokenizer.from_file(DIR/tokenizer.json)`: `token_to_id` of every special token and
    the ids of texts that hold special tokens (real text from Fixtures/corpus around them),
    encoded as HF does by default (specials recognized, add_special_tokens=True);
  - tiktoken's ids for the same texts (allowed_special="all") for the bundled vocabularies;
  - `transformers.AutoTokenizer.from_pretrained(DIR)`: bos/eos ids and the ids of the texts;
post-processors on Vocab/tokenmill-demo-8k.json (the file with `"post_processor": null` replaced
by the recorded JSON text): HF's ids with add_special_tokens True and False;
and two checkpoints written by `tokenmill pretrain` (tiny, 1 update) on Fixtures/corpus, one with
the demo tokenizer (it has <|endoftext|>) and one with a tokenizer trained without special tokens:
tokenizer_config.json and special_tokens_map.json as written, what `AutoConfig` and `AutoTokenizer`
say of bos/eos, and AutoTokenizer's ids of the texts.
"""
import hashlib, json, os, subprocess, sys, tempfile
import tiktoken, tokenizers, transformers
from tokenizers import Tokenizer
from transformers import AutoConfig, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKENMILL = os.environ.get("TOKENMILL", os.path.join(ROOT, ".build", "release", "tokenmill"))
OUT = os.path.join(ROOT, "Fixtures", "reference", "hf-interop.json")
DEMO = os.path.join(ROOT, "Vocab", "tokenmill-demo-8k.json")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from check_hf_interop import tiktoken_encoding  # noqa: E402


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def tokenmill(*args):
    subprocess.run([TOKENMILL, *args], check=True, stdout=subprocess.DEVNULL)


def corpus_parts():
    """Three excerpts: the first 300 characters of the first file (sorted) of three fixture folders."""
    parts = []
    for folder in ["articles", "multilingual", "web"]:
        base = os.path.join(ROOT, "Fixtures", "corpus", folder)
        files = sorted(os.path.join(d, f) for d, _, fs in os.walk(base) for f in fs
                       if f != "SOURCES.md" and not f.endswith((".zst", ".gz", ".bz2")))
        parts.append(open(files[0], encoding="utf-8", errors="replace").read()[:300])
    return parts


def texts_for(specials):
    d1, d2, d3 = corpus_parts()
    if not specials:
        return [d1 + "<|endoftext|>" + d2, d3]
    texts = ["a" + s + "b" for s in specials]
    texts.append(d1 + specials[0] + d2 + specials[-1] + d3 + specials[0])
    texts.append(" ".join(specials))
    return texts


def auto_tokenizer(directory, texts):
    t = AutoTokenizer.from_pretrained(directory)
    return {"class": type(t).__name__, "bos_token_id": t.bos_token_id, "eos_token_id": t.eos_token_id,
            "ids": [t(x)["input_ids"] for x in texts]}


def vocabulary(name, tmp):
    directory = os.path.join(tmp, "hf-" + os.path.basename(name))
    tokenmill("convert", "--tokenizer", name, "--hf-dir", directory)
    hf = Tokenizer.from_file(os.path.join(directory, "tokenizer.json"))
    added = json.load(open(os.path.join(directory, "tokenizer.json")))["added_tokens"]
    specials = [a["content"] for a in sorted(added, key=lambda a: a["id"])]
    texts = texts_for(specials)
    entry = {
        "files_sha256": {f: sha256(os.path.join(directory, f)) for f in ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]},
        "token_to_id": {s: hf.token_to_id(s) for s in specials},
        "texts": texts,
        "hf_ids": [e.ids for e in hf.encode_batch(texts)],
        "auto_tokenizer": auto_tokenizer(directory, texts),
    }
    if name in ("gpt2", "cl100k_base", "o200k_base"):
        enc = tiktoken_encoding(name)
        entry["tiktoken_ids"] = [enc.encode(x, allowed_special="all") for x in texts]
        entry["tiktoken_special_ids"] = {s: enc.encode_single_token(s) for s in specials}
        for x, h, t in zip(texts, entry["hf_ids"], entry["tiktoken_ids"]):
            if h != t:
                print(f"{name}: HF and tiktoken differ on {x[:40]!r}", file=sys.stderr)
    return entry


POST_PROCESSORS = {
    "template-bos": {"type": "TemplateProcessing",
                     "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                     "pair": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                              {"Sequence": {"id": "B", "type_id": 1}}],
                     "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [8191], "tokens": ["<|endoftext|>"]}}},
    "bytelevel": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
    "sequence-bytelevel-template-bos": {"type": "Sequence", "processors": [
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                  {"SpecialToken": {"id": "<|endoftext|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [8191], "tokens": ["<|endoftext|>"]}}}]},
    "template-pair-only": {"type": "TemplateProcessing",
                           "single": [{"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [8191], "tokens": ["<|endoftext|>"]}}},
    "roberta": {"type": "RobertaProcessing", "sep": ["<|endoftext|>", 8191], "cls": ["<|endoftext|>", 8191],
                "trim_offsets": True, "add_prefix_space": False},
}


def post_processors(tmp):
    original = open(DEMO, encoding="utf-8").read()
    assert original.count('"post_processor": null') == 1
    texts = texts_for(["<|endoftext|>"])
    result = {}
    for name, processor in POST_PROCESSORS.items():
        text = json.dumps(processor, separators=(",", ":"))
        path = os.path.join(tmp, f"pp-{name}.json")
        open(path, "w", encoding="utf-8").write(original.replace('"post_processor": null', '"post_processor": ' + text))
        hf = Tokenizer.from_file(path)
        result[name] = {"post_processor_json": text, "sha256": sha256(path), "texts": texts,
                        "hf_ids_add_special_tokens": [e.ids for e in hf.encode_batch(texts, add_special_tokens=True)],
                        "hf_ids_no_special_tokens": [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)]}
    return result


def checkpoint(tmp, name, tokenizer):
    shards = os.path.join(tmp, name + "-shards")
    run = os.path.join(tmp, name + "-run")
    tokenmill("shard", "--tokenizer", tokenizer, "--val-fraction", "0.1", "--split", "blank-lines", "-o", shards,
              os.path.join(ROOT, "Fixtures", "corpus", "articles"))
    tokenmill("pretrain", "--data", shards, "--preset", "tiny", "--steps", "1", "--batch", "2", "--context", "32",
              "--eval-every", "0", "--threads", "1", "--sgemm-gflops", "100", "--quiet", "--out", run)
    latest = open(os.path.join(run, "latest")).read().strip()
    directory = os.path.join(run, latest)
    added = json.load(open(os.path.join(directory, "tokenizer.json")))["added_tokens"]
    texts = texts_for([a["content"] for a in added])
    config = AutoConfig.from_pretrained(directory)
    tokenizer_config = json.load(open(os.path.join(directory, "tokenizer_config.json")))
    return {"files": {f: open(os.path.join(directory, f), encoding="utf-8").read() for f in ["tokenizer_config.json", "special_tokens_map.json"]},
            "model_max_length": tokenizer_config.get("model_max_length"),
            "config_bos_token_id": config.bos_token_id, "config_eos_token_id": config.eos_token_id,
            "texts": texts, "auto_tokenizer": auto_tokenizer(directory, texts)}


def main():
    with tempfile.TemporaryDirectory() as tmp:
        plain = os.path.join(tmp, "no-specials.json")
        tokenmill("train-tokenizer", "--vocab-size", "400", "-o", plain, os.path.join(ROOT, "Fixtures", "corpus", "articles"))
        result = {
            "made_by": "scripts/make_hf_interop_fixtures.py",
            "versions": {"tokenizers": tokenizers.__version__, "tiktoken": tiktoken.__version__, "transformers": transformers.__version__},
            "vocabularies": {os.path.basename(n): vocabulary(n, tmp) for n in ["gpt2", "cl100k_base", "o200k_base", DEMO]},
            "post_processors": post_processors(tmp),
            "checkpoints": {"demo-8k": checkpoint(tmp, "demo", DEMO), "no-specials": checkpoint(tmp, "plain", plain)},
        }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
