import BPE
import Corpus
import Crypto
import Foundation
import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// What a finished shard holds.
public struct ShardSummary: Sendable, Codable, Equatable {
    public var file: String
    public var split: DataSplit
    public var tokens: Int
    public var documents: Int
    public var bytes: Int
    /// SHA-256 of the whole file, hex.
    public var sha256: String
}

/// Writes one shard: blocks are compressed and written as they fill (memory: one block plus the
/// block table and document index), to `PATH.tmp`; `finish()` appends the index and footer,
/// fsyncs, renames to `PATH` and fsyncs the directory (`FileIO.commit`).
public final class ShardWriter {
    public let path: String
    public let header: ShardHeader
    public let blockTokens: Int
    let level: Int32
    let temporaryPath: String
    /// -1 once `finish()` has closed it.
    var fd: Int32
    var hasher = SHA256()
    var written: UInt64 = 0
    var pending: [UInt8] = []
    var pendingTokens = 0
    var blocks: [BlockEntry] = []
    var documentStarts: [UInt64] = []
    public private(set) var tokenCount: UInt64 = 0
    public var documentCount: Int { documentStarts.count }

    public init(path: String, header: ShardHeader, blockTokens: Int = 1 << 16, level: Int32 = 3) throws {
        self.path = path
        self.header = header
        self.blockTokens = blockTokens
        self.level = level
        temporaryPath = path + ".tmp"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ShardError("cannot create \(temporaryPath): \(String(cString: strerror(errno)))") }
        pending.reserveCapacity(blockTokens * header.tokenBytes)
        try write(header.encoded())
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends one document: the end-of-text token (when the vocabulary has one), then its tokens.
    public func append(document tokens: [TokenID]) throws {
        documentStarts.append(tokenCount)
        if let eot = header.endOfText { try appendTokens(CollectionOfOne(eot)) }
        try appendTokens(tokens)
    }

    /// Encodes tokens into the pending block, a block's worth at a time. Why not token by token:
    /// every access to a stored property of this class is a runtime exclusivity check, and two
    /// per token were ~7% of `tokenmill shard`'s profile; the pending bytes are moved into a
    /// local for each run of tokens instead.
    func appendTokens<Tokens: Collection<TokenID>>(_ tokens: Tokens) throws {
        var start = tokens.startIndex
        let twoBytes = header.tokenBytes == 2
        while start != tokens.endIndex {
            let end = tokens.index(start, offsetBy: blockTokens - pendingTokens, limitedBy: tokens.endIndex) ?? tokens.endIndex
            var bytes: [UInt8] = []
            swap(&bytes, &pending)
            for token in tokens[start..<end] {
                if twoBytes {
                    bytes.append(UInt8(truncatingIfNeeded: token)); bytes.append(UInt8(truncatingIfNeeded: token >> 8))
                } else {
                    bytes.appendLE(token)
                }
            }
            swap(&bytes, &pending)
            let n = tokens.distance(from: start, to: end)
            pendingTokens += n
            tokenCount += UInt64(n)
            if pendingTokens == blockTokens { try flushBlock() }
            start = end
        }
    }

    func flushBlock() throws {
        guard pendingTokens > 0 else { return }
        let compressed = pending.withUnsafeBytes { Zstd.compressFrame($0, level: level) }
        blocks.append(BlockEntry(offset: written, compressedSize: UInt32(compressed.count), tokenCount: UInt32(pendingTokens),
                                 crc32: CRC32.of(compressed)))
        try write(compressed)
        pending.removeAll(keepingCapacity: true)
        pendingTokens = 0
    }

    func write(_ bytes: [UInt8]) throws {
        hasher.update(data: bytes)
        do {
            try bytes.withUnsafeBytes { raw in try FileIO.writeAll(fd, raw, path: temporaryPath) }
        } catch {
            throw ShardError("\(error)")   // "cannot write PATH: reason", as before
        }
        written += UInt64(bytes.count)
    }

    /// Writes the index and footer, makes the file durable and gives it its real name.
    public func finish(split: DataSplit) throws -> ShardSummary {
        try flushBlock()
        let indexOffset = written
        var index: [UInt8] = []
        index.reserveCapacity(blocks.count * ShardFormat.blockEntrySize + (documentStarts.count + 1) * 8)
        for b in blocks {
            index.appendLE(b.offset); index.appendLE(b.compressedSize); index.appendLE(b.tokenCount); index.appendLE(b.crc32); index.appendLE(UInt32(0))
        }
        for s in documentStarts { index.appendLE(s) }
        index.appendLE(tokenCount)
        let footer = ShardFooter(indexOffset: indexOffset, blockCount: UInt64(blocks.count), documentCount: UInt64(documentStarts.count),
                                 tokenCount: tokenCount, blockTokens: UInt32(blockTokens), indexCRC32: CRC32.of(index),
                                 headerCRC32: CRC32.of(header.encoded()))
        try write(index)
        try write(footer.encoded(version: header.version))
        let fd = fd
        self.fd = -1   // closed by the commit, whatever its outcome
        do throws(FileIOError) {
            try FileIO.commit(fd, temporary: temporaryPath, to: path)
        } catch where error.operation == .fsync {
            throw ShardError("cannot fsync \(temporaryPath): \(error.reason)")
        } catch {
            throw ShardError(error.description)   // "cannot rename TMP to PATH: reason"
        }
        let digest = Hex.encode(hasher.finalize())
        return ShardSummary(file: (path as NSString).lastPathComponent, split: split, tokens: Int(tokenCount),
                            documents: documentStarts.count, bytes: Int(written), sha256: digest)
    }

    /// Removes the temporary file of an unfinished shard.
    public func abandon() { unlink(temporaryPath) }
}
