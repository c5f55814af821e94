"""`Loader`: the Swift `DataLoader` (Sources/DataLoader) in numpy — the same batches in the same
order for the same options, the same rank partitions, and the same state JSON, so a run can move
between Swift and Python mid-epoch. See docs/dataloader.md for the rules and docs/python.md for use."""
import bisect
import json
import os
from collections import OrderedDict

import numpy as np

from .order import SequenceOrder, SplitMix64
from .shards import ShardError, load_manifest, open_shard, tokenizer_copy

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3


def batch_hash(inputs, targets, positions):
    """FNV-1a over the little-endian int32 bytes of inputs, targets and positions: the hash
    `tokenmill loader-bench --print-hashes` prints per batch (as 16 hex digits)."""
    h = FNV_OFFSET
    mask = (1 << 64) - 1
    for a in (inputs, targets, positions):
        for byte in np.ascontiguousarray(a, dtype="<i4").tobytes():
            h = ((h ^ byte) * FNV_PRIME) & mask
    return f"{h:016x}"


class _TokenStream:
    """One split of one shard directory: its shards in manifest order, concatenated; reads through
    a small LRU cache of decompressed blocks (Swift's `TokenStream`)."""

    def __init__(self, directory, split, expected_fingerprint, policy):
        self.directory = directory
        self.policy = policy
        manifest = load_manifest(directory)
        fp = manifest["tokenizer"]["fingerprint"]
        tok_name = manifest["tokenizer"].get("name", "")
        if expected_fingerprint is not None and expected_fingerprint != fp:
            raise ShardError(f"{directory}: made with tokenizer {tok_name} of fingerprint {fp[:16]}…, but the model expects fingerprint "
                             f"{expected_fingerprint[:16]}…: these token ids mean different text; refusing to load")
        # The set's tokenizer copy is what decodes its ids: a changed copy is refused here too.
        tokenizer_copy(manifest, directory)
        summaries = [s for s in manifest["shards"] if s["split"] == split]
        if not summaries:
            splits = ", ".join(sorted(manifest.get("splits", {}).keys()))
            raise ShardError(f"{directory}: no `{split}` shards (splits: {splits}); for a validation split re-run `tokenmill shard` "
                             "with --val-fraction")
        readers, starts, docs = [], [0], []
        for summary in summaries:
            reader = open_shard(manifest, summary, directory)
            if expected_fingerprint is not None:
                reader.require_fingerprint(expected_fingerprint, "the expected tokenizer")
            docs.append(starts[-1] + reader.document_starts[:-1])
            starts.append(starts[-1] + reader.token_count)
            readers.append(reader)
        d = np.concatenate(docs + [np.array([starts[-1]], dtype=np.int64)])
        # Swift keeps a start only when it differs from the previous one (empty documents).
        keep = np.ones(len(d), dtype=bool)
        keep[1:] = d[1:] != d[:-1]
        keep[-1] = True
        d = d[keep]
        if len(d) >= 2 and d[-1] == d[-2]:
            d = d[:-1]
        self.doc_starts = d
        self.readers = readers
        self.shard_start = starts               # a list: bisect on it beats numpy for a scalar
        self._ramp = np.arange(0, dtype=np.int32)
        self.token_count = starts[-1]
        self.block_tokens = readers[0].block_tokens
        self.end_of_text = readers[0].end_of_text
        self.identity = f"{split}:{fp}:" + ",".join(f"{s['file']}={s['sha256']}" for s in summaries)
        self.cache = OrderedDict()
        self.cache_capacity = 64
        self.bad_blocks = set()
        self.blocks_decompressed = 0
        self.skipped_sequences = 0
        self.skipped_blocks = []

    def _block(self, s, b):
        key = (s, b)
        hit = self.cache.get(key)
        if hit is not None:
            self.cache.move_to_end(key)
            return hit
        if key in self.bad_blocks:
            return None
        try:
            tokens = self.readers[s].block(b)
            self.blocks_decompressed += 1
        except ShardError:
            if self.policy != "skip":
                raise
            self.bad_blocks.add(key)
            self.skipped_blocks.append(f"{self.readers[s].name} block {b}")
            return None
        if len(self.cache) >= self.cache_capacity:
            self.cache.popitem(last=False)
        self.cache[key] = tokens
        return tokens

    def copy(self, g, count, out):
        """Tokens [g, g + count) into `out` (int32). False when a damaged block was skipped."""
        done = 0
        starts = self.shard_start
        while done < count:
            s = min(bisect.bisect_right(starts, g) - 1, len(self.readers) - 1)
            local = g - starts[s]
            per = self.readers[s].block_tokens
            b = local // per
            tokens = self._block(s, b)
            if tokens is None:
                return False
            offset = local - b * per
            n = min(count - done, len(tokens) - offset, starts[s + 1] - g)
            if n <= 0:
                raise ShardError(f"token stream: empty read at {g}")
            out[done:done + n] = tokens[offset:offset + n]
            done += n
            g += n
        return True

    def positions(self, g, count, positions, segments):
        """Position in document of tokens [g, g + count) (0 at each document's end-of-text) and the
        index of the document within the row. Only the few document starts inside the row are visited."""
        if len(self._ramp) < count:
            self._ramp = np.arange(count, dtype=np.int32)
        ramp, starts = self._ramp, self.doc_starts
        first = int(starts.searchsorted(g, "right")) - 1
        last = int(starts.searchsorted(g + count - 1, "right")) - 1
        positions[:] = ramp[:count]
        positions += g - int(starts[first])
        segments[:] = 0
        for d in range(first + 1, last + 1):
            o = int(starts[d]) - g
            positions[o:] = ramp[:count - o]
            segments[o:] = d - first


