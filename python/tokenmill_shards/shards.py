"""Random access to Tokenmill `.tms` shards and shard sets (docs/shard-format.md).

Shards are opened by memory map; the header, footer and index are read and checked at open
(their CRCs), and tokens are read block by block on demand, each block's CRC checked before it is
decompressed. A whole shard is never read, so memory stays bounded by the blocks in use.

Error messages are the Swift `ShardReader`'s and `tokenmill verify`'s, word for word.
"""
import json
import mmap
import os
import struct
import zlib

import numpy as np
import zstandard

HEADER_SIZE = 64
FOOTER_SIZE = 56
BLOCK_ENTRY_SIZE = 24
MAGIC = b"TOKMSHRD"
END_MAGIC = b"TOKMEND\0"
VERSION = 1
NO_TOKEN = 0xFFFFFFFF

_BLOCK_ENTRY = np.dtype([("offset", "<u8"), ("size", "<u4"), ("tokens", "<u4"), ("crc", "<u4"), ("reserved", "<u4")])


class ShardError(Exception):
    """What went wrong with a shard or shard set; `shard` and `block` name the place."""

    def __init__(self, message, shard=None, block=None):
        super().__init__(message)
        self.message = message
        self.shard = shard
        self.block = block

    def __str__(self):
        return self.message


class VerifyError(ShardError):
    """`ShardSet.verify()` found damage: `errors` holds one `ShardError` per failed shard."""

    def __init__(self, errors, total):
        lines = [f"error: {e}" for e in errors] + [f"{len(errors)} of {total} shards failed verification"]
        super().__init__("\n".join(lines), shard=errors[0].shard, block=errors[0].block)
        self.errors = errors


