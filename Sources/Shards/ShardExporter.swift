import Corpus
import Foundation
import TokenmillSupport

/// One file written by `ShardExporter`.
public struct ExportedFile: Sendable, Equatable {
    public var path: String
    public var split: DataSplit
    public var tokens: Int
    public var documents: Int
    public var bytes: Int
}

/// `tokenmill export`: a shard directory → the token files of another trainer (Megatron-LM,
/// llm.c, nanoGPT), per split, streaming: one decompressed block in memory at a time (plus, for
/// Megatron, nothing but the shards' own document indices). Every block's CRC is checked as it is
/// read; files are written under a temporary name and renamed when complete.
///
/// Layouts (docs/shard-format.md, "Export and import"):
/// - nanogpt: `SPLIT.bin`, each document's tokens then end-of-text, uint16.
/// - megatron: `SPLIT.bin` as nanogpt's (uint16, or int32 above 65536 ids) and `SPLIT.idx`, one
///   sequence per document (its tokens and the end-of-text after them).
/// - llmc: `SPLIT_NNNNNN.bin`, llm.c's header then the shard stream itself (end-of-text before each
///   document); a new file starts at the first document boundary at or after `llmcFileTokens`.
/// With end-of-text before each document in the shards, nanogpt's and megatron's token streams are
/// the shard stream shifted by one token, with one end-of-text appended.
public final class ShardExporter {
    public let directory: String
    public let output: String
    public let format: TokenFileFormat
    /// llm.c files: a file is closed at the first document boundary once it holds this many tokens
    /// (llm.c's fineweb.py writes 10^8 tokens per file; its header counts in int32).
    public var llmcFileTokens = 100_000_000

    public init(directory: String, output: String, format: TokenFileFormat) {
        self.directory = directory
        self.output = output
        self.format = format
    }

    public func run() throws -> [ExportedFile] {
        let manifest = try Manifest.load(directory: directory)
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        var files: [ExportedFile] = []
        for split in DataSplit.allCases where manifest.shards.contains(where: { $0.split == split }) {
            let stream = try SplitTokenStream(directory: directory, manifest: manifest, split: split)
            let header = stream.readers[0].header
            switch format {
            case .nanogpt:
                guard header.tokenBytes == 2 else {
                    throw ShardError("\(directory): the vocabulary has \(header.vocabularySize) ids, more than nanoGPT's uint16 `train.bin` holds; export to --format megatron or llmc instead")
                }
                guard let eot = header.endOfText else { throw noEndOfText(header) }
                files.append(try writeShifted(stream, eot: eot, width: 2, to: output + "/\(split).bin"))
            case .megatron:
                let width = header.tokenBytes
                let bin = try writeShifted(stream, eot: header.endOfText, width: width, to: output + "/\(split).bin")
                let idx = try writeMegatronIndex(stream, width: width, to: output + "/\(split).idx")
                files += [bin, idx]
            case .llmc:
                guard header.endOfText != nil else { throw noEndOfText(header) }
                files += try writeLLMC(stream, width: header.tokenBytes)
            }
        }
        return files
    }

    /// Writes `tokens` as `width`-byte little-endian integers through one reused buffer; returns
    /// the bytes written.
    static func write(_ tokens: ArraySlice<UInt32>, width: Int, through buffer: inout [UInt8], to out: inout OutputWriter) throws -> Int {
        buffer.removeAll(keepingCapacity: true)
        TokenBytes.append(tokens, width: width, to: &buffer)
        try out.write(buffer)
        return buffer.count
    }

    func noEndOfText(_ header: ShardHeader) -> ShardError {
        ShardError("\(directory): the tokenizer has no end-of-text token, but \(format.rawValue) files separate documents with one; export to --format megatron (its index keeps the boundaries) instead")
    }

