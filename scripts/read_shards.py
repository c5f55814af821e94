#!/usr/bin/env python3
"""Reference reader of Tokenmill .tms shards (docs/shard-format.md), numpy + zstandard only.

  read_shards.py DIR              print every document's ids, one line each (like `tokenmill cat DIR --ids`)
  read_shards.py DIR --verify     check every checksum

As a library: Shard(path).document(i) / .tokens(a, b); shards(DIR) lists them from manifest.json.
"""
import json, os, struct, sys, zlib
import numpy as np
import zstandard

HEADER, FOOTER, ENTRY = 64, 56, 24


class Shard:
    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            data = f.read()
        self.data = data
        h = data[:HEADER]
        assert h[:8] == b"TOKMSHRD", f"{path}: bad magic"
        version, width, self.vocab_size, eot = struct.unpack_from("<4I", h, 8)
        assert version in (1, 2), f"{path}: version {version}"
        self.dtype = np.dtype("<u2" if width == 2 else "<u4")
        self.eot = None if eot == 0xFFFFFFFF else eot
        self.fingerprint = h[24:56].hex()
        ft = data[-FOOTER:]
        assert ft[48:56] == b"TOKMEND\0", f"{path}: no footer (truncated?)"
        (self.index_offset, nblocks, self.ndocs, self.ntokens, self.block_tokens,
         index_crc, header_crc, footer_crc) = struct.unpack_from("<4Q4I", ft, 0)
        # Version 2 checksums the footer's own fields (block_tokens included); version 1 wrote 0.
        assert zlib.crc32(ft[:44]) == footer_crc if version >= 2 else footer_crc == 0, f"{path}: footer checksum"
        assert zlib.crc32(h) == header_crc, f"{path}: header checksum"
        index = data[self.index_offset:len(data) - FOOTER]
        assert zlib.crc32(index) == index_crc, f"{path}: index checksum"
        table = np.frombuffer(index, dtype=np.dtype([("offset", "<u8"), ("size", "<u4"), ("tokens", "<u4"),
                                                     ("crc", "<u4"), ("pad", "<u4")]), count=nblocks)
        self.blocks = table
        self.doc_starts = np.frombuffer(index, dtype="<u8", offset=nblocks * ENTRY, count=self.ndocs + 1)
        self._dctx = zstandard.ZstdDecompressor()

    def block(self, i):
        b = self.blocks[i]
        raw = self.data[int(b["offset"]):int(b["offset"]) + int(b["size"])]
        if zlib.crc32(raw) != int(b["crc"]):
            raise ValueError(f"{self.path}: block {i} checksum mismatch")
        out = self._dctx.decompress(raw, max_output_size=int(b["tokens"]) * self.dtype.itemsize)
        return np.frombuffer(out, dtype=self.dtype)

    def tokens(self, a, b):
        if a >= b:
            return np.zeros(0, dtype=self.dtype)
        per = self.block_tokens
        parts = [self.block(k) for k in range(a // per, (b - 1) // per + 1)]
        return np.concatenate(parts)[a - (a // per) * per: b - (a // per) * per]

    def document(self, i):
        t = self.tokens(int(self.doc_starts[i]), int(self.doc_starts[i + 1]))
        return t[1:] if self.eot is not None and len(t) else t


def shards(directory):
    with open(os.path.join(directory, "manifest.json")) as f:
        manifest = json.load(f)
    return [Shard(os.path.join(directory, s["file"])) for s in manifest["shards"]]


def main():
    directory = sys.argv[1]
    verify = "--verify" in sys.argv[2:]
    out = sys.stdout
    for s in shards(directory):
        if verify:
            for i in range(len(s.blocks)):
                s.block(i)
            print(f"ok {os.path.basename(s.path)}")
            continue
        for d in range(s.ndocs):
            out.write(" ".join(map(str, s.document(d).tolist())) + "\n")


if __name__ == "__main__":
    main()
