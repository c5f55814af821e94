#!/usr/bin/env python3
"""Command-line front of the Python package `tokenmill_shards` (python/, `pip install ./python`),
usable from a checkout without installing it (needs numpy and zstandard).

  read_shards.py DIR              print every document's ids, one line each (like `tokenmill cat DIR --ids`)
  read_shards.py DIR --verify     check the set as `tokenmill verify DIR` does, printing what it prints (exit 1 on any problem)
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python"))
from tokenmill_shards import ShardSet, VerifyError  # noqa: E402


def main():
    directory = sys.argv[1]
    shards = ShardSet(directory)
    if "--verify" in sys.argv[2:]:
        try:
            for line in shards.verify():
                print(line)
        except VerifyError as e:
            for line in e.ok:
                print(line)
            sys.stdout.flush()
            print(e, file=sys.stderr)
            sys.exit(1)
        print(f"all {len(shards.manifest['shards'])} shards verified")
        return
    out = sys.stdout
    for doc in shards.documents():
        out.write(" ".join(map(str, doc.tolist())) + "\n")


if __name__ == "__main__":
    main()