class Shard:
    """One finished shard: header, footer, block table and document index; tokens on demand."""

    def __init__(self, path):
        self.path = path
        self.name = name = os.path.basename(path)
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as e:
            raise ShardError(f"cannot open {path}: {e.strerror}", shard=name) from None
        try:
            self.file_size = size = os.fstat(fd).st_size
            if size < HEADER_SIZE + FOOTER_SIZE:
                raise ShardError(f"{name}: {size} bytes, shorter than a header and footer ({HEADER_SIZE + FOOTER_SIZE}): "
                                 "truncated; delete it and re-run `tokenmill shard`", shard=name)
            self._map = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)
        m = self._map
        header = m[:HEADER_SIZE]
        if header[:8] != MAGIC:
            found = " ".join(f"{b:02x}" for b in header[:8])
            raise ShardError(f'{name}: not a Tokenmill shard (expected magic "TOKMSHRD" at byte 0, found {found})', shard=name)
        version, width, vocab, eot = struct.unpack_from("<4I", header, 8)
        if version != VERSION:
            raise ShardError(f"{name}: shard format version {version}, this tokenmill reads version {VERSION}; use a matching tokenmill",
                             shard=name)
        if width not in (2, 4):
            raise ShardError(f"{name}: token width {width} bytes in the header; expected 2 or 4 (damaged header)", shard=name)
        self.token_bytes = width
        self.dtype = np.dtype("<u2" if width == 2 else "<u4")
        self.vocabulary_size = vocab
        self.end_of_text = None if eot == NO_TOKEN else eot
        self.fingerprint = bytes(header[24:56]).hex()
        footer = m[size - FOOTER_SIZE:]
        if footer[48:56] != END_MAGIC:
            raise ShardError(f'{name}: no shard footer at the end of the file (expected "TOKMEND"): the shard is truncated or was not '
                             "finished; delete it and re-run `tokenmill shard` to rewrite it", shard=name)
        (self.index_offset, block_count, document_count, token_count, self.block_tokens,
         index_crc, header_crc, _) = struct.unpack_from("<4Q4I", footer, 0)
        if zlib.crc32(header) != header_crc:
            raise ShardError(f"{name}: header checksum mismatch (the header was changed after writing); the shard cannot be trusted, "
                             "re-create it", shard=name)
        index_size = block_count * BLOCK_ENTRY_SIZE + (document_count + 1) * 8
        if self.index_offset + index_size + FOOTER_SIZE != size:
            raise ShardError(f"{name}: the footer places the index at byte {self.index_offset} ({index_size} bytes) but the file has "
                             f"{size} bytes: truncated or damaged; re-create it", shard=name)
        index = m[self.index_offset:self.index_offset + index_size]
        if zlib.crc32(index) != index_crc:
            raise ShardError(f"{name}: index checksum mismatch (block table or document index damaged); re-create the shard", shard=name)
        self.blocks = np.frombuffer(index, dtype=_BLOCK_ENTRY, count=block_count).copy()
        self.document_starts = np.frombuffer(index, dtype="<u8", count=document_count + 1,
                                             offset=block_count * BLOCK_ENTRY_SIZE).astype(np.int64)
        self.token_count = token_count
        self.document_count = document_count
        self._dctx = zstandard.ZstdDecompressor()
        self.blocks_decompressed = 0

    def close(self):
        self._map.close()

    def __repr__(self):
        return f"Shard({self.path!r}: {self.document_count} documents, {self.token_count} tokens, {len(self.blocks)} blocks)"

    def block(self, i):
        """The tokens of block `i` (read-only numpy array), after checking its CRC and size."""
        name = self.name
        entry = self.blocks[i]
        offset, csize, ntok = int(entry["offset"]), int(entry["size"]), int(entry["tokens"])
        if i == 0:
            expected = HEADER_SIZE
        else:
            prev = self.blocks[i - 1]
            expected = int(prev["offset"]) + int(prev["size"])
        if offset != expected or offset + csize > self.index_offset:
            raise ShardError(f"{name}: block {i}: the table places it at byte {offset}, expected {expected} (index damaged)",
                             shard=name, block=i)
        raw = self._map[offset:offset + csize]
        crc = zlib.crc32(raw)
        if crc != int(entry["crc"]):
            raise ShardError(f"{name}: block {i} (bytes {offset}..<{offset + csize}): checksum mismatch, expected crc32 "
                             f"{int(entry['crc']):08x}, found {crc:08x}; the shard is damaged, re-create it", shard=name, block=i)
        want = ntok * self.token_bytes
        try:
            out = self._dctx.decompress(raw, max_output_size=max(want, 1))
        except zstandard.ZstdError as e:
            raise ShardError(f"{name} block {i}: corrupt zstd block: {e}", shard=name, block=i) from None
        if len(out) != want:
            raise ShardError(f"{name} block {i}: block decompresses to {len(out)} bytes, the index says {want}", shard=name, block=i)
        self.blocks_decompressed += 1
        return np.frombuffer(out, dtype=self.dtype)

    def tokens(self, a, b):
        """Tokens [a, b) of the shard's stream, decompressing only the blocks they touch."""
        if a < 0 or b > self.token_count or a > b:
            raise ShardError(f"{self.name}: token range {a}..<{b} is outside 0..<{self.token_count}", shard=self.name)
        if a == b:
            return np.zeros(0, dtype=self.dtype)
        per = self.block_tokens
        first, last = a // per, (b - 1) // per
        if first == last:
            return self.block(first)[a - first * per:b - first * per]
        parts = [self.block(k) for k in range(first, last + 1)]
        return np.concatenate(parts)[a - first * per:b - first * per]

    def document_range(self, i):
        return int(self.document_starts[i]), int(self.document_starts[i + 1])

    def document(self, i):
        """The tokens of document `i`, without its leading end-of-text token."""
        a, b = self.document_range(i)
        t = self.tokens(a, b)
        return t[1:] if self.end_of_text is not None and len(t) else t

    def verify(self):
        """Reads every block, checking every checksum, the block sizes and the document index.
        Raises the first problem (a `ShardError` naming shard and block)."""
        name, per, total = self.name, self.block_tokens, 0
        n = len(self.blocks)
        for i in range(n):
            t = self.block(i)
            if i < n - 1 and len(t) != per:
                raise ShardError(f"{name}: block {i} holds {len(t)} tokens, expected {per} (index damaged)", shard=name, block=i)
            eot = self.end_of_text
            if eot is not None and len(t):
                bad = (t >= self.vocabulary_size) & (t != eot)
                if bad.any():
                    raise ShardError(f"{name}: block {i} holds a token id ≥ the vocabulary size {self.vocabulary_size}", shard=name, block=i)
            total += len(t)
        if total != self.token_count:
            raise ShardError(f"{name}: blocks hold {total} tokens, the footer says {self.token_count}", shard=name)
        starts = self.document_starts
        bad = np.nonzero(starts[:-1] > starts[1:])[0]
        if len(bad):
            raise ShardError(f"{name}: document index is not increasing at document {int(bad[0])}", shard=name)


def load_manifest(directory):
    path = os.path.join(directory, "manifest.json")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        raise ShardError(f"{directory}: no manifest.json (expected a directory written by `tokenmill shard`; an unfinished run has only "
                         "journal.jsonl: re-run the same `tokenmill shard` command to finish it)") from None
    try:
        manifest = json.loads(data)
        manifest["tokenizer"]["fingerprint"], manifest["shards"]
    except (ValueError, KeyError, TypeError) as e:
        raise ShardError(f"{path}: not a valid manifest ({e}); re-run `tokenmill shard`") from None
    return manifest