    /// The stream without its first token (an end-of-text), then `eot`: each document followed by
    /// end-of-text. Without an end-of-text token, the stream as it is.
    func writeShifted(_ stream: SplitTokenStream, eot: UInt32?, width: Int, to path: String) throws -> ExportedFile {
        var out = try OutputWriter(path: path)
        var bytes = 0
        do {
            var buffer: [UInt8] = []
            try stream.forEachPiece(from: eot == nil ? 0 : 1, to: stream.tokenCount) { piece in
                bytes += try Self.write(piece, width: width, through: &buffer, to: &out)
            }
            if let eot {
                bytes += try Self.write([eot][...], width: width, through: &buffer, to: &out)
            }
            try out.close()
        } catch {
            out.discard()
            throw error
        }
        return ExportedFile(path: path, split: stream.split, tokens: bytes / width, documents: stream.documentCount, bytes: bytes)
    }

    /// Megatron's `.idx`: header, then int32 sequence lengths, int64 byte pointers, int64 document
    /// indices `0...D` (one sequence per document).
    func writeMegatronIndex(_ stream: SplitTokenStream, width: Int, to path: String) throws -> ExportedFile {
        let documents = stream.documentCount
        var out = try OutputWriter(path: path)
        var bytes = 0
        do {
            var b = TokenFileFormat.megatronMagic
            b.appendLE(TokenFileFormat.megatronVersion)
            b.append(width == 2 ? 8 : 4)                  // uint16 or int32
            b.appendLE(UInt64(documents))                 // sequences
            b.appendLE(UInt64(documents + 1))             // entries of the document index
            func flush(_ force: Bool = false) throws {
                if force || b.count >= 1 << 20 { try out.write(b); bytes += b.count; b.removeAll(keepingCapacity: true) }
            }
            try stream.forEachDocumentLength { n in
                guard n <= Int(Int32.max) else {
                    throw ShardError("\(directory): a document of \(n) tokens is longer than Megatron's int32 sequence length allows")
                }
                b.appendLE(Int32(n))
                try flush()
            }
            var pointer: Int64 = 0
            try stream.forEachDocumentLength { n in
                b.appendLE(pointer)
                pointer += Int64(n * width)
                try flush()
            }
            for d in 0...documents {
                b.appendLE(Int64(d))
                try flush()
            }
            try flush(true)
            try out.close()
        } catch {
            out.discard()
            throw error
        }
        return ExportedFile(path: path, split: stream.split, tokens: 0, documents: documents, bytes: bytes)
    }

    /// llm.c files: the shard stream itself, cut at document boundaries.
    func writeLLMC(_ stream: SplitTokenStream, width: Int) throws -> [ExportedFile] {
        // File boundaries from the document index alone.
        var cuts = [0], documentsPerFile: [Int] = [], documents = 0, at = 0
        stream.forEachDocumentLength { n in
            if at - cuts.last! >= llmcFileTokens { cuts.append(at); documentsPerFile.append(documents); documents = 0 }
            at += n
            documents += 1
        }
        cuts.append(at)
        documentsPerFile.append(documents)
        var files: [ExportedFile] = []
        for k in 0..<(cuts.count - 1) {
            let count = cuts[k + 1] - cuts[k]
            guard count <= Int(Int32.max) else {
                throw ShardError("\(directory): a document run of \(count) tokens does not fit llm.c's int32 token count; lower the file size")
            }
            let path = output + "/" + String(format: "%@_%06d.bin", stream.split.rawValue, k)
            var out = try OutputWriter(path: path)
            var bytes = 0
            do {
                var header: [UInt8] = []
                header.appendLE(width == 2 ? TokenFileFormat.llmcMagic16 : TokenFileFormat.llmcMagic32)
                header.appendLE(width == 2 ? TokenFileFormat.llmcVersion16 : TokenFileFormat.llmcVersion32)
                header.appendLE(Int32(count))
                header += [UInt8](repeating: 0, count: TokenFileFormat.llmcHeaderBytes - header.count)
                try out.write(header)
                bytes += header.count
                var buffer: [UInt8] = []
                try stream.forEachPiece(from: cuts[k], to: cuts[k + 1]) { piece in
                    bytes += try Self.write(piece, width: width, through: &buffer, to: &out)
                }
                try out.close()
            } catch {
                out.discard()
                throw error
            }
            files.append(ExportedFile(path: path, split: stream.split, tokens: count, documents: documentsPerFile[k], bytes: bytes))
        }
        return files
    }
}
