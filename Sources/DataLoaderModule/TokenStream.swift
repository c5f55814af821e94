import Foundation
import Shards
import Synchronization
import TokenmillSupport

/// What to do with a block whose checksum (or decompression) fails.
public enum CorruptBlockPolicy: String, Sendable, Codable {
    /// Stop: `next()` throws the `ShardError` naming the shard and block (the default).
    case stop
    /// Skip every sequence that touches the block, and count it (`DataLoader.Stats`).
    case skip
}

/// Counters the producer updates and the consumer reads (atomics / a mutex: no data race).
final class SharedCounters: Sendable {
    let blocksDecompressed = Atomic<Int>(0)
    let skippedSequences = Atomic<Int>(0)
    let skippedBlocks = Mutex<[String]>([])
}

/// The token stream of one split of one shard directory: its shards, in manifest order,
/// concatenated. Global token `g` lives in shard `s` where `shardStart[s] <= g < shardStart[s+1]`.
/// Reads go through a small LRU cache of decompressed blocks. Not thread-safe: owned by one thread.
final class TokenStream {
    let directory: String
    let readers: [ShardReader]
    let shardStart: [Int]          // readers.count + 1 global token offsets
    let blockBase: [Int]           // readers.count global block ids of each shard's block 0
    let docStarts: [Int]           // global document start offsets, increasing, last = tokenCount
    let tokenCount: Int
    let blockTokens: Int           // of the first shard (informational)
    let endOfText: UInt32?
    let identity: String           // what a saved state must match: fingerprint, split, shard hashes
    let policy: CorruptBlockPolicy
    let counters: SharedCounters

    private var cache: [Int: (tokens: [UInt32], tick: Int)] = [:]
    private var tick = 0
    var cacheCapacity = 64
    private var badBlocks = Set<Int>()

    init(directory: String, split: DataSplit, expectedFingerprint: [UInt8]?, policy: CorruptBlockPolicy, counters: SharedCounters) throws {
        self.directory = directory
        self.policy = policy
        self.counters = counters
        let manifest = try Manifest.load(directory: directory)
        let fingerprintHex = manifest.tokenizer.fingerprint
        if let expected = expectedFingerprint {
            let hex = Hex.encode(expected)
            guard hex == fingerprintHex else {
                throw DataLoaderError("\(directory): made with tokenizer \(manifest.tokenizer.name) of fingerprint \(fingerprintHex.prefix(16))…, but the model expects fingerprint \(hex.prefix(16))…: these token ids mean different text; refusing to load", directory: directory)
            }
        }
        // The set's tokenizer copy is what decodes (and `pretrain` copies into checkpoints): a
        // changed copy is refused here too, naming the file.
        _ = try manifest.tokenizerCopy(directory: directory)
        let summaries = manifest.shards.filter { $0.split == split }
        guard !summaries.isEmpty else {
            throw DataLoaderError("\(directory): no `\(split)` shards (splits: \(manifest.splits.keys.sorted().map(\.rawValue).joined(separator: ", "))); for a validation split re-run `tokenmill shard` with --val-fraction", directory: directory)
        }
        var readers: [ShardReader] = []
        var starts = [0], bases: [Int] = [], docs: [Int] = []
        var blocks = 0
        for summary in summaries {
            let reader = try manifest.openShard(summary, directory: directory)
            if let expected = expectedFingerprint { try reader.requireFingerprint(expected, tokenizerName: "the expected tokenizer") }
            let base = starts.last!
            for d in 0..<reader.documentCount {
                let s = base + Int(reader.documentStarts[d])
                if docs.last != s { docs.append(s) }
            }
            bases.append(blocks)
            blocks += reader.blocks.count
            starts.append(base + reader.tokenCount)
            readers.append(reader)
        }
        docs.append(starts.last!)
        self.readers = readers
        shardStart = starts
        blockBase = bases
        docStarts = docs
        tokenCount = starts.last!
        blockTokens = Int(readers[0].footer.blockTokens)
        endOfText = readers[0].header.endOfText
        identity = "\(split):\(fingerprintHex):" + summaries.map { "\($0.file)=\($0.sha256)" }.joined(separator: ",")
    }

    /// The shard holding global token `g`.
    @inline(__always) func shard(of g: Int) -> Int {
        var lo = 0, hi = readers.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if shardStart[mid] <= g { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// Decompressed tokens of block `b` of shard `s`, through the cache. Nil when the block is
    /// damaged and the policy is `.skip`; throws (naming shard and block) under `.stop`.
    func block(shard s: Int, _ b: Int) throws -> [UInt32]? {
        let id = blockBase[s] + b
        tick += 1
        if let hit = cache[id] {
            cache[id] = (hit.tokens, tick)
            return hit.tokens
        }
        if badBlocks.contains(id) { return nil }
        let tokens: [UInt32]
        do {
            tokens = try readers[s].block(b)
            counters.blocksDecompressed.add(1, ordering: .relaxed)
        } catch let error as ShardError {
            guard policy == .skip else { throw error }
            badBlocks.insert(id)
            counters.skippedBlocks.withLock { $0.append("\(readers[s].name) block \(b)") }
            return nil
        }
        if cache.count >= cacheCapacity, let oldest = cache.min(by: { $0.value.tick < $1.value.tick }) {
            cache.removeValue(forKey: oldest.key)
        }
        cache[id] = (tokens, tick)
        return tokens
    }

    /// Copies tokens `[g, g + count)` into `out` as Int32. Returns false if a damaged block was
    /// skipped (policy `.skip`).
    func copy(from g: Int, count: Int, into out: UnsafeMutablePointer<Int32>) throws -> Bool {
        var g = g, done = 0
        while done < count {
            let s = shard(of: g)
            let local = g - shardStart[s]
            let per = Int(readers[s].footer.blockTokens)
            let b = local / per
            guard let tokens = try block(shard: s, b) else { return false }
            let offset = local - b * per
            let n = min(count - done, tokens.count - offset, shardStart[s + 1] - g)
            precondition(n > 0, "token stream: empty read at \(g)")
            tokens.withUnsafeBufferPointer { src in
                let p = src.baseAddress! + offset
                for i in 0..<n { out[done + i] = Int32(bitPattern: p[i]) }
            }
            done += n
            g += n
        }
        return true
    }

    /// Writes the position in document of tokens `[g, g + count)` (0 at the end-of-text token
    /// that opens each document) and the index of the document within the row (0, 1, …).
    func positions(from g: Int, count: Int, positions: UnsafeMutablePointer<Int32>, segments: UnsafeMutablePointer<Int32>) {
        var lo = 0, hi = docStarts.count - 1
        while lo < hi {  // the last d with docStarts[d] <= g
            let mid = (lo + hi + 1) / 2
            if docStarts[mid] <= g { lo = mid } else { hi = mid - 1 }
        }
        docStarts.withUnsafeBufferPointer { starts in
            var d = lo
            var start = starts[d], next = d + 1 < starts.count ? starts[d + 1] : Int.max
            var segment: Int32 = 0
            for i in 0..<count {
                let t = g + i
                while t >= next {
                    d += 1
                    start = next
                    next = d + 1 < starts.count ? starts[d + 1] : Int.max
                    segment += 1
                }
                positions[i] = Int32(t - start)
                segments[i] = segment
            }
        }
    }
}
