import Dispatch
import Foundation
import Shards
import Synchronization
import TokenmillSupport

/// How a loader cuts, orders and partitions its stream (see docs/dataloader.md).
public struct DataLoaderOptions: Sendable, Hashable {
    /// Rows per batch (B).
    public var batchSize: Int
    /// Tokens per row (T); each row reads T + 1 tokens.
    public var context: Int
    public var seed: UInt64 = 0
    public var rank = 0
    public var worldSize = 1
    /// How the ranks share the stream (see `RankLayout`).
    public var rankLayout: RankLayout = .blocks
    /// `train` or `val`.
    public var split = DataSplit.train
    /// Permute chunks per epoch and shuffle within windows. Off: the stream's own order.
    public var shuffle = true
    /// Sequences per chunk (the unit of the global permutation); nil: max(1, blockTokens / T).
    public var chunkSequences: Int? = nil
    /// Chunks per shuffle window (the bounded shuffle buffer).
    public var windowChunks = 16
    /// Stop after this many epochs (the last batch may then have fewer rows); nil: endless.
    public var epochs: Int? = nil
    /// Batches prepared ahead on a background thread; 0: assemble on the caller's thread.
    public var prefetch = 4
    public var onCorruptBlock: CorruptBlockPolicy = .stop
    /// When set, shard sets made with a tokenizer of another fingerprint are refused.
    public var expectedFingerprint: [UInt8]? = nil

    public init(batchSize: Int, context: Int) {
        self.batchSize = batchSize
        self.context = context
    }

    /// A fixed-order, single-pass stream over the validation split, for evaluation.
    public static func validation(batchSize: Int, context: Int, rank: Int = 0, worldSize: Int = 1) -> DataLoaderOptions {
        var o = DataLoaderOptions(batchSize: batchSize, context: context)
        o.split = .val
        o.shuffle = false
        o.epochs = 1
        o.rank = rank
        o.worldSize = worldSize
        return o
    }
}

/// How `worldSize` ranks share one stream.
public enum RankLayout: String, Sendable, Hashable, Codable {
    /// Rank `r` reads its own contiguous `1/W` of each epoch's permuted order, shuffled within
    /// its own windows: independent streams, nothing in common between the ranks' batches.
    case blocks
    /// Rank `r` yields rows `[r·B, (r+1)·B)` of every batch that one loader with `W·B` rows and
    /// the same seed would yield, so `W` ranks together see exactly the single-process batches
    /// (what data-parallel training needs for a loss curve that matches one process's). Needs
    /// a single source.
    case batchSlices = "batch-slices"
}

/// One shard set of a weighted mixture.
public struct LoaderSource: Sendable, Hashable {
    public var name: String
    public var directory: String
    public var weight: Double
    public init(name: String, directory: String, weight: Double = 1) {
        self.name = name
        self.directory = directory
        self.weight = weight
    }
}

/// Where a loader's stream stands: small, Codable (JSON). A loader made with the same sources and
/// options and this state yields exactly the batches the original would have yielded next.
public struct LoaderState: Codable, Sendable, Equatable {
    public var version = 1
    /// Per source: sequences of its stream consumed (across epochs, skipped ones included).
    public var positions: [Int]
    /// Rows drawn from the mixture so far.
    public var rows: Int
    /// What must match on restore: options that change the order, and each source's identity.
    public var seed: UInt64
    public var context: Int
    public var rank: Int
    public var worldSize: Int
    public var chunkSequences: [Int]
    public var windowChunks: Int
    public var shuffle: Bool
    public var sources: [String]
    /// nil for `.blocks` (states written before layouts existed have none). Encoded as the
    /// layout's raw value (`"batch-slices"`), omitted when nil.
    public var rankLayout: RankLayout? = nil

    public func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return try e.encode(self)
    }
    public static func from(json: Data) throws -> LoaderState { try JSONDecoder().decode(LoaderState.self, from: json) }
}

/// A batch of `rows × context` next-token examples, row-major.
public struct Batch: Sendable {
    public var rows: Int
    public var context: Int
    /// Token ids, `rows × context`.
    public var inputs: [Int32]
    /// `inputs` shifted by one: `targets[r][t]` is the token after `inputs[r][t]`.
    public var targets: [Int32]
    /// Position of each input token within its document; 0 at the end-of-text token that opens a
    /// document (reset positional embeddings here).
    public var positions: [Int32]
    /// Index of each input token's document within its row (0, 1, …): attend only where equal.
    public var segments: [Int32]
    /// Per row: the source (mixture index) and the sequence id within that source's stream.
    public var sources: [Int32]
    public var sequenceIDs: [Int]
    /// Epoch of the first row's source stream.
    public var epoch: Int
    /// The loader's state after this batch.
    public var stateAfter: LoaderState
}

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

