import TokenmillSupport

/// Fisher–Yates permutation of 0..<n.
func permutation(_ n: Int, seed: UInt64) -> [Int] {
    var p = Array(0..<n)
    var g = SplitMix64(seed: seed)
    if n > 1 { for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, g.below(i + 1)) } }
    return p
}

/// The order in which one rank visits the sequences of a token stream, epoch after epoch.
///
/// Sequences: sequence `s` is tokens `[s·T, s·T + T + 1)` of the stream (consecutive sequences
/// overlap by one token, as in nanoGPT / llm.c), so a stream of N tokens has `(N − 1) / T`.
/// Chunks: `C` consecutive sequences (about one compressed block). Per epoch `e`:
/// 1. the chunks are permuted by a Fisher–Yates permutation seeded by (seed, e); the sequences
///    of the epoch are the chunks' sequences in that order (the *permuted order*);
/// 2. rank `r` of `W` takes positions `[r·L, (r+1)·L)` of the permuted order, `L = S / W`
///    (the last `S mod W < W` positions of the epoch are dropped, so ranks are equal and disjoint);
/// 3. the rank's L positions are cut into windows of `M·C` (the shuffle buffer: M chunks' worth),
///    and each window is fully permuted, seeded by (seed, e, r, window).
/// Without shuffling, chunk and window permutations are the identity.
struct SequenceOrder {
    let sequences: Int       // S
    let chunk: Int           // C
    let windowChunks: Int    // M
    let rank: Int
    let worldSize: Int
    let seed: UInt64
    let shuffle: Bool
    var perRank: Int { sequences / worldSize }  // L
    var window: Int { chunk * windowChunks }
    var chunkCount: Int { (sequences + chunk - 1) / chunk }

    private var cachedEpoch = -1
    private var chunkPerm: [Int] = []
    private var shortAt = 0         // index in chunkPerm of the (possibly short) last chunk
    private var cachedWindow = (epoch: -1, index: -1)
    private var windowPerm: [Int] = []

    init(sequences: Int, chunk: Int, windowChunks: Int, rank: Int, worldSize: Int, seed: UInt64, shuffle: Bool) {
        self.sequences = sequences
        self.chunk = chunk
        self.windowChunks = windowChunks
        self.rank = rank
        self.worldSize = worldSize
        self.seed = seed
        self.shuffle = shuffle
    }

    private mutating func load(epoch: Int) {
        guard epoch != cachedEpoch else { return }
        cachedEpoch = epoch
        let n = chunkCount
        chunkPerm = shuffle ? permutation(n, seed: SplitMix64.mix(seed, 1, UInt64(epoch))) : Array(0..<n)
        shortAt = chunkPerm.firstIndex(of: n - 1) ?? 0
    }

    /// The sequence id at position `p` of epoch `epoch`'s permuted order.
    private func sequence(atPermuted p: Int) -> Int {
        let shortLen = sequences - (chunkCount - 1) * chunk
        let before = shortAt * chunk
        let k: Int, off: Int
        if p < before { k = p / chunk; off = p % chunk }
        else if p < before + shortLen { k = shortAt; off = p - before }
        else { let q = p - shortLen + chunk; k = q / chunk; off = q % chunk }
        return chunkPerm[k] * chunk + off
    }

    /// The sequence visited at index `i` (0..<perRank) of epoch `epoch` by this rank.
    mutating func sequence(epoch: Int, index i: Int) -> Int {
        load(epoch: epoch)
        let w = i / window
        var j = i - w * window
        if shuffle {
            if cachedWindow != (epoch, w) {
                let size = min(window, perRank - w * window)
                windowPerm = permutation(size, seed: SplitMix64.mix(seed, 2, UInt64(epoch), UInt64(rank), UInt64(w)))
                cachedWindow = (epoch, w)
            }
            j = windowPerm[j]
        }
        return sequence(atPermuted: rank * perRank + w * window + j)
    }
}
