/// One source: a token stream, its sequence order, and a position.
final class SequenceSource {
    let stream: TokenStream
    var order: SequenceOrder
    let context: Int
    let epochs: Int?
    var position = 0
    /// For `.batchSlices`: (rank, world size, rows per rank); the order is then the single
    /// process's and positions are mapped onto it.
    let slice: (rank: Int, worldSize: Int, rows: Int)?
    var perEpoch: Int { slice.map { order.perRank / $0.worldSize } ?? order.perRank }

    /// Epoch and index in `order` of this source's `p`-th sequence.
    func place(_ p: Int) -> (epoch: Int, index: Int) {
        guard let s = slice else { return (p / order.perRank, p % order.perRank) }
        let g = (p / s.rows) * (s.rows * s.worldSize) + s.rank * s.rows + p % s.rows
        return (g / order.perRank, g % order.perRank)
    }

    init(stream: TokenStream, options: DataLoaderOptions, seed: UInt64) throws {
        self.stream = stream
        context = options.context
        epochs = options.epochs
        let sequences = max(0, (stream.tokenCount - 1) / options.context)
        let chunk = options.chunkSequences ?? max(1, stream.blockTokens / options.context)
        guard options.worldSize >= 1, (0..<options.worldSize).contains(options.rank) else {
            throw DataLoaderError("rank \(options.rank) is outside 0..<\(options.worldSize)")
        }
        guard sequences / options.worldSize >= 1 else {
            throw DataLoaderError("\(stream.directory): \(stream.tokenCount) tokens make \(sequences) sequences of \(options.context)+1 tokens, fewer than the \(options.worldSize) ranks", directory: stream.directory)
        }
        let sliced = options.rankLayout == .batchSlices && options.worldSize > 1
        slice = sliced ? (options.rank, options.worldSize, options.batchSize) : nil
        order = SequenceOrder(sequences: sequences, chunk: chunk, windowChunks: max(1, options.windowChunks),
                              rank: sliced ? 0 : options.rank, worldSize: sliced ? 1 : options.worldSize, seed: seed, shuffle: options.shuffle)
        // Enough decompressed blocks for one window (plus its edges) to stay cached.
        let blocksPerChunk = (chunk * options.context) / max(1, stream.blockTokens) + 2
        stream.cacheCapacity = max(8, (order.windowChunks + 2) * blocksPerChunk)
    }

    /// Fills one row with the next sequence; nil when the last epoch is done. Skips sequences
    /// touching a damaged block under `.skip`.
    func fill(inputs: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Int32>, positions: UnsafeMutablePointer<Int32>,
              segments: UnsafeMutablePointer<Int32>, scratch: UnsafeMutablePointer<Int32>) throws -> (sequence: Int, epoch: Int)? {
        while true {
            let (epoch, index) = place(position)
            if let epochs, epoch >= epochs { return nil }
            let s = order.sequence(epoch: epoch, index: index)
            position += 1
            let g = s * context
            guard try stream.copy(from: g, count: context + 1, into: scratch) else {
                stream.counters.skippedSequences.add(1, ordering: .relaxed)
                continue
            }
            inputs.update(from: scratch, count: context)
            targets.update(from: scratch + 1, count: context)
            stream.positions(from: g, count: context, positions: positions, segments: segments)
            return (s, epoch)
        }
    }
}