/// Builds batches from one or more sources (weighted mixture). Owned by one thread at a time.
final class BatchAssembler: @unchecked Sendable {
    // @unchecked: handed once from the creating thread to the prefetch thread, which alone
    // touches it afterwards (the DataLoader never reads it again while that thread runs).
    let sources: [SequenceSource]
    let cumulative: [Double]
    let options: DataLoaderOptions
    let template: LoaderState
    var rows = 0
    var finished = false
    private var scratch: [Int32]

    init(sources: [SequenceSource], weights: [Double], options: DataLoaderOptions, template: LoaderState) {
        self.sources = sources
        let total = weights.reduce(0, +)
        var c: [Double] = []
        var acc = 0.0
        for w in weights { acc += w / total; c.append(acc) }
        cumulative = c
        self.options = options
        self.template = template
        scratch = [Int32](repeating: 0, count: options.context + 1)
    }

    /// The source of mixture row `k`: a pure function of (seed, k), so resumable.
    func source(forRow k: Int) -> Int {
        if sources.count == 1 { return 0 }
        var g = SplitMix64(seed: SplitMix64.mix(options.seed, 3, UInt64(k)))
        let u = g.unit()
        return cumulative.firstIndex { u < $0 } ?? sources.count - 1
    }

    var state: LoaderState {
        var s = template
        s.positions = sources.map(\.position)
        s.rows = rows
        return s
    }

    func next() throws -> Batch? {
        if finished { return nil }
        let B = options.batchSize, T = options.context
        var inputs = [Int32](repeating: 0, count: B * T), targets = inputs, positions = inputs, segments = inputs
        var srcs = [Int32](), ids = [Int]()
        srcs.reserveCapacity(B); ids.reserveCapacity(B)
        var epoch = 0
        var r = 0
        try inputs.withUnsafeMutableBufferPointer { inp in
            try targets.withUnsafeMutableBufferPointer { tgt in
                try positions.withUnsafeMutableBufferPointer { pos in
                    try segments.withUnsafeMutableBufferPointer { seg in
                        try scratch.withUnsafeMutableBufferPointer { scr in
                            while r < B {
                                let k = source(forRow: rows)
                                guard let got = try sources[k].fill(inputs: inp.baseAddress! + r * T, targets: tgt.baseAddress! + r * T,
                                                                    positions: pos.baseAddress! + r * T, segments: seg.baseAddress! + r * T,
                                                                    scratch: scr.baseAddress!) else {
                                    finished = true
                                    return
                                }
                                if r == 0 { epoch = got.epoch }
                                srcs.append(Int32(k)); ids.append(got.sequence)
                                rows += 1
                                r += 1
                            }
                        }
                    }
                }
            }
        }
        if r == 0 { return nil }
        if r < B {
            inputs.removeSubrange((r * T)...); targets.removeSubrange((r * T)...)
            positions.removeSubrange((r * T)...); segments.removeSubrange((r * T)...)
        }
        return Batch(rows: r, context: T, inputs: inputs, targets: targets, positions: positions, segments: segments,
                     sources: srcs, sequenceIDs: ids, epoch: epoch, stateAfter: state)
    }
}

/// Streams next-token batches from shard sets written by `tokenmill shard`: packed across
/// documents, deterministically shuffled from (seed, epoch), partitioned by rank, optionally
/// mixed by weight, prefetched on a background thread, resumable exactly from `state()`.
/// Use it from one thread.
public final class DataLoader {
    public struct Stats: Sendable {
        public var batches = 0
        public var tokens = 0
        /// Time `next()` spent waiting for the prefetch thread.
        public var consumerWaitSeconds = 0.0
        public var blocksDecompressed = 0
        public var skippedSequences = 0
        /// "SHARD block N" for each damaged block skipped (policy `.skip`).
        public var skippedBlocks: [String] = []
    }

    public let options: DataLoaderOptions
    public let sources: [LoaderSource]
    /// Sequences each source yields this rank per epoch.
    public let sequencesPerEpoch: [Int]
    /// Token count of each source's split.
    public let tokenCounts: [Int]
    private let counters = SharedCounters()
    private var assembler: BatchAssembler?
    private var queue: BoundedQueue<Result<Batch?, Error>>?
    private let producerDone = DispatchSemaphore(value: 0)
    private var current: LoaderState
    private var failure: Error?
    private var ended = false
    private var waitNanos: UInt64 = 0
    private var batches = 0, tokens = 0

    public convenience init(directory: String, options: DataLoaderOptions, resumeFrom state: LoaderState? = nil) throws {
        try self.init(sources: [LoaderSource(name: "data", directory: directory)], options: options, resumeFrom: state)
    }

