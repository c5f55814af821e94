import Corpus
import Foundation

/// What went wrong with a shard or a shard directory: what was expected, what was found, what
/// to do. `shard` and `block` name the place for `verify`.
public struct ShardError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public var shard: String?
    public var block: Int?
    public init(_ description: String, shard: String? = nil, block: Int? = nil) {
        self.description = description
        self.shard = shard
        self.block = block
    }
}

/// Layout constants of a `.tms` shard (see docs/shard-format.md).
public enum ShardFormat {
    public static let magic: [UInt8] = Array("TOKMSHRD".utf8)
    public static let endMagic: [UInt8] = Array("TOKMEND\0".utf8)
    public static let version: UInt32 = 1
    public static let headerSize = 64
    public static let footerSize = 56
    public static let blockEntrySize = 24
    public static let noToken: UInt32 = 0xFFFF_FFFF
    public static let fileExtension = "tms"
}

/// The fixed 64-byte header.
public struct ShardHeader: Sendable, Equatable {
    public var tokenBytes: Int          // 2 or 4
    public var vocabularySize: Int
    public var endOfText: UInt32?       // the separator before each document, if the vocabulary has one
    public var fingerprint: [UInt8]     // 32 bytes: SHA-256 of the tokenizer's huggingFaceJSON()

    public init(tokenBytes: Int, vocabularySize: Int, endOfText: UInt32?, fingerprint: [UInt8]) {
        self.tokenBytes = tokenBytes
        self.vocabularySize = vocabularySize
        self.endOfText = endOfText
        self.fingerprint = fingerprint
    }

    public var fingerprintHex: String { fingerprint.map { String(format: "%02x", $0) }.joined() }

    func encoded() -> [UInt8] {
        var b = ShardFormat.magic
        b.appendLE(ShardFormat.version)
        b.appendLE(UInt32(tokenBytes))
        b.appendLE(UInt32(vocabularySize))
        b.appendLE(endOfText ?? ShardFormat.noToken)
        b += fingerprint
        b.appendLE(UInt64(0))
        precondition(b.count == ShardFormat.headerSize)
        return b
    }

    static func decode(_ b: [UInt8], shard: String) throws -> ShardHeader {
        guard b.count >= ShardFormat.headerSize, Array(b[0..<8]) == ShardFormat.magic else {
            throw ShardError("\(shard): not a Tokenmill shard (expected magic \"TOKMSHRD\" at byte 0, found \(b.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")))", shard: shard)
        }
        let version = b.readLE32(8)
        guard version == ShardFormat.version else {
            throw ShardError("\(shard): shard format version \(version), this tokenmill reads version \(ShardFormat.version); use a matching tokenmill", shard: shard)
        }
        let width = Int(b.readLE32(12))
        guard width == 2 || width == 4 else { throw ShardError("\(shard): token width \(width) bytes in the header; expected 2 or 4 (damaged header)", shard: shard) }
        let eot = b.readLE32(20)
        return ShardHeader(tokenBytes: width, vocabularySize: Int(b.readLE32(16)), endOfText: eot == ShardFormat.noToken ? nil : eot,
                           fingerprint: Array(b[24..<56]))
    }
}

/// One entry of the block table: where a block's compressed bytes are and their checksum.
public struct BlockEntry: Sendable, Equatable {
    public var offset: UInt64
    public var compressedSize: UInt32
    public var tokenCount: UInt32
    public var crc32: UInt32
}

/// The fixed 56-byte footer at the end of the file.
public struct ShardFooter: Sendable, Equatable {
    public var indexOffset: UInt64
    public var blockCount: UInt64
    public var documentCount: UInt64
    public var tokenCount: UInt64
    public var blockTokens: UInt32
    public var indexCRC32: UInt32
    public var headerCRC32: UInt32

    func encoded() -> [UInt8] {
        var b: [UInt8] = []
        b.appendLE(indexOffset); b.appendLE(blockCount); b.appendLE(documentCount); b.appendLE(tokenCount)
        b.appendLE(blockTokens); b.appendLE(indexCRC32); b.appendLE(headerCRC32); b.appendLE(UInt32(0))
        b += ShardFormat.endMagic
        precondition(b.count == ShardFormat.footerSize)
        return b
    }

    static func decode(_ b: [UInt8], shard: String) throws -> ShardFooter {
        guard b.count == ShardFormat.footerSize, Array(b[48..<56]) == ShardFormat.endMagic else {
            throw ShardError("\(shard): no shard footer at the end of the file (expected \"TOKMEND\"): the shard is truncated or was not finished; delete it and re-run `tokenmill shard` to rewrite it", shard: shard)
        }
        return ShardFooter(indexOffset: b.readLE64(0), blockCount: b.readLE64(8), documentCount: b.readLE64(16), tokenCount: b.readLE64(24),
                           blockTokens: b.readLE32(32), indexCRC32: b.readLE32(36), headerCRC32: b.readLE32(40))
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE(_ v: UInt32) { for s in stride(from: 0, to: 32, by: 8) { append(UInt8(truncatingIfNeeded: v >> UInt32(s))) } }
    mutating func appendLE(_ v: UInt64) { for s in stride(from: 0, to: 64, by: 8) { append(UInt8(truncatingIfNeeded: v >> UInt64(s))) } }
    func readLE32(_ at: Int) -> UInt32 { var v: UInt32 = 0; for k in 0..<4 { v |= UInt32(self[at + k]) << UInt32(8 * k) }; return v }
    func readLE64(_ at: Int) -> UInt64 { var v: UInt64 = 0; for k in 0..<8 { v |= UInt64(self[at + k]) << UInt64(8 * k) }; return v }
}
