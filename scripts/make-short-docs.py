#!/usr/bin/env python3
"""Writes N short documents of real text as JSON Lines ({"text": …}), for measuring near-dedup
memory per million documents: windows of 3–8 consecutive non-blank lines of the shared corpora's
books, articles and multilingual text (Fixtures/corpus without ../shared), taken at every
start line in turn and cycling over the corpus, so neighbouring windows overlap (many near
duplicates, as on the web). Deterministic.

    python3 scripts/make-short-docs.py [N=1000000] OUT.jsonl
"""
import json, os, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 2 else 1_000_000
    out = sys.argv[-1]
    shared = os.path.join(os.path.dirname(ROOT), "shared", "corpora")
    roots = [os.path.join(shared, d) for d in ("books", "articles", "multilingual")] if os.path.isdir(shared) else [os.path.join(ROOT, "Fixtures", "corpus")]
    lines = []
    for root in roots:
        for d, _, files in sorted(os.walk(root)):
            for f in sorted(files):
                if f.endswith((".txt", ".md", ".rst")) or "." not in f:
                    with open(os.path.join(d, f), encoding="utf-8", errors="replace") as fh:
                        lines += [l.strip() for l in fh if len(l.split()) >= 3]
    written = 0
    with open(out, "w", encoding="utf-8") as fh:
        size = 3
        while written < n:
            for start in range(0, len(lines) - 8, 2):
                if written == n:
                    break
                fh.write(json.dumps({"text": "\n".join(lines[start:start + size])}, ensure_ascii=False) + "\n")
                written += 1
                size = 3 + (size - 2) % 6
    print(f"{written} documents from {len(lines)} lines of {', '.join(roots)} → {out} ({os.path.getsize(out) / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