    public init(sources: [LoaderSource], options: DataLoaderOptions, resumeFrom state: LoaderState? = nil) throws {
        guard !sources.isEmpty else { throw DataLoaderError("no sources") }
        guard options.batchSize >= 1, options.context >= 1 else { throw DataLoaderError("batch size and context must be ≥ 1") }
        guard sources.allSatisfy({ $0.weight > 0 && $0.weight.isFinite }) else { throw DataLoaderError("mixture weights must be positive") }
        guard sources.count == 1 || options.epochs == nil else { throw DataLoaderError("a mixture of several sources is endless: leave epochs nil") }
        guard sources.count == 1 || options.rankLayout == .blocks || options.worldSize == 1 else {
            throw DataLoaderError("the batch-slices rank layout takes one source, not a mixture of \(sources.count)")
        }
        self.options = options
        self.sources = sources
        var built: [SequenceSource] = []
        for (i, s) in sources.enumerated() {
            let stream = try TokenStream(directory: s.directory, split: options.split, expectedFingerprint: options.expectedFingerprint,
                                         policy: options.onCorruptBlock, counters: counters)
            let seed = sources.count == 1 ? options.seed : SplitMix64.mix(options.seed, 4, UInt64(i))
            built.append(try SequenceSource(stream: stream, options: options, seed: seed))
        }
        sequencesPerEpoch = built.map(\.perEpoch)
        tokenCounts = built.map(\.stream.tokenCount)
        let template = LoaderState(positions: built.map { _ in 0 }, rows: 0, seed: options.seed, context: options.context, rank: options.rank,
                                   worldSize: options.worldSize, chunkSequences: built.map(\.order.chunk), windowChunks: built[0].order.windowChunks,
                                   shuffle: options.shuffle, sources: zip(sources, built).map { "\($0.name)@\($0.weight):\($1.stream.identity)" },
                                   rankLayout: options.rankLayout == .blocks ? nil : options.rankLayout)
        if let state {
            var expected = template
            expected.positions = state.positions
            expected.rows = state.rows
            guard state.version == 1, state == expected else {
                throw DataLoaderError("the saved loader state does not match this loader (sources, seed, context, rank, world size, chunking or shuffle differ): saved \(Self.describe(state)), now \(Self.describe(expected))")
            }
            for (source, p) in zip(built, state.positions) { source.position = p }
        }
        let assembler = BatchAssembler(sources: built, weights: sources.map(\.weight), options: options, template: template)
        if let state { assembler.rows = state.rows }
        current = assembler.state
        if options.prefetch > 0 {
            let queue = BoundedQueue<Result<Batch?, Error>>(capacity: options.prefetch)
            self.queue = queue
            let done = producerDone
            let thread = Thread {
                while queue.waitForSlot() {
                    let item = Result { try assembler.next() }
                    queue.push(item)
                    if case .success(.some) = item { continue }
                    break
                }
                done.signal()
            }
            thread.name = "tokenmill-dataloader"
            thread.start()
        } else {
            self.assembler = assembler
        }
    }

    private static func describe(_ s: LoaderState) -> String {
        "seed \(s.seed), context \(s.context), rank \(s.rank)/\(s.worldSize), chunks \(s.chunkSequences), window \(s.windowChunks), shuffle \(s.shuffle), sources \(s.sources.map { $0.prefix(80) })"
    }

    deinit { close() }

    /// Stops the prefetch thread (idempotent).
    public func close() {
        guard let queue else { return }
        self.queue = nil
        queue.close()
        producerDone.wait()
    }

    /// The next batch; nil after the last epoch (only with `epochs` set). Throws the first
    /// integrity error (a `ShardError` naming shard and block), and again on every later call.
    public func next() throws -> Batch? {
        if let failure { throw failure }
        if ended { return nil }
        let result: Result<Batch?, Error>
        if let assembler {
            result = Result { try assembler.next() }
        } else if let queue {
            let t0 = DispatchTime.now().uptimeNanoseconds
            result = queue.pop()
            waitNanos += DispatchTime.now().uptimeNanoseconds - t0
        } else {
            return nil
        }
        switch result {
        case .failure(let error):
            failure = error
            close()
            throw error
        case .success(nil):
            ended = true
            close()
            return nil
        case .success(let batch?):
            current = batch.stateAfter
            batches += 1
            tokens += batch.rows * batch.context
            return batch
        }
    }

    /// Where the stream stands after the last batch returned by `next()`.
    public func state() -> LoaderState { current }

    public var stats: Stats {
        var s = Stats()
        s.batches = batches
        s.tokens = tokens
        s.consumerWaitSeconds = Double(waitNanos) / 1e9
        s.blocksDecompressed = counters.blocksDecompressed.load(ordering: .relaxed)
        s.skippedSequences = counters.skippedSequences.load(ordering: .relaxed)
        s.skippedBlocks = counters.skippedBlocks.withLock { $0 }
        return s
    }
}
