import Corpus
import Foundation
import TokenmillSupport

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
    /// The version this tokenmill writes. Version 2 added the footer's own CRC-32 (bytes
    /// 44..<48, reserved in version 1), so that every header and footer field is checksummed;
    /// version 1 shards are still read (their footer fields are only checked for consistency).
    public static let version: UInt32 = 2
    public static let readableVersions: ClosedRange<UInt32> = 1...2
    /// The most tokens a block may declare: bounds what one block read allocates (64 MiB of
    /// 32-bit ids) whatever a damaged or crafted footer says. `shard --block-tokens` defaults to 65,536.
    public static let maxBlockTokens = 1 << 24
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
    /// The format version the shard was written in (this tokenmill writes `ShardFormat.version`).
    public var version: UInt32

    public init(tokenBytes: Int, vocabularySize: Int, endOfText: UInt32?, fingerprint: [UInt8], version: UInt32 = ShardFormat.version) {
        self.tokenBytes = tokenBytes
        self.vocabularySize = vocabularySize
        self.endOfText = endOfText
        self.fingerprint = fingerprint
        self.version = version
    }

    public var fingerprintHex: String { Hex.encode(fingerprint) }

    func encoded() -> [UInt8] {
        var b = ShardFormat.magic
        b.appendLE(version)
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
            throw ShardError("\(shard): not a Tokenmill shard (expected magic \"TOKMSHRD\" at byte 0, found \(b.prefix(8).map { Hex.encode([$0]) }.joined(separator: " ")))", shard: shard)
        }
        let version = b.readLE32(8)
        guard ShardFormat.readableVersions.contains(version) else {
            throw ShardError("\(shard): header field version = \(version), this tokenmill reads versions \(ShardFormat.readableVersions.lowerBound)–\(ShardFormat.readableVersions.upperBound): a newer tokenmill wrote it, or the header is damaged", shard: shard)
        }
        let width = Int(b.readLE32(12))
        guard width == 2 || width == 4 else { throw ShardError("\(shard): header field token_bytes = \(width); expected 2 or 4 (damaged header)", shard: shard) }
        let vocabulary = Int(b.readLE32(16))
        guard vocabulary >= 1, width == 4 || vocabulary <= 1 << 16 else {
            throw ShardError("\(shard): header field vocabulary_size = \(vocabulary) does not fit \(width)-byte ids (damaged header)", shard: shard)
        }
        let eot = b.readLE32(20)
        return ShardHeader(tokenBytes: width, vocabularySize: vocabulary, endOfText: eot == ShardFormat.noToken ? nil : eot,
                           fingerprint: Array(b[24..<56]), version: version)
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

    /// Version 2 and later: bytes 44..<48 hold the CRC-32 of footer bytes 0..<44 (every field
    /// above, `block_tokens` included); version 1 wrote 0 there.
    func encoded(version: UInt32 = ShardFormat.version) -> [UInt8] {
        var b: [UInt8] = []
        b.appendLE(indexOffset); b.appendLE(blockCount); b.appendLE(documentCount); b.appendLE(tokenCount)
        b.appendLE(blockTokens); b.appendLE(indexCRC32); b.appendLE(headerCRC32)
        b.appendLE(version >= 2 ? CRC32.of(b) : 0)
        b += ShardFormat.endMagic
        precondition(b.count == ShardFormat.footerSize)
        return b
    }

    static func decode(_ b: [UInt8], version: UInt32, shard: String) throws -> ShardFooter {
        guard b.count == ShardFormat.footerSize, Array(b[48..<56]) == ShardFormat.endMagic else {
            throw ShardError("\(shard): no shard footer at the end of the file (expected \"TOKMEND\"): the shard is truncated or was not finished; delete it and re-run `tokenmill shard` to rewrite it", shard: shard)
        }
        if version >= 2 {
            let stored = b.readLE32(44), computed = CRC32.of(Array(b[0..<44]))
            guard stored == computed else {
                throw ShardError("\(shard): footer checksum mismatch (fields index_offset, block_count, document_count, token_count, block_tokens, index_crc32, header_crc32: expected crc32 \(String(format: "%08x", stored)), found \(String(format: "%08x", computed))): the footer was changed after writing; the shard cannot be trusted, re-create it", shard: shard)
            }
        } else if b.readLE32(44) != 0 {
            throw ShardError("\(shard): footer field reserved = \(b.readLE32(44)), expected 0 in a version 1 shard (damaged footer)", shard: shard)
        }
        return ShardFooter(indexOffset: b.readLE64(0), blockCount: b.readLE64(8), documentCount: b.readLE64(16), tokenCount: b.readLE64(24),
                           blockTokens: b.readLE32(32), indexCRC32: b.readLE32(36), headerCRC32: b.readLE32(40))
    }
}
