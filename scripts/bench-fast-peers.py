#!/usr/bin/env python3
"""Encode throughput of the newest exact tiktoken-compatible encoders, quicktok-v1 and fastokens
(PyPI), on the same files as TokenmillBench, with their ids checked against tiktoken's.

Run with the peers' python (../shared/bench/setup.sh --more installs both):

  PY=$(../shared/bench/setup.sh) ; $PY scripts/bench-fast-peers.py --vocab cl100k [--threads 1|2] [--repeat 3] FILE...

Prints one JSON object per library: MB/s (10^6 bytes of UTF-8 input per second, best of
--repeat and of the first pass, vocabulary load and file reading excluded) with the CPU seconds of that run, ids, and whether every document's ids
equal tiktoken `encode_ordinary`'s. Files are read as ../shared/bench/peers.py reads them
(text with universal newlines: CR LF becomes LF), so give files without CR to compare with
Tokenmill's figures on the same bytes. With --threads 1 each document is encoded alone in a
loop (`encode_ordinary`); with more, the libraries' batch calls run on that many threads
(quicktok `encode_batch(threads=N)`, fastokens `encode_batch_flat` with RAYON_NUM_THREADS=N).
`--lib tiktoken` times tiktoken itself the same way (`encode_ordinary` per document); quicktok has
no gpt2 encoding and says so.
"""
import argparse, json, os, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "bench")
sys.path.insert(0, os.path.normpath(SHARED))
import peers  # noqa: E402  (../shared/bench/peers.py: the vocabulary files and patterns)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", default="cl100k", choices=["gpt2", "cl100k", "o200k"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lib", action="append", choices=["quicktok", "fastokens", "tiktoken"])
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    os.environ["RAYON_NUM_THREADS"] = str(a.threads)
    texts = peers.docs(a.files)
    nbytes = sum(len(t.encode()) for t in texts)
    reference = [peers.tiktoken_encoding(a.vocab).encode_ordinary(t) for t in texts]
    name = {"gpt2": "gpt2", "cl100k": "cl100k_base", "o200k": "o200k_base"}[a.vocab]
    for lib in a.lib or ["quicktok", "fastokens"]:
        if lib == "quicktok" and a.vocab == "gpt2":
            # quicktok 0.4.0 ships cl100k/o200k-family encodings only (no r50k/gpt2 pattern).
            print(json.dumps({"lib": lib, "vocab": a.vocab, "unsupported": True}), flush=True)
            continue
        if lib == "tiktoken":
            enc = peers.tiktoken_encoding(a.vocab)
            if a.threads == 1:
                run = lambda: [enc.encode_ordinary(t) for t in texts]
            else:
                run = lambda: enc.encode_ordinary_batch(texts, num_threads=a.threads)
        elif lib == "quicktok":
            import quicktok
            enc = quicktok.get_encoding(name)
            if a.threads == 1:
                run = lambda: [enc.encode_ordinary(t) for t in texts]
            else:
                def run():
                    tokens, offsets = enc.encode_batch(texts, threads=a.threads)
                    return [list(tokens[offsets[i]:offsets[i + 1]]) for i in range(len(texts))]
        else:
            import fastokens
            tok = fastokens.Tokenizer.from_tiktoken(os.path.join(peers.REF, peers.FILES[a.vocab]),
                                                    pattern=peers.pattern(a.vocab), special_tokens=peers.SPECIAL[a.vocab])
            if a.threads == 1:
                run = lambda: [tok.encode_ordinary(t).ids for t in texts]
            else:
                import array
                def run():
                    ids, offsets = tok.encode_batch_flat(texts)
                    flat, off = array.array("I", ids), array.array("q", offsets)
                    return [list(flat[off[i]:off[i + 1]]) for i in range(len(texts))]
        # The first pass is reported beside the best: fastokens keeps its piece cache for the
        # process, so its later passes over the same text are cache hits (o200k: 2-2.6x faster
        # than its first pass, 2026-12-03); a corpus is encoded once.
        best, best_cpu, ids, first = None, None, None, None
        for _ in range(a.repeat):
            c0, t0 = peers.cpu(), time.perf_counter(); ids = run(); wall = time.perf_counter() - t0
            if first is None: first = wall
            if best is None or wall < best: best, best_cpu = wall, peers.cpu() - c0
        exact = all(list(x) == y for x, y in zip(ids, reference)) and len(ids) == len(reference)
        print(json.dumps({"lib": lib, "vocab": a.vocab, "threads": a.threads, "bytes": nbytes,
                          "ids": sum(len(x) for x in ids), "seconds": round(best, 4), "cpu_s": round(best_cpu, 4),
                          "mb_per_s": round(nbytes / best / 1e6, 2),
                          "first_seconds": round(first, 4), "first_mb_per_s": round(nbytes / first / 1e6, 2), "exact_ids": exact}), flush=True)


if __name__ == "__main__":
    main()
