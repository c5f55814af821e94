import BPE
import Corpus
import Foundation
import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// Random access to a finished shard. Opening reads the header, footer and index (checked by
/// their CRCs); tokens are read block by block on demand, each block's CRC checked before it is
/// decompressed, so damage is reported, never returned as tokens.
public final class ShardReader {
    public let path: String
    public let name: String
    public let header: ShardHeader
    public let footer: ShardFooter
    public let blocks: [BlockEntry]
    /// documentCount + 1 token offsets; document i is tokens[starts[i] ..< starts[i+1]].
    public let documentStarts: [UInt64]
    public let fileSize: Int
    let fd: Int32

    public var tokenCount: Int { Int(footer.tokenCount) }
    public var documentCount: Int { Int(footer.documentCount) }

    public init(path: String) throws {
        self.path = path
        name = (path as NSString).lastPathComponent
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ShardError("cannot open \(path): \(String(cString: strerror(errno)))", shard: (path as NSString).lastPathComponent) }
        var st = stat()
        fstat(fd, &st)
        fileSize = Int(st.st_size)
        let name = self.name
        guard fileSize >= ShardFormat.headerSize + ShardFormat.footerSize else {
            close(fd)
            throw ShardError("\(name): \(fileSize) bytes, shorter than a header and footer (\(ShardFormat.headerSize + ShardFormat.footerSize)): truncated; delete it and re-run `tokenmill shard`", shard: name)
        }
        let parsed: (ShardHeader, ShardFooter, [BlockEntry], [UInt64])
        do {
            parsed = try Self.readIndex(fd, fileSize: fileSize, name: name)
        } catch {
            close(fd)
            throw error
        }
        (header, footer, blocks, documentStarts) = parsed
    }

    /// Reads and checks the header, footer, block table and document index. Every field is
    /// covered by a checksum (the footer's own since version 2) and checked for consistency
    /// before it is used, without arithmetic that could trap, so no byte of a damaged or crafted
    /// shard makes a reader crash or read the wrong tokens: it throws naming shard and field.
    static func readIndex(_ fd: Int32, fileSize: Int, name: String) throws -> (ShardHeader, ShardFooter, [BlockEntry], [UInt64]) {
        func fail(_ what: String) -> ShardError { ShardError("\(name): \(what); the shard is damaged, re-create it with `tokenmill shard`", shard: name) }
        let headerBytes = try pread(fd, 0, ShardFormat.headerSize, name)
        let header = try ShardHeader.decode(headerBytes, shard: name)
        let footer = try ShardFooter.decode(try pread(fd, fileSize - ShardFormat.footerSize, ShardFormat.footerSize, name), version: header.version, shard: name)
        guard CRC32.of(headerBytes) == footer.headerCRC32 else {
            throw ShardError("\(name): header checksum mismatch (fields magic, version, token_bytes, vocabulary_size, end_of_text, fingerprint, reserved): the header was changed after writing; the shard cannot be trusted, re-create it", shard: name)
        }
        let per = UInt64(footer.blockTokens)
        guard per >= 1, per <= UInt64(ShardFormat.maxBlockTokens) else {
            throw fail("footer field block_tokens = \(per), expected 1…\(ShardFormat.maxBlockTokens)")
        }
        let size = UInt64(fileSize)
        guard footer.indexOffset >= UInt64(ShardFormat.headerSize), footer.indexOffset <= size - UInt64(ShardFormat.footerSize) else {
            throw fail("footer field index_offset = \(footer.indexOffset) lies outside the file's \(fileSize) bytes")
        }
        let room = size - UInt64(ShardFormat.footerSize) - footer.indexOffset
        guard footer.blockCount <= room / UInt64(ShardFormat.blockEntrySize), footer.documentCount < room / 8 else {
            throw fail("footer fields block_count = \(footer.blockCount), document_count = \(footer.documentCount) do not fit the \(room)-byte index at byte \(footer.indexOffset)")
        }
        let indexSize = Int(footer.blockCount) * ShardFormat.blockEntrySize + (Int(footer.documentCount) + 1) * 8
        guard UInt64(indexSize) == room else {
            throw fail("the footer places the index at byte \(footer.indexOffset) (\(indexSize) bytes for block_count \(footer.blockCount), document_count \(footer.documentCount)) but the file has \(fileSize) bytes: truncated or damaged")
        }
        let expectedBlocks = footer.tokenCount / per + (footer.tokenCount % per == 0 ? 0 : 1)
        guard footer.blockCount == expectedBlocks else {
            throw fail("footer fields disagree: token_count \(footer.tokenCount) in blocks of block_tokens \(per) needs \(expectedBlocks) blocks, block_count says \(footer.blockCount)")
        }
        let index = try pread(fd, Int(footer.indexOffset), indexSize, name)
        guard CRC32.of(index) == footer.indexCRC32 else {
            throw fail("index checksum mismatch (block table or document index changed after writing)")
        }
        var blocks: [BlockEntry] = []
        blocks.reserveCapacity(Int(footer.blockCount))
        var offset = UInt64(ShardFormat.headerSize)
        for i in 0..<Int(footer.blockCount) {
            let at = i * ShardFormat.blockEntrySize
            let entry = BlockEntry(offset: index.readLE64(at), compressedSize: index.readLE32(at + 8), tokenCount: index.readLE32(at + 12), crc32: index.readLE32(at + 16))
            let tokens = i == Int(footer.blockCount) - 1 ? footer.tokenCount - UInt64(i) * per : per
            guard entry.offset == offset, entry.compressedSize > 0, UInt64(entry.compressedSize) <= footer.indexOffset - offset else {
                throw fail("block table entry \(i): field offset = \(entry.offset), compressed_size = \(entry.compressedSize); expected the block at byte \(offset), ending by byte \(footer.indexOffset)")
            }
            guard UInt64(entry.tokenCount) == tokens else {
                throw fail("block table entry \(i): field token_count = \(entry.tokenCount), expected \(tokens) (block_tokens \(per), token_count \(footer.tokenCount))")
            }
            offset += UInt64(entry.compressedSize)
            blocks.append(entry)
        }
        guard offset == footer.indexOffset else {
            throw fail("the blocks end at byte \(offset) but footer field index_offset = \(footer.indexOffset)")
        }
        let docBase = Int(footer.blockCount) * ShardFormat.blockEntrySize
        var starts: [UInt64] = []
        starts.reserveCapacity(Int(footer.documentCount) + 1)
        var previous: UInt64 = 0
        for i in 0...Int(footer.documentCount) {
            let start = index.readLE64(docBase + 8 * i)
            let expected = i == Int(footer.documentCount) ? "= token_count \(footer.tokenCount)" : i == 0 ? "0" : "within \(previous)…\(footer.tokenCount)"
            guard start >= previous, start <= footer.tokenCount, i > 0 || start == 0 || footer.documentCount == 0,
                  i < Int(footer.documentCount) || start == footer.tokenCount else {
                throw fail("document index entry \(i) = \(start), expected \(expected)")
            }
            previous = start
            starts.append(start)
        }
        return (header, footer, blocks, starts)
    }

    deinit { close(fd) }

    static func pread(_ fd: Int32, _ offset: Int, _ count: Int, _ name: String) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let done = try buffer.withUnsafeMutableBytes { raw in
            do throws(FileIOError) {
                return try FileIO.read(fd, at: Int64(offset), into: raw, path: name)
            } catch {
                throw ShardError("\(name): read error: \(error.reason)", shard: name)
            }
        }
        if done < count { throw ShardError("\(name): file ends at byte \(offset + done), expected \(offset + count): truncated", shard: name) }
        return buffer
    }

    /// Checks that the shard was made with the tokenizer whose fingerprint is given.
    public func requireFingerprint(_ fingerprint: [UInt8], tokenizerName: String) throws {
        guard header.fingerprint == fingerprint else {
            throw ShardError("\(name): made with a tokenizer of fingerprint \(header.fingerprintHex.prefix(16))…, but \(tokenizerName) has fingerprint \(Hex.encode(fingerprint).prefix(16))…: these token ids mean different text; use the tokenizer the shard was made with (its copy is in the shard directory)", shard: name)
        }
    }

    /// The tokens of block `i`, after checking its CRC and decompressing (zstd checks its own
    /// content checksum too).
    public func block(_ i: Int) throws -> [UInt32] {
        let entry = blocks[i]
        let expectedOffset = i == 0 ? UInt64(ShardFormat.headerSize) : blocks[i - 1].offset + UInt64(blocks[i - 1].compressedSize)
        guard entry.offset == expectedOffset, entry.offset + UInt64(entry.compressedSize) <= footer.indexOffset else {
            throw ShardError("\(name): block \(i): the table places it at byte \(entry.offset), expected \(expectedOffset) (index damaged)", shard: name, block: i)
        }
        let compressed = try Self.pread(fd, Int(entry.offset), Int(entry.compressedSize), name)
        let crc = CRC32.of(compressed)
        guard crc == entry.crc32 else {
            throw ShardError("\(name): block \(i) (bytes \(entry.offset)..<\(entry.offset + UInt64(entry.compressedSize))): checksum mismatch, expected crc32 \(String(format: "%08x", entry.crc32)), found \(String(format: "%08x", crc)); the shard is damaged, re-create it", shard: name, block: i)
        }
        let raw: [UInt8]
        do {
            raw = try compressed.withUnsafeBytes { try Zstd.decompressFrame($0, expectedSize: Int(entry.tokenCount) * header.tokenBytes, source: "\(name) block \(i)") }
        } catch { throw ShardError("\(error)", shard: name, block: i) }
        var tokens = [UInt32](repeating: 0, count: Int(entry.tokenCount))
        raw.withUnsafeBytes { src in
            tokens.withUnsafeMutableBufferPointer { dst in
                if header.tokenBytes == 2 {
                    for k in 0..<dst.count { dst[k] = UInt32(src.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self).littleEndian) }
                } else {
                    for k in 0..<dst.count { dst[k] = src.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self).littleEndian }
                }
            }
        }
        // A token id outside the vocabulary would index past a model's embedding table: checked
        // here, for every reader. Why a max-reduction first: it is a loop the compiler vectorizes,
        // so the per-id closure search runs only when some id is out of range.
        let vocabulary = UInt32(header.vocabularySize)
        var largest: UInt32 = 0
        tokens.withUnsafeBufferPointer { for t in $0 { largest = Swift.max(largest, t) } }
        if largest >= vocabulary, let bad = tokens.firstIndex(where: { $0 >= vocabulary && $0 != header.endOfText }) {
            throw ShardError("\(name): block \(i) holds token id \(tokens[bad]) at position \(bad), outside the vocabulary of \(vocabulary) ids (header field vocabulary_size); the shard is damaged, re-create it", shard: name, block: i)
        }
        return tokens
    }

    /// Tokens `range` of the shard's token stream, decompressing only the blocks it touches.
    public func tokens(_ range: Range<Int>) throws -> [UInt32] {
        guard range.lowerBound >= 0, range.upperBound <= tokenCount else {
            throw ShardError("\(name): token range \(range.lowerBound)..<\(range.upperBound) is outside 0..<\(tokenCount)", shard: name)
        }
        var out: [UInt32] = []
        out.reserveCapacity(range.count)
        if range.isEmpty { return out }
        let per = Int(footer.blockTokens)
        for b in (range.lowerBound / per)...((range.upperBound - 1) / per) {
            let tokens = try block(b)
            let start = b * per
            let lo = max(range.lowerBound, start) - start
            let hi = min(range.upperBound, start + tokens.count) - start
            if lo < hi { out += tokens[lo..<hi] }
        }
        return out
    }

    /// The token range of document `i` (including its leading end-of-text token, if any).
    public func documentRange(_ i: Int) -> Range<Int> { Int(documentStarts[i])..<Int(documentStarts[i + 1]) }

    /// The tokens of document `i` without its leading end-of-text token.
    public func document(_ i: Int) throws -> [UInt32] {
        var t = try tokens(documentRange(i))
        if header.endOfText != nil, !t.isEmpty { t.removeFirst() }
        return t
    }

    /// Reads every block, checking every checksum, the block sizes and the document index.
    /// Throws the first problem, naming shard and block.
    public func verify() throws {
        let per = Int(footer.blockTokens)
        var total = 0
        for i in 0..<blocks.count {
            let t = try block(i)
            if i < blocks.count - 1 && t.count != per {
                throw ShardError("\(name): block \(i) holds \(t.count) tokens, expected \(per) (index damaged)", shard: name, block: i)
            }
            if let eot = header.endOfText, t.contains(where: { $0 >= UInt32(header.vocabularySize) && $0 != eot }) {
                throw ShardError("\(name): block \(i) holds a token id ≥ the vocabulary size \(header.vocabularySize)", shard: name, block: i)
            }
            total += t.count
        }
        guard total == tokenCount else { throw ShardError("\(name): blocks hold \(total) tokens, the footer says \(tokenCount)", shard: name) }
        for i in 0..<documentCount where documentStarts[i] > documentStarts[i + 1] {
            throw ShardError("\(name): document index is not increasing at document \(i)", shard: name)
        }
    }
}
