import Dispatch
import Foundation
import Shards
import TokenmillSupport

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
