"""The loader's sequence order, bit for bit the Swift `SequenceOrder` (Sources/DataLoader/SequenceOrder.swift):
SplitMix64, its seed mixing, Fisher–Yates permutations, chunk permutation, rank partition and
shuffle windows. Integers are Python ints masked to 64 bits, so every draw equals Swift's."""
import numpy as np

MASK = (1 << 64) - 1


class SplitMix64:
    __slots__ = ("state",)

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        """Uniform in 0..<n (Lemire's multiply-high)."""
        return (n * self.next()) >> 64

    def unit(self):
        """Uniform in [0, 1)."""
        return (self.next() >> 11) * 2.0 ** -53

    @staticmethod
    def mix(*values):
        """A seed derived from several values (order matters)."""
        g = SplitMix64(0x5EED0F704E4D111C)
        h = 0
        for v in values:
            g.state ^= v & MASK
            h = g.next() ^ ((h * 0x100000001B3) & MASK)
        return h


def permutation(n, seed):
    """Fisher–Yates permutation of 0..<n, as Swift's `permutation(_:seed:)`."""
    p = list(range(n))
    g = SplitMix64(seed)
    # Inlined SplitMix64.next and below: this loop is the loader's main Python cost.
    state = g.state
    for i in range(n - 1, 0, -1):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        j = ((i + 1) * (z ^ (z >> 31))) >> 64
        p[i], p[j] = p[j], p[i]
    return p


class SequenceOrder:
    """The order in which one rank visits the sequences of a token stream, epoch after epoch
    (docs/dataloader.md, "The exact rules")."""

    def __init__(self, sequences, chunk, window_chunks, rank, world_size, seed, shuffle):
        self.sequences = sequences
        self.chunk = chunk
        self.window_chunks = window_chunks
        self.rank = rank
        self.world_size = world_size
        self.seed = seed
        self.shuffle = shuffle
        self.per_rank = sequences // world_size
        self.window = chunk * window_chunks
        self.chunk_count = (sequences + chunk - 1) // chunk
        self._epoch = -1
        self._chunk_perm = None
        self._short_at = 0
        self._window_key = None
        self._window_perm = None

    def _load(self, epoch):
        if epoch == self._epoch:
            return
        self._epoch = epoch
        n = self.chunk_count
        if self.shuffle:
            perm = np.array(permutation(n, SplitMix64.mix(self.seed, 1, epoch)), dtype=np.int64)
            self._short_at = int(np.nonzero(perm == n - 1)[0][0]) if n else 0
        else:
            perm = np.arange(n, dtype=np.int64)
            self._short_at = n - 1 if n else 0
        self._chunk_perm = perm

    def _at_permuted(self, p):
        chunk = self.chunk
        short_len = self.sequences - (self.chunk_count - 1) * chunk
        before = self._short_at * chunk
        if p < before:
            k, off = divmod(p, chunk)
        elif p < before + short_len:
            k, off = self._short_at, p - before
        else:
            k, off = divmod(p - short_len + chunk, chunk)
        return int(self._chunk_perm[k]) * chunk + off

    def sequence(self, epoch, i):
        """The sequence visited at index `i` (0..<per_rank) of epoch `epoch` by this rank."""
        self._load(epoch)
        w, j = divmod(i, self.window)
        if self.shuffle:
            if self._window_key != (epoch, w):
                size = min(self.window, self.per_rank - w * self.window)
                self._window_perm = permutation(size, SplitMix64.mix(self.seed, 2, epoch, self.rank, w))
                self._window_key = (epoch, w)
            j = self._window_perm[j]
        return self._at_permuted(self.rank * self.per_rank + w * self.window + j)
