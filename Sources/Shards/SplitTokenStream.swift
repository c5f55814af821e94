import Foundation

/// The shards of one split of a shard directory, in manifest order, read as one token stream,
/// block by block (for `ShardExporter`: sequential reads, one decompressed block in memory).
struct SplitTokenStream {
    let split: DataSplit
    let readers: [ShardReader]
    /// readers.count + 1 global token offsets.
    let shardStart: [Int]
    var tokenCount: Int { shardStart.last! }
    var documentCount: Int { readers.reduce(0) { $0 + $1.documentCount } }

    init(directory: String, manifest: Manifest, split: DataSplit) throws {
        self.split = split
        var readers: [ShardReader] = [], starts = [0]
        for summary in manifest.shards where summary.split == split {
            let reader = try ShardReader(path: directory + "/" + summary.file)
            guard reader.header.fingerprintHex == manifest.tokenizer.fingerprint else {
                throw ShardError("\(summary.file): tokenizer fingerprint \(reader.header.fingerprintHex.prefix(16))… differs from the manifest's \(manifest.tokenizer.fingerprint.prefix(16))…: the shard comes from another run", shard: summary.file)
            }
            guard reader.tokenCount == summary.tokens, reader.documentCount == summary.documents else {
                throw ShardError("\(summary.file): holds \(reader.tokenCount) tokens / \(reader.documentCount) documents, the manifest says \(summary.tokens) / \(summary.documents)", shard: summary.file)
            }
            readers.append(reader)
            starts.append(starts.last! + reader.tokenCount)
        }
        self.readers = readers
        shardStart = starts
    }

    /// Calls `body` with the tokens `[a, b)` of the stream, in order, one block's piece at a time
    /// (every block's CRC checked as it is read).
    func forEachPiece(from a: Int, to b: Int, _ body: (ArraySlice<UInt32>) throws -> Void) throws {
        guard a < b else { return }
        for (s, reader) in readers.enumerated() {
            let lo = max(a, shardStart[s]) - shardStart[s], hi = min(b, shardStart[s + 1]) - shardStart[s]
            guard lo < hi else { continue }
            let per = Int(reader.footer.blockTokens)
            for block in (lo / per)...((hi - 1) / per) {
                let tokens = try reader.block(block)
                let start = block * per
                try body(tokens[(max(lo, start) - start)..<(min(hi, start + tokens.count) - start)])
            }
        }
    }

    /// Token count of every document (its leading end-of-text token included), in order.
    func forEachDocumentLength(_ body: (Int) throws -> Void) rethrows {
        for reader in readers {
            for d in 0..<reader.documentCount { try body(Int(reader.documentStarts[d + 1] - reader.documentStarts[d])) }
        }
    }
}