class _Source:
    """One source: a token stream, its sequence order and a position (Swift's `SequenceSource`)."""

    def __init__(self, stream, o, seed):
        self.stream = stream
        self.context = o["context"]
        self.epochs = o["epochs"]
        self.position = 0
        sequences = max(0, (stream.token_count - 1) // o["context"])
        chunk = o["chunk_sequences"] if o["chunk_sequences"] is not None else max(1, stream.block_tokens // o["context"])
        world, rank = o["world_size"], o["rank"]
        if world < 1 or not 0 <= rank < world:
            raise ShardError(f"rank {rank} is outside 0..<{world}")
        if sequences // world < 1:
            raise ShardError(f"{stream.directory}: {stream.token_count} tokens make {sequences} sequences of {o['context']}+1 tokens, "
                             f"fewer than the {world} ranks")
        sliced = o["rank_layout"] == "batch-slices" and world > 1
        self.slice = (rank, world, o["batch_size"]) if sliced else None
        self.order = SequenceOrder(sequences, chunk, max(1, o["window_chunks"]), 0 if sliced else rank, 1 if sliced else world,
                                   seed, o["shuffle"])
        blocks_per_chunk = (chunk * o["context"]) // max(1, stream.block_tokens) + 2
        stream.cache_capacity = max(8, (self.order.window_chunks + 2) * blocks_per_chunk)
        self.scratch = np.empty(o["context"] + 1, dtype=np.int32)

    @property
    def per_epoch(self):
        return self.order.per_rank // self.slice[1] if self.slice else self.order.per_rank

    def place(self, p):
        per = self.order.per_rank
        if self.slice is None:
            return divmod(p, per)
        rank, world, rows = self.slice
        g = (p // rows) * (rows * world) + rank * rows + p % rows
        return divmod(g, per)

    def fill(self, inputs, targets, positions, segments):
        while True:
            epoch, index = self.place(self.position)
            if self.epochs is not None and epoch >= self.epochs:
                return None
            s = self.order.sequence(epoch, index)
            self.position += 1
            g = s * self.context
            if not self.stream.copy(g, self.context + 1, self.scratch):
                self.stream.skipped_sequences += 1
                continue
            inputs[:] = self.scratch[:-1]
            targets[:] = self.scratch[1:]
            self.stream.positions(g, self.context, positions, segments)
            return s, epoch


class Batch:
    """One batch: `inputs`, `targets`, `positions`, `segments` (rows × context int32), `sources`,
    `sequence_ids` (per row), `epoch` (of the first row) and `state` (the loader state after it)."""

    __slots__ = ("inputs", "targets", "positions", "segments", "sources", "sequence_ids", "epoch", "state")

    def __init__(self, **kw):
        for k, v in kw.items():
            setattr(self, k, v)

    def hash(self):
        return batch_hash(self.inputs, self.targets, self.positions)


class Loader:
    """Streams next-token batches from a shard directory exactly as the Swift `DataLoader`.

    `path` is a directory, or a list of `(name, directory, weight)` for a weighted mixture.
    Iterating yields `(inputs, targets, positions)` numpy int32 arrays of shape (rows, context);
    `next_batch()` gives the whole `Batch` (segments, sequence ids, epoch, state)."""

    def __init__(self, path, batch=8, context=1024, seed=0, split="train", rank=0, world=1, window_chunks=16,
                 chunk_sequences=None, shuffle=True, epochs=None, rank_layout="blocks", on_corrupt_block="stop",
                 expected_fingerprint=None, state=None):
        if isinstance(path, (str, os.PathLike)):
            sources = [("data", os.fspath(path), 1.0)]
        else:
            sources = [(n, os.fspath(d), float(w)) for n, d, w in path]
        if not sources:
            raise ShardError("no sources")
        if batch < 1 or context < 1:
            raise ShardError("batch size and context must be ≥ 1")
        if not all(w > 0 and w != float("inf") for _, _, w in sources):
            raise ShardError("mixture weights must be positive")
        if len(sources) > 1 and epochs is not None:
            raise ShardError("a mixture of several sources is endless: leave epochs nil")
        if rank_layout not in ("blocks", "batch-slices"):
            raise ShardError(f"rank layout {rank_layout!r}: expected 'blocks' or 'batch-slices'")
        if len(sources) > 1 and rank_layout != "blocks" and world != 1:
            raise ShardError(f"the batch-slices rank layout takes one source, not a mixture of {len(sources)}")
        if on_corrupt_block not in ("stop", "skip"):
            raise ShardError(f"on_corrupt_block {on_corrupt_block!r}: expected 'stop' or 'skip'")
        self.options = dict(batch_size=batch, context=context, seed=seed & ((1 << 64) - 1), split=split, rank=rank, world_size=world,
                            window_chunks=window_chunks, chunk_sequences=chunk_sequences, shuffle=bool(shuffle), epochs=epochs,
                            rank_layout=rank_layout, on_corrupt_block=on_corrupt_block)
        self.sources = sources
        self._sources = []
        for i, (_, directory, _) in enumerate(sources):
            stream = _TokenStream(directory, split, expected_fingerprint, on_corrupt_block)
            source_seed = self.options["seed"] if len(sources) == 1 else SplitMix64.mix(self.options["seed"], 4, i)
            self._sources.append(_Source(stream, self.options, source_seed))
        self.sequences_per_epoch = [s.per_epoch for s in self._sources]
        self.token_counts = [s.stream.token_count for s in self._sources]
        total = sum(w for _, _, w in sources)
        acc, self._cumulative = 0.0, []
        for _, _, w in sources:
            acc += w / total
            self._cumulative.append(acc)
        self._template = {
            "version": 1, "positions": [0] * len(sources), "rows": 0, "seed": self.options["seed"], "context": context,
            "rank": rank, "worldSize": world, "chunkSequences": [s.order.chunk for s in self._sources],
            "windowChunks": self._sources[0].order.window_chunks, "shuffle": bool(shuffle),
            "sources": [f"{name}@{_swift_double(w)}:{s.stream.identity}" for (name, _, w), s in zip(sources, self._sources)],
        }
        if rank_layout != "blocks":
            self._template["rankLayout"] = rank_layout
        self._rows = 0
        self._finished = False
        self._failure = None
        self.batches = 0
        self.tokens = 0
        if state is not None:
            self._restore(state)
        self._current = self._live_state()

    @classmethod
    def resume(cls, path, state, **options):
        """A loader that continues exactly where `state` (a dict, JSON text/bytes, or a path to a JSON
        file written by `Loader.save_state` or `loader-bench --save-state`) stood. The options must
        be those of the run that saved it (batch size may change)."""
        return cls(path, state=state, **options)

    def _restore(self, state):
        if isinstance(state, (bytes, bytearray)):
            state = json.loads(state)
        elif isinstance(state, (str, os.PathLike)):
            text = os.fspath(state)
            if not text.lstrip().startswith("{"):
                with open(text, "rb") as f:
                    text = f.read()
            state = json.loads(text)
        expected = dict(self._template)
        expected["positions"] = state.get("positions")
        expected["rows"] = state.get("rows")
        comparable = {k: v for k, v in state.items()}
        if comparable.get("version") != 1 or comparable != expected:
            raise ShardError("the saved loader state does not match this loader (sources, seed, context, rank, world size, chunking or "
                             f"shuffle differ): saved {_describe(state)}, now {_describe(expected)}")
        for source, p in zip(self._sources, state["positions"]):
            source.position = p
        self._rows = state["rows"]

    def state(self):
        """Where the stream stands after the last batch returned (a dict; `state_json()` gives Swift's JSON text)."""
        return dict(self._current)

    def _live_state(self):
        s = dict(self._template)
        s["positions"] = [src.position for src in self._sources]
        s["rows"] = self._rows
        return s

    def state_json(self):
        """The state as Swift's `LoaderState.json()` writes it (sorted keys, compact), byte for byte."""
        return state_to_json(self.state())

    def save_state(self, path):
        """Writes `state_json()` to `path` atomically."""
        tmp = f"{path}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(self.state_json())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def _source_for_row(self, k):
        if len(self._sources) == 1:
            return 0
        u = SplitMix64(SplitMix64.mix(self.options["seed"], 3, k)).unit()
        for i, c in enumerate(self._cumulative):
            if u < c:
                return i
        return len(self._sources) - 1

    def next_batch(self):
        """The next `Batch`, or None after the last epoch (only with `epochs` set). Raises the
        first integrity error (a `ShardError` naming shard and block) under `on_corrupt_block='stop'`."""
        if self._failure is not None:
            raise self._failure
        try:
            return self._assemble()
        except ShardError as e:
            self._failure = e          # sticky, as in Swift: every later call raises it again
            raise

    def _assemble(self):
        if self._finished:
            return None
        B, T = self.options["batch_size"], self.options["context"]
        inputs = np.empty((B, T), dtype=np.int32)
        targets = np.empty((B, T), dtype=np.int32)
        positions = np.empty((B, T), dtype=np.int32)
        segments = np.empty((B, T), dtype=np.int32)
        sources, ids, epoch, r = [], [], 0, 0
        while r < B:
            k = self._source_for_row(self._rows)
            got = self._sources[k].fill(inputs[r], targets[r], positions[r], segments[r])
            if got is None:
                self._finished = True
                break
            if r == 0:
                epoch = got[1]
            sources.append(k)
            ids.append(got[0])
            self._rows += 1
            r += 1
        if r == 0:
            return None
        if r < B:
            inputs, targets, positions, segments = inputs[:r], targets[:r], positions[:r], segments[:r]
        self.batches += 1
        self.tokens += r * T
        self._current = self._live_state()
        return Batch(inputs=inputs, targets=targets, positions=positions, segments=segments, sources=np.array(sources, dtype=np.int32),
                     sequence_ids=ids, epoch=epoch, state=dict(self._current))

    def __iter__(self):
        return self

    def __next__(self):
        b = self.next_batch()
        if b is None:
            raise StopIteration
        return b.inputs, b.targets, b.positions

    @property
    def stats(self):
        streams = [s.stream for s in self._sources]
        return {"batches": self.batches, "tokens": self.tokens,
                "blocks_decompressed": sum(s.blocks_decompressed for s in streams),
                "skipped_sequences": sum(s.skipped_sequences for s in streams),
                "skipped_blocks": [b for s in streams for b in s.skipped_blocks]}


def state_to_json(state):
    """Swift's `JSONEncoder` with `.sortedKeys`: compact, sorted keys, `/` escaped as `\\/`."""
    return json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False).replace("/", "\\/")


def _swift_double(w):
    """`\\(w)` of a Swift Double for the weights users write (1 → "1.0", 0.3 → "0.3")."""
    r = repr(float(w))
    if "e" in r:
        mantissa, exp = r.split("e")
        sign = "-" if exp.startswith("-") else "+"
        return f"{mantissa}e{sign}{int(exp.lstrip('+-')):02d}"
    return r


def _describe(s):
    return (f"seed {s.get('seed')}, context {s.get('context')}, rank {s.get('rank')}/{s.get('worldSize')}, chunks {s.get('chunkSequences')}, "
            f"window {s.get('windowChunks')}, shuffle {s.get('shuffle')}, sources {[str(x)[:80] for x in s.get('sources') or []]}")