class ShardSet:
    """A shard directory written by `tokenmill shard`: its shards in manifest order (or only those
    of `split`), numbered across shards the way `tokenmill cat` numbers documents and tokens."""

    def __init__(self, path, split=None):
        self.path = path
        self.manifest = load_manifest(path)
        self.split = split
        self.summaries = [s for s in self.manifest["shards"] if split is None or s["split"] == split]
        tok = self.manifest["tokenizer"]
        self.fingerprint = tok["fingerprint"]
        self.end_of_text = tok.get("end_of_text")
        self.vocabulary_size = tok.get("vocabulary_size")
        self._shards = None
        self._lengths = None

    @property
    def shards(self):
        """The opened shards (opened on first use, so that `verify()` can report a damaged one)."""
        if self._shards is None:
            self._shards = [Shard(os.path.join(self.path, s["file"])) for s in self.summaries]
            self.token_starts = np.cumsum([0] + [s.token_count for s in self._shards]).astype(np.int64)
            self.document_bases = np.cumsum([0] + [s.document_count for s in self._shards]).astype(np.int64)
        return self._shards

    def __repr__(self):
        return f"ShardSet({self.path!r}, {len(self.shards)} shards, {self.document_count} documents, {self.token_count} tokens)"

    def close(self):
        for s in self._shards or []:
            s.close()

    @property
    def token_count(self):
        self.shards
        return int(self.token_starts[-1])

    @property
    def document_count(self):
        self.shards
        return int(self.document_bases[-1])

    def __len__(self):
        return self.document_count

    def _locate_document(self, i):
        if not 0 <= i < self.document_count:
            raise IndexError(f"document {i}: the set holds {self.document_count} documents (0..<{self.document_count})")
        s = int(np.searchsorted(self.document_bases, i, side="right")) - 1
        return self.shards[s], i - int(self.document_bases[s])

    def doc(self, i):
        """Document `i` (0-based across the shards, manifest order), without its leading end-of-text token."""
        shard, d = self._locate_document(i)
        return shard.document(d)

    def __getitem__(self, i):
        return self.doc(i)

    def documents(self):
        """Every document in order (a generator; one document in memory at a time)."""
        for shard in self.shards:
            for d in range(shard.document_count):
                yield shard.document(d)

    def tokens(self, a, b):
        """Tokens [a, b) of the concatenated shards (leading end-of-text tokens included), like `tokenmill cat --range A..B`."""
        if a < 0 or a > b or b > self.token_count:
            raise ShardError(f"token range {a}..<{b}: the set holds {self.token_count} tokens")
        parts = []
        for s, shard in enumerate(self.shards):
            base = int(self.token_starts[s])
            lo, hi = max(a, base), min(b, base + shard.token_count)
            if lo < hi:
                parts.append(shard.tokens(lo - base, hi - base))
        if not parts:
            return np.zeros(0, dtype=self.shards[0].dtype if self.shards else np.uint32)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def lengths(self):
        """Token count of every document without its leading end-of-text token (numpy int64), from the index alone."""
        if self._lengths is None:
            parts = []
            for shard in self.shards:
                n = np.diff(shard.document_starts)
                if shard.end_of_text is not None:
                    n = np.maximum(n - 1, 0)
                parts.append(n)
            self._lengths = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return self._lengths

    def verify(self):
        """Checks every shard as `tokenmill verify` does (every CRC, block sizes, token ids, document
        index, counts against the manifest). Returns the `ok …` lines; raises `VerifyError` (whose
        `errors` are the per-shard `ShardError`s, with `tokenmill verify`'s messages) on damage."""
        ok, errors = [], []
        for summary in self.summaries:
            file = summary["file"]
            try:
                reader = Shard(os.path.join(self.path, file))
                try:
                    if reader.fingerprint != self.fingerprint:
                        raise ShardError(f"{file}: tokenizer fingerprint {reader.fingerprint[:16]}… differs from the manifest's "
                                         f"{self.fingerprint[:16]}…: the shard comes from another run", shard=file)
                    reader.verify()
                    if reader.token_count != summary["tokens"] or reader.document_count != summary["documents"]:
                        raise ShardError(f"{file}: holds {reader.token_count} tokens / {reader.document_count} documents, the manifest "
                                         f"says {summary['tokens']} / {summary['documents']}", shard=file)
                    ok.append(f"ok {file}: {len(reader.blocks)} blocks, {reader.document_count} documents, {reader.token_count} tokens")
                finally:
                    reader.close()
            except ShardError as e:
                errors.append(e)
        if errors:
            raise VerifyError(errors, len(self.summaries))
        return ok
