#!/usr/bin/env python3
"""Writes Fixtures/cleaning/datatrove-reference.jsonl: datatrove's decisions on the documents
tokenmill reads from Fixtures/ (so the test compares like with like), one line per document:
source, SHA-256 of the text, each filter's drop reason (null: kept), the PII-redacted text's
SHA-256 and whether it changed, and the MinHash signature (14 buckets x 8, as hex) when the
document has one. Tests/CleaningTests compare tokenmill's Cleaning module against it.

    /work/venvs/datatrove/bin/python scripts/cleaning-reference.py [--tokenmill .build/release/tokenmill]

Needs datatrove, spacy and xxhash (see scripts/clean-agreement.py).
"""
import argparse, hashlib, json, os, subprocess, sys, tempfile

from datatrove.data import Document
from datatrove.pipeline.filters import (C4QualityFilter, FineWebQualityFilter, GopherQualityFilter,
                                        GopherRepetitionFilter)
from datatrove.pipeline.formatters import PIIFormatter
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
import datatrove.utils.hashes.xxhash as _datatrove_xxhash
import xxhash

# xxhash 3.5+ refuses str (datatrove 0.10.1 passes the shingle as str): hash its UTF-8, which is
# what older xxhash did with a str.
_datatrove_xxhash.xxhash64 = lambda data: xxhash.xxh64_intdigest(data.encode("utf-8") if isinstance(data, str) else data)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INPUTS = ["Fixtures/corpus", "Fixtures/formats/warc", "Fixtures/formats/wet"]


def decision(f, text):
    r = f.filter(Document(text=text, id="0"))
    if r is True:
        return None
    return r[1] if isinstance(r, tuple) else "dropped"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tokenmill", default=os.path.join(ROOT, ".build/release/tokenmill"))
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "docs.jsonl")
        subprocess.run([args.tokenmill, "clean", *INPUTS, "-o", dump, "--no-dedup"], cwd=ROOT, check=True,
                       capture_output=True)
        docs = [json.loads(line) for line in open(dump, encoding="utf-8")]
    filters = {"gopher-rep": GopherRepetitionFilter(), "gopher-quality": GopherQualityFilter(),
               "c4": C4QualityFilter(), "fineweb-quality": FineWebQualityFilter()}
    signer = MinhashDedupSignature(output_folder=tempfile.mkdtemp(), config=MinhashConfig())
    os.makedirs(os.path.join(ROOT, "Fixtures/cleaning"), exist_ok=True)
    out = os.path.join(ROOT, "Fixtures/cleaning/datatrove-reference.jsonl")
    with open(out, "w", encoding="utf-8") as f:
        for d in docs:
            text = d["text"]
            redacted = PIIFormatter().format(text)
            shingles = signer.get_shingles(text)
            signature = signer.get_signature(shingles) if shingles.size else None
            record = {
                "source": d["source"],
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "filters": {name: decision(flt, text) for name, flt in filters.items()},
                "pii_changed": redacted != text,
                "pii_sha256": hashlib.sha256(redacted.encode("utf-8")).hexdigest(),
                "minhash": None if signature is None else [[f"{v:016x}" for v in bucket] for bucket in signature],
            }
            f.write(json.dumps(record, sort_keys=True) + "\n")
    print(f"{len(docs)} documents -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
