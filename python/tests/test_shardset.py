"""ShardSet reads what `tokenmill cat` prints and reports damage with `tokenmill verify`'s words."""
import json
import os
import shutil

import numpy as np
import pytest

from conftest import cat_ids, swift_hashes, tokenmill
from tokenmill_shards import Loader, ShardError, ShardSet, VerifyError


def test_documents_tokens_and_lengths_equal_tokenmill_cat(main_set):
    s = ShardSet(main_set)
    expected = cat_ids(main_set)
    assert len(s) == len(expected)
    assert [s.doc(i).tolist() for i in range(len(s))] == expected
    assert s.lengths().tolist() == [len(d) for d in expected]
    r = tokenmill("cat", main_set, "--range", "1000..13000", "--ids").stdout.split()
    assert s.tokens(1000, 13000).tolist() == [int(t) for t in r]
    # Only the blocks a read touches are decompressed.
    one = ShardSet(main_set)
    one.doc(3)
    assert sum(sh.blocks_decompressed for sh in one.shards) <= 2


def test_verify_says_what_tokenmill_verify_says(main_set, tmp_path):
    ok = tokenmill("verify", main_set).stdout.split("\n")
    assert ok[-2:] == [f"all {len(ShardSet(main_set).summaries)} shards verified", ""]
    assert ShardSet(main_set).verify() == ok[:-2]

    damaged = tmp_path / "damaged"
    shutil.copytree(main_set, damaged)
    first = json.load(open(damaged / "manifest.json"))["shards"][0]["file"]
    path = damaged / first
    data = bytearray(path.read_bytes())
    data[64 + 100] ^= 0x40
    path.write_bytes(bytes(data))
    swift = tokenmill("verify", damaged, check=False)
    assert swift.returncode == 1
    with pytest.raises(VerifyError) as e:
        ShardSet(str(damaged)).verify()
    assert str(e.value) + "\n" == swift.stderr and e.value.ok == swift.stdout.splitlines()
    # Both checks report: the file's SHA-256 differs, and the block that is damaged.
    assert [(x.shard, x.block) for x in e.value.errors] == [(first, None), (first, 0)]
    assert "SHA-256" in str(e.value.errors[0]) and "checksum mismatch" in str(e.value.errors[1])

    data[64 + 100] ^= 0x40
    path.write_bytes(bytes(data[:-30]))     # truncated
    swift = tokenmill("verify", damaged, check=False)
    with pytest.raises(VerifyError) as e:
        ShardSet(str(damaged)).verify()
    assert str(e.value) + "\n" == swift.stderr and "truncated" in str(e.value)


def test_the_loader_stops_at_a_damaged_block_or_skips_it_like_swift(main_set, tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(main_set, damaged)
    manifest = json.load(open(damaged / "manifest.json"))
    file = [s["file"] for s in manifest["shards"] if s["split"] == "train"][1]
    path = damaged / file
    data = bytearray(path.read_bytes())
    data[64 + 10] ^= 0x01
    path.write_bytes(bytes(data))
    loader = Loader(str(damaged), batch=4, context=64, seed=2)
    reached = 0
    with pytest.raises(ShardError) as e:
        for _ in range(10_000):
            loader.next_batch()
            reached += 1
    assert e.value.shard == file and e.value.block == 0 and "checksum mismatch" in str(e.value)
    with pytest.raises(ShardError):      # and again on every later call
        loader.next_batch()

    n = reached + 20
    swift = swift_hashes(str(damaged), "--batch", 4, "--context", 64, "--seed", 2, "--batches", n, "--skip-corrupt")
    skip = Loader(str(damaged), batch=4, context=64, seed=2, on_corrupt_block="skip")
    assert [skip.next_batch().hash() for _ in range(n)] == swift
    assert skip.stats["skipped_blocks"] == [f"{file} block 0"] and skip.stats["skipped_sequences"] > 0


def test_errors_name_the_file_and_what_to_do(tmp_path):
    with pytest.raises(ShardError, match="no manifest.json"):
        ShardSet(str(tmp_path))
    bad = tmp_path / "x.tms"
    bad.write_bytes(b"NOTASHARD" + bytes(200))
    from tokenmill_shards import Shard
    with pytest.raises(ShardError, match='x.tms: not a Tokenmill shard'):
        Shard(str(bad))
