"""Iterating a 1 GB shard set keeps memory bounded: shards are memory-mapped and only the blocks in
use are decompressed (a whole-shard read would need ≥ 170 MB per shard here: 6 shards of ~1/6 GB)."""
import json
import os
import subprocess
import sys

import numpy as np

from conftest import tokenmill

SET_BYTES = int(os.environ.get("TOKENMILL_MEMORY_TEST_BYTES", 1 << 30))


def test_iterating_a_1gb_set_stays_under_160mb_peak_rss(tmp_path):
    # Random gpt2 ids (incompressible: the .tms set is as large as the raw tokens), an
    # end-of-text every 2,000 tokens or so, written a chunk at a time.
    raw = tmp_path / "train.bin"
    rng = np.random.default_rng(7)
    with open(raw, "wb") as f:
        for _ in range(SET_BYTES // (1 << 24)):
            chunk = rng.integers(0, 50256, size=1 << 23, dtype=np.uint16)
            chunk[rng.integers(0, len(chunk), size=len(chunk) // 2000)] = 50256
            f.write(chunk.tobytes())
    tokenmill("import", "--format", "nanogpt", raw, "-o", tmp_path / "set", "--shard-tokens", SET_BYTES // 12, "--level", 1)
    raw.unlink()
    size = sum(os.path.getsize(tmp_path / "set" / f) for f in os.listdir(tmp_path / "set") if f.endswith(".tms"))
    assert size >= 0.9 * SET_BYTES
    probe = r"""
import json, resource, sys
from tokenmill_shards import Loader, ShardSet
s = ShardSet(sys.argv[1])
for i in range(0, len(s), max(1, len(s) // 200)):
    s.doc(i)
s.tokens(s.token_count // 2, s.token_count // 2 + 1_000_000)
loader = Loader(sys.argv[1], batch=8, context=1024, seed=3)
seen = set()
for _ in range(400):
    b = loader.next_batch()
    seen.update(b.sequence_ids)
print(json.dumps({"peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "blocks": loader.stats["blocks_decompressed"],
                  "shards": len(s.shards)}))
"""
    r = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "set")], capture_output=True, text=True, check=True)
    report = json.loads(r.stdout)
    print(f"1 GB set ({size} bytes in {report['shards']} shards): {report}")
    assert report["shards"] >= 5 and report["blocks"] > 100
    assert report["peak_rss_mib"] < 160, report
