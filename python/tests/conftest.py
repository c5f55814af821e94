"""Shared fixtures: the built `tokenmill` binary and shard sets made from Fixtures/corpus by it."""
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("TOKENMILL_BIN", os.path.join(ROOT, ".build", "release", "tokenmill"))
FIXTURES = os.path.join(ROOT, "Fixtures")


def tokenmill(*args, check=True):
    """Runs the built CLI; returns the CompletedProcess (text mode)."""
    if not os.access(BINARY, os.X_OK):
        pytest.skip(f"{BINARY} is not built: run `swift build -c release --product tokenmill` (or `make build`) first")
    r = subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"tokenmill {' '.join(map(str, args))} exited {r.returncode}: {r.stderr}")
    return r


def make_set(tmp_path_factory, name, inputs, val_fraction, block_tokens=4096, shard_tokens=120_000):
    out = tmp_path_factory.mktemp(name) / "shards"
    tokenmill("shard", *[os.path.join(FIXTURES, "corpus", i) for i in inputs], "-o", out, "--split", "blank-lines",
              "--val-fraction", val_fraction, "--shard-tokens", shard_tokens, "--block-tokens", block_tokens, "--threads", 2)
    return str(out)


@pytest.fixture(scope="session")
def main_set(tmp_path_factory):
    """All of Fixtures/corpus, documents cut at blank lines: several train shards, a val split, many blocks."""
    return make_set(tmp_path_factory, "main", ["books", "articles", "multilingual", "web", "messy"], 0.1)


@pytest.fixture(scope="session")
def books_set(tmp_path_factory):
    """A second, different set (one shard set of books only, other block size) for mixtures."""
    return make_set(tmp_path_factory, "books", ["books"], 0, block_tokens=8192)


def cat_ids(directory):
    """`tokenmill cat DIR --ids`: one list of ids per document."""
    lines = tokenmill("cat", directory, "--ids").stdout.split("\n")[:-1]
    return [[int(t) for t in line.split()] for line in lines]


def swift_hashes(directory, *args):
    r = tokenmill("loader-bench", directory, "--print-hashes", "--prefetch", 0, *args)
    return r.stdout.split()
