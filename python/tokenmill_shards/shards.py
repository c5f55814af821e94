"""Random access to Tokenmill `.tms` shards and shard sets (docs/shard-format.md).

Shards are opened by memory map; the header, footer and index are read and every field checked
at open (their CRCs, and each field against the others and the file size, as the Swift
`ShardReader.readIndex` does), and tokens are read block by block on demand, each block's CRC
checked before it is decompressed and its ids checked against the vocabulary after. A whole shard
is never read, so memory stays bounded by the blocks in use. A shard set is checked against its
manifest as the Swift readers check it (Sources/Shards/Manifest+Integrity.swift): `file` paths
stay inside the directory, the tokenizer copy's SHA-256 is the manifest's fingerprint, and each
shard's size, split, header fields and counts are the manifest's.

Error messages are the Swift `ShardReader`'s, `Manifest`'s and `tokenmill verify`'s, word for word.
"""
import errno
import hashlib
import json
import mmap
import os
import stat
import struct
import zlib

import numpy as np
import zstandard

HEADER_SIZE = 64
FOOTER_SIZE = 56
BLOCK_ENTRY_SIZE = 24
MAGIC = b"TOKMSHRD"
END_MAGIC = b"TOKMEND\0"
# The version Tokenmill writes: version 2 added the footer's own CRC-32 (footer bytes 44..<48,
# reserved 0 in version 1). Both are read.
VERSION = 2
READABLE_VERSIONS = (1, 2)
# The most tokens a block may declare (Swift `ShardFormat.maxBlockTokens`).
MAX_BLOCK_TOKENS = 1 << 24
NO_TOKEN = 0xFFFFFFFF
SHARD_EXTENSION = ".tms"

_BLOCK_ENTRY = np.dtype([("offset", "<u8"), ("size", "<u4"), ("tokens", "<u4"), ("crc", "<u4"), ("reserved", "<u4")])
_HASH_CHUNK = 1 << 20


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
    """`ShardSet.verify()` found problems: `errors` holds one `ShardError` per problem, in the order
    `tokenmill verify` reports them; the message is what it prints on standard error, and `ok` the
    `ok …` lines it prints on standard output for the shards that passed."""

    def __init__(self, errors, directory, listed, ok=()):
        n = len(errors)
        lines = [f"error: {e}" for e in errors] + [f"{n} problem{'' if n == 1 else 's'} found in {directory} ({listed} shards listed)"]
        super().__init__("\n".join(lines), shard=errors[0].shard, block=errors[0].block)
        self.errors = errors
        self.ok = list(ok)


def _hex(data):
    return bytes(data).hex()


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
            try:
                self._map = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
            except OSError as e:
                # Swift reads with pread: a directory fails there with EISDIR, named the same way.
                why = os.strerror(errno.EISDIR) if stat.S_ISDIR(os.fstat(fd).st_mode) else e.strerror
                raise ShardError(f"{name}: read error: {why}", shard=name) from None
        finally:
            os.close(fd)
        try:
            self._read_index()
        except BaseException:
            self._map.close()
            raise
        self._dctx = zstandard.ZstdDecompressor()
        self.blocks_decompressed = 0

    def _read_index(self):
        """Swift `ShardReader.readIndex` (and `ShardHeader.decode`, `ShardFooter.decode`): every
        header, footer and index field is checked before it is used; a failure names shard and field."""
        m, name, size = self._map, self.name, self.file_size

        def fail(what):
            return ShardError(f"{name}: {what}; the shard is damaged, re-create it with `tokenmill shard`", shard=name)

        header = m[:HEADER_SIZE]
        if header[:8] != MAGIC:
            found = " ".join(f"{b:02x}" for b in header[:8])
            raise ShardError(f'{name}: not a Tokenmill shard (expected magic "TOKMSHRD" at byte 0, found {found})', shard=name)
        version, width, vocab, eot = struct.unpack_from("<4I", header, 8)
        if version not in READABLE_VERSIONS:
            raise ShardError(f"{name}: header field version = {version}, this tokenmill reads versions {READABLE_VERSIONS[0]}–"
                             f"{READABLE_VERSIONS[-1]}: a newer tokenmill wrote it, or the header is damaged", shard=name)
        if width not in (2, 4):
            raise ShardError(f"{name}: header field token_bytes = {width}; expected 2 or 4 (damaged header)", shard=name)
        if not (vocab >= 1 and (width == 4 or vocab <= 1 << 16)):
            raise ShardError(f"{name}: header field vocabulary_size = {vocab} does not fit {width}-byte ids (damaged header)", shard=name)
        self.version = version
        self.token_bytes = width
        self.dtype = np.dtype("<u2" if width == 2 else "<u4")
        self.vocabulary_size = vocab
        self.end_of_text = None if eot == NO_TOKEN else eot
        self.fingerprint = _hex(header[24:56])

        footer = m[size - FOOTER_SIZE:]
        if footer[48:56] != END_MAGIC:
            raise ShardError(f'{name}: no shard footer at the end of the file (expected "TOKMEND"): the shard is truncated or was not '
                             "finished; delete it and re-run `tokenmill shard` to rewrite it", shard=name)
        (index_offset, block_count, document_count, token_count, per,
         index_crc, header_crc, footer_crc) = struct.unpack_from("<4Q4I", footer, 0)
        if version >= 2:
            computed = zlib.crc32(footer[:44])
            if footer_crc != computed:
                raise ShardError(f"{name}: footer checksum mismatch (fields index_offset, block_count, document_count, token_count, "
                                 f"block_tokens, index_crc32, header_crc32: expected crc32 {footer_crc:08x}, found {computed:08x}): "
                                 "the footer was changed after writing; the shard cannot be trusted, re-create it", shard=name)
        elif footer_crc != 0:
            raise ShardError(f"{name}: footer field reserved = {footer_crc}, expected 0 in a version 1 shard (damaged footer)", shard=name)
        if zlib.crc32(header) != header_crc:
            raise ShardError(f"{name}: header checksum mismatch (fields magic, version, token_bytes, vocabulary_size, end_of_text, "
                             "fingerprint, reserved): the header was changed after writing; the shard cannot be trusted, re-create it",
                             shard=name)
        if not 1 <= per <= MAX_BLOCK_TOKENS:
            raise fail(f"footer field block_tokens = {per}, expected 1…{MAX_BLOCK_TOKENS}")
        if not HEADER_SIZE <= index_offset <= size - FOOTER_SIZE:
            raise fail(f"footer field index_offset = {index_offset} lies outside the file's {size} bytes")
        room = size - FOOTER_SIZE - index_offset
        if not (block_count <= room // BLOCK_ENTRY_SIZE and document_count < room // 8):
            raise fail(f"footer fields block_count = {block_count}, document_count = {document_count} do not fit the {room}-byte "
                       f"index at byte {index_offset}")
        index_size = block_count * BLOCK_ENTRY_SIZE + (document_count + 1) * 8
        if index_size != room:
            raise fail(f"the footer places the index at byte {index_offset} ({index_size} bytes for block_count {block_count}, "
                       f"document_count {document_count}) but the file has {size} bytes: truncated or damaged")
        expected_blocks = -(-token_count // per)
        if block_count != expected_blocks:
            raise fail(f"footer fields disagree: token_count {token_count} in blocks of block_tokens {per} needs {expected_blocks} "
                       f"blocks, block_count says {block_count}")
        index = m[index_offset:index_offset + index_size]
        if zlib.crc32(index) != index_crc:
            raise fail("index checksum mismatch (block table or document index changed after writing)")

        blocks = np.frombuffer(index, dtype=_BLOCK_ENTRY, count=block_count).copy()
        if block_count:
            # Entry i must start where entry i-1 ends (block 0 at the header's end), be non-empty,
            # end by index_offset, and hold block_tokens tokens (the last: the rest). Checked for
            # all entries at once; the first failing one is reported, as the Swift loop does. int64:
            # the running end passes index_offset (< 2^63) long before it could wrap.
            offsets = blocks["offset"].astype(np.int64)
            sizes = blocks["size"].astype(np.int64)
            ends = HEADER_SIZE + np.cumsum(sizes)
            starts_expected = np.concatenate(([HEADER_SIZE], ends[:-1]))
            tokens_expected = np.full(block_count, per, dtype=np.int64)
            tokens_expected[-1] = token_count - (block_count - 1) * per
            placed = (blocks["offset"] == starts_expected.astype(np.uint64)) & (sizes > 0) & (sizes <= index_offset - starts_expected)
            counted = blocks["tokens"].astype(np.int64) == tokens_expected
            bad = np.flatnonzero(~(placed & counted))
            if len(bad):
                i = int(bad[0])
                if not placed[i]:
                    raise fail(f"block table entry {i}: field offset = {int(blocks['offset'][i])}, compressed_size = {int(sizes[i])}; "
                               f"expected the block at byte {int(starts_expected[i])}, ending by byte {index_offset}")
                raise fail(f"block table entry {i}: field token_count = {int(blocks['tokens'][i])}, expected {int(tokens_expected[i])} "
                           f"(block_tokens {per}, token_count {token_count})")
            end = int(ends[-1])
            del offsets
        else:
            end = HEADER_SIZE
        if end != index_offset:
            raise fail(f"the blocks end at byte {end} but footer field index_offset = {index_offset}")

        starts = np.frombuffer(index, dtype="<u8", count=document_count + 1, offset=block_count * BLOCK_ENTRY_SIZE)
        previous = np.concatenate((np.zeros(1, dtype=np.uint64), starts[:-1]))
        ok = (starts >= previous) & (starts <= np.uint64(token_count))
        if document_count:
            ok[0] &= starts[0] == 0
        ok[-1] &= starts[-1] == np.uint64(token_count)
        bad = np.flatnonzero(~ok)
        if len(bad):
            i = int(bad[0])
            expected = (f"= token_count {token_count}" if i == document_count else "0" if i == 0
                        else f"within {int(previous[i])}…{token_count}")
            raise fail(f"document index entry {i} = {int(starts[i])}, expected {expected}")

        self.index_offset = index_offset
        self.document_index_offset = index_offset + block_count * BLOCK_ENTRY_SIZE
        self.block_tokens = per
        self.blocks = blocks
        self.document_starts = starts.astype(np.int64)
        self.token_count = token_count
        self.document_count = document_count

    def close(self):
        self._map.close()

    def __repr__(self):
        return f"Shard({self.path!r}: {self.document_count} documents, {self.token_count} tokens, {len(self.blocks)} blocks)"

    def require_fingerprint(self, fingerprint, tokenizer_name):
        """Refuses a shard made with a tokenizer of another fingerprint (hex)."""
        if self.fingerprint != fingerprint:
            raise ShardError(f"{self.name}: made with a tokenizer of fingerprint {self.fingerprint[:16]}…, but {tokenizer_name} has "
                             f"fingerprint {fingerprint[:16]}…: these token ids mean different text; use the tokenizer the shard was made "
                             "with (its copy is in the shard directory)", shard=self.name)

    def block(self, i):
        """The tokens of block `i` (read-only numpy array), after checking its CRC, size and ids."""
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
        out = self._decompress(raw, want, f"{name} block {i}", i)
        self.blocks_decompressed += 1
        tokens = np.frombuffer(out, dtype=self.dtype)
        # An id outside the vocabulary would index past a model's embedding table: checked for
        # every read, as the Swift reader does (the max first: one vectorized pass when all is well).
        vocab = self.vocabulary_size
        if len(tokens) and int(tokens.max()) >= vocab:
            bad = tokens >= vocab
            if self.end_of_text is not None:
                bad &= tokens != self.end_of_text
            where = np.flatnonzero(bad)
            if len(where):
                k = int(where[0])
                raise ShardError(f"{name}: block {i} holds token id {int(tokens[k])} at position {k}, outside the vocabulary of "
                                 f"{vocab} ids (header field vocabulary_size); the shard is damaged, re-create it", shard=name, block=i)
        return tokens

    def _decompress(self, raw, want, source, i):
        """One zstd frame into exactly `want` bytes (Swift `Zstd.decompressFrame`: ZSTD_decompress
        into a buffer of that size). Error texts are zstd's error names, as ZSTD_getErrorName gives them."""
        def corrupt(what):
            return ShardError(f"{source}: corrupt zstd block: {what}", shard=self.name, block=i)
        try:
            content = zstandard.frame_content_size(raw)
        except zstandard.ZstdError:
            raise corrupt("Unknown frame descriptor") from None
        if content > want:
            raise corrupt("Destination buffer is too small")
        try:
            out = self._dctx.decompress(raw, max_output_size=max(want, 1))
        except zstandard.ZstdError as e:
            text = str(e)
            raise corrupt(text.split("decompression error: ", 1)[-1]) from None
        if len(out) != want:
            raise ShardError(f"{source}: block decompresses to {len(out)} bytes, the index says {want}", shard=self.name, block=i)
        return out

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
        """Reads every block, checking every checksum, the block sizes, the ids and the document
        index (Swift `ShardReader.verify`). Raises the first problem (a `ShardError` naming shard and block)."""
        name, per, total = self.name, self.block_tokens, 0
        n = len(self.blocks)
        for i in range(n):
            t = self.block(i)
            if i < n - 1 and len(t) != per:
                raise ShardError(f"{name}: block {i} holds {len(t)} tokens, expected {per} (index damaged)", shard=name, block=i)
            total += len(t)
        if total != self.token_count:
            raise ShardError(f"{name}: blocks hold {total} tokens, the footer says {self.token_count}", shard=name)
        starts = self.document_starts
        bad = np.nonzero(starts[:-1] > starts[1:])[0]
        if len(bad):
            raise ShardError(f"{name}: document index is not increasing at document {int(bad[0])}", shard=name)


def _path(directory, file):
    # The Swift readers join with "/" (`directory + "/" + file`); so do the messages naming the file.
    return f"{directory}/{file}"


def load_manifest(directory):
    """Reads `manifest.json` of a shard directory (Swift `Manifest.load`) and refuses `file`
    entries that would leave the directory: an absolute path, an empty component, `.` or `..`."""
    path = _path(directory, "manifest.json")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        raise ShardError(f"{directory}: no manifest.json (expected a directory written by `tokenmill shard`; an unfinished run has only "
                         "journal.jsonl: re-run the same `tokenmill shard` command to finish it)") from None
    try:
        manifest = json.loads(data)
        tokenizer = manifest["tokenizer"]
        for key in ("fingerprint", "file"):
            if not isinstance(tokenizer[key], str):
                raise TypeError(f"tokenizer.{key} is not a string")
        for i, shard in enumerate(manifest["shards"]):
            for key in ("file", "split", "sha256"):
                if not isinstance(shard[key], str):
                    raise TypeError(f"shards[{i}].{key} is not a string")
            for key in ("tokens", "documents", "bytes"):
                if not isinstance(shard[key], int):
                    raise TypeError(f"shards[{i}].{key} is not an integer")
    except (ValueError, KeyError, TypeError) as e:
        raise ShardError(f"{path}: not a valid manifest ({e}); re-run `tokenmill shard`") from None
    _check_paths(manifest, directory)
    return manifest


def _check_paths(manifest, directory):
    """Swift `Manifest.checkPaths`."""
    def check(file, field):
        parts = file.split("/")
        if not file or file.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ShardError(f'{directory}/manifest.json: {field} = "{file}" leaves the shard directory (expected a relative path inside '
                             f"{directory}, without `..`); the manifest is damaged or was edited, refusing to read it")
    check(manifest["tokenizer"]["file"], "tokenizer.file")
    for i, shard in enumerate(manifest["shards"]):
        check(shard["file"], f"shards[{i}].file")


def _hash_file(path):
    """(size, SHA-256 hex) of a file, read 1 MiB at a time (Swift `ShardJob.hashFile`, same errors)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as e:
        raise ShardError(f"cannot open {path}: {e.strerror}") from None
    try:
        h, size = hashlib.sha256(), 0
        while True:
            try:
                chunk = os.read(fd, _HASH_CHUNK)
            except OSError as e:
                raise ShardError(f"cannot read {path}: {e.strerror}") from None
            if not chunk:
                return size, h.hexdigest()
            h.update(chunk)
            size += len(chunk)
    finally:
        os.close(fd)


def tokenizer_fingerprint(data):
    """The fingerprint shards carry: SHA-256 (hex) of the tokenizer's canonical `tokenizer.json`
    bytes (Swift `ShardFingerprint.of`: SHA-256 of `Tokenizer.huggingFaceJSON()`). The shard set's
    copy is written as exactly those bytes, so its SHA-256 is the manifest's `tokenizer.fingerprint`."""
    return hashlib.sha256(data).hexdigest()


def tokenizer_copy(manifest, directory):
    """The bytes of the set's tokenizer copy, after checking that their SHA-256 is the manifest's
    tokenizer fingerprint (Swift `Manifest.tokenizerCopy`): a changed, replaced or missing copy is refused."""
    fingerprint = manifest["tokenizer"]["fingerprint"]
    path = _path(directory, manifest["tokenizer"]["file"])
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        raise ShardError(f"{path} is missing or unreadable: the shard set's tokenizer copy (fingerprint {fingerprint[:16]}…) is needed "
                         "to decode its ids; restore it, or re-run `tokenmill shard`") from None
    found = tokenizer_fingerprint(data)
    if found != fingerprint:
        raise ShardError(f"{path}: SHA-256 {found[:16]}… differs from the manifest's tokenizer fingerprint {fingerprint[:16]}…: the "
                         "tokenizer copy was changed or replaced, and its ids would mean other text; restore it (e.g. `tokenmill "
                         "convert`/the tokenizer the set was made with), or re-run `tokenmill shard`")
    return data


def _none(value):
    return "none" if value is None else str(value)


def open_shard(manifest, summary, directory):
    """Opens shard `summary` and checks it against the manifest without reading its blocks (Swift
    `Manifest.openShard`): size, split, header fields and the footer's counts. O(index)."""
    reader = Shard(_path(directory, summary["file"]))
    name = summary["file"]

    def fail(what):
        return ShardError(f"{name}: {what} (manifest.json of {directory}): the shard comes from another run or was changed; re-run "
                          "`tokenmill shard`", shard=name)
    try:
        tok = manifest["tokenizer"]
        if reader.file_size != summary["bytes"]:
            raise fail(f"{reader.file_size} bytes, the manifest says {summary['bytes']}")
        if not os.path.basename(name).startswith(summary["split"] + "-"):
            raise fail(f'listed under split "{summary["split"]}"')
        if reader.fingerprint != tok["fingerprint"]:
            raise fail(f"header field fingerprint {reader.fingerprint[:16]}… differs from the manifest's tokenizer fingerprint "
                       f"{tok['fingerprint'][:16]}…")
        m_vocab, m_width, m_eot = tok.get("vocabulary_size"), tok.get("token_bytes"), tok.get("end_of_text")
        if reader.vocabulary_size != m_vocab or reader.token_bytes != m_width or reader.end_of_text != m_eot:
            raise fail(f"header fields vocabulary_size {reader.vocabulary_size}, token_bytes {reader.token_bytes}, end_of_text "
                       f"{_none(reader.end_of_text)} differ from the manifest's {_none(m_vocab)}, {_none(m_width)}, {_none(m_eot)}")
        if reader.token_count != summary["tokens"] or reader.document_count != summary["documents"]:
            raise fail(f"footer fields token_count {reader.token_count}, document_count {reader.document_count} differ from the "
                       f"manifest's {summary['tokens']}, {summary['documents']}")
    except BaseException:
        reader.close()
        raise
    return reader


def list_problems(manifest, directory):
    """Swift `Manifest.listProblems`: the shard list against the manifest's totals, files listed
    twice, and `.tms` files in the directory (or below) that the manifest does not list."""
    problems, seen = [], set()
    shards = manifest["shards"]
    for shard in shards:
        if shard["file"] in seen:
            problems.append(f"manifest.json lists {shard['file']} more than once: every reader would read its tokens twice")
        seen.add(shard["file"])

    def expect(field, stated, summed, what):
        if stated != summed:
            problems.append(f"manifest.json: field {field} = {_none(stated)}, but its shard list sums to {summed} {what}")
    expect("tokens", manifest.get("tokens"), sum(s["tokens"] for s in shards), "tokens")
    expect("documents_kept", manifest.get("documents_kept"), sum(s["documents"] for s in shards), "documents")
    expect("bytes_out", manifest.get("bytes_out"), sum(s["bytes"] for s in shards), "bytes")
    splits = manifest.get("splits") or {}
    for split in sorted(splits):
        totals = splits[split]
        listed = [s for s in shards if s["split"] == split]
        expect(f"splits.{split}.shards", totals.get("shards"), len(listed), "shards")
        expect(f"splits.{split}.tokens", totals.get("tokens"), sum(s["tokens"] for s in listed), "tokens")
        expect(f"splits.{split}.documents", totals.get("documents"), sum(s["documents"] for s in listed), "documents")
    for split in sorted({s["split"] for s in shards} - set(splits)):
        problems.append(f"manifest.json lists {split} shards but has no splits.{split} totals")
    listed = {s["file"] for s in shards}
    unlisted = []
    for root, dirs, files in os.walk(directory):
        rel = os.path.relpath(root, directory)
        for f in files:
            relative = f if rel == "." else f"{rel}/{f}"
            if relative.endswith(SHARD_EXTENSION) and relative not in listed:
                unlisted.append(relative)
    for file in sorted(unlisted):
        problems.append(f"{file} is in the directory but not in manifest.json: an entry was removed (its tokens would be silently "
                        "skipped), or the file does not belong here")
    return problems


def check_digest(summary, directory):
    """The whole file of shard `summary` against the manifest's SHA-256 and size (Swift `Manifest.checkDigest`)."""
    size, sha256 = _hash_file(_path(directory, summary["file"]))
    if size != summary["bytes"] or sha256 != summary["sha256"]:
        raise ShardError(f"{summary['file']}: SHA-256 {sha256[:16]}… ({size} bytes) differs from the manifest's {summary['sha256'][:16]}… "
                         f"({summary['bytes']} bytes): the file was replaced or changed after the run; re-run `tokenmill shard`",
                         shard=summary["file"])


class ShardSet:
    """A shard directory written by `tokenmill shard`: its shards in manifest order (or only those
    of `split`), numbered across shards the way `tokenmill cat` numbers documents and tokens.
    The manifest is read (and its `file` paths checked) at once; the tokenizer copy and the shards
    are checked against it when the shards are first opened (`tokenmill cat`'s checks)."""

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
        """The opened shards (opened on first use, so that `verify()` can report a damaged one),
        after checking the tokenizer copy; each is checked against its manifest entry."""
        if self._shards is None:
            tokenizer_copy(self.manifest, self.path)
            opened = []
            try:
                for s in self.summaries:
                    opened.append(open_shard(self.manifest, s, self.path))
            except BaseException:
                for r in opened:
                    r.close()
                raise
            self._shards = opened
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
        """Checks the set as `tokenmill verify` does: the tokenizer copy against the manifest's
        fingerprint; the manifest's totals, duplicate entries and unlisted `.tms` files; and per
        shard its SHA-256 and size, header fields and counts against the manifest, every block's
        CRC, size and ids and the document index. With `split`, only that split's shards are read
        (the manifest checks cover the whole set). Returns the `ok …` lines `tokenmill verify`
        prints; raises `VerifyError`, whose message is what it prints on standard error, on any problem."""
        problems, ok, directory = [], [], self.path
        try:
            tokenizer_copy(self.manifest, directory)
        except ShardError as e:
            problems.append(e)
        for problem in list_problems(self.manifest, directory):
            problems.append(ShardError(f"{directory}/{problem}"))
        for summary in self.summaries:
            # Both checks, each reported: the structural one says where a shard is damaged (block,
            # field), the SHA-256 whether it is the file this run wrote at all.
            good = True
            try:
                check_digest(summary, directory)
            except ShardError as e:
                good = False
                problems.append(e)
            try:
                reader = open_shard(self.manifest, summary, directory)
                try:
                    reader.verify()
                    if good:
                        ok.append(f"ok {summary['file']}: {len(reader.blocks)} blocks, {reader.document_count} documents, "
                                  f"{reader.token_count} tokens")
                finally:
                    reader.close()
            except ShardError as e:
                problems.append(e)
        if problems:
            raise VerifyError(problems, directory, len(self.manifest["shards"]), ok)
        return ok
