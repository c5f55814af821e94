import ArgumentParser
import BPE
import Corpus
import Foundation
import Shards
import TokenmillSupport

struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode documents to token ids.",
        discussion: """
        A document is a whole text file, or one record of a JSONL file. With --output text (the default) each document becomes one line of space-separated ids; u16 and u32 write the ids of all documents back to back as raw little-endian integers, with the end-of-text token before each document (--eot).
        """
    )

    @OptionGroup var tokenizerOptions: TokenizerOptions

    @Option(help: "text (a file is a document) or jsonl (a line is a document).")
    var inputFormat: InputFormat = .text

    @Option(help: "The JSONL field holding the text.")
    var textField: String = "text"

    @Option(help: "Special-token text in the input: ordinary (encode as text), allow (as the special token) or reject (error).")
    var special: SpecialTokenPolicy = .ordinary

    @Flag(help: "Replace invalid UTF-8 with U+FFFD instead of stopping with an error.")
    var lossy = false

    @Option(help: "text, u16 or u32.")
    var output: OutputFormat = .text

    @Option(help: "With --output u16 or u32, where the end-of-text token goes: before each document (the shard format's and llm.c's convention), after each one (nanoGPT's prepare.py) or none. Default: before, when the vocabulary has <|endoftext|>.")
    var eot: EndOfTextPlacement?

    @Option(name: .shortAndLong, help: "Write here instead of standard output.")
    var outputFile: String?

    @Option(name: .customLong("threads"), help: "Threads for encoding (default: all cores).")
    var threadCount: Int?
    var threads: Int { threadCount ?? ThreadCount.default }

    @Flag(help: "No notes on standard error (errors are still shown).")
    var quiet = false

    @Argument(help: "Input files (.gz, .zst and .bz2 are decompressed), or - for standard input.")
    var files: [String] = ["-"]

    enum InputFormat: String, ExpressibleByArgument { case text, jsonl }
    enum OutputFormat: String, ExpressibleByArgument { case text, u16, u32 }
    enum EndOfTextPlacement: String, ExpressibleByArgument { case before, after, none }

    /// Documents are encoded in batches of about this many bytes, whatever files they come from,
    /// so that many small files keep every thread busy (one file at a time ran most inputs on one
    /// core: issue 17) while memory stays bounded by the batch and its ids.
    static let batchBytes = 32 << 20
    static let batchDocuments = 4096

    func run() throws {
        let tokenizer = try tokenizerOptions.load()
        let separator = try endOfText(tokenizer)
        var writer = try OutputWriter(path: outputFile)
        do {
            var batch: [[UInt8]] = []
            var batchSize = 0
            var out: [UInt8] = []
            func encode() throws {
                guard !batch.isEmpty else { return }
                let encoded = try tokenizer.encodeBatch(batch, specials: special, threads: threads)
                batch.removeAll(keepingCapacity: true)
                batchSize = 0
                for ids in encoded {
                    out.removeAll(keepingCapacity: true)
                    try append(ids, endOfText: separator, to: &out)
                    try writer.write(out)
                }
            }
            for file in files {
                for document in try readDocuments(file) {
                    batchSize += document.count
                    batch.append(document)
                    if batchSize >= Self.batchBytes || batch.count >= Self.batchDocuments { try encode() }
                }
            }
            try encode()
            try writer.close()
        } catch {
            writer.discard()
            throw error
        }
    }

    /// The end-of-text id written around documents in binary output, or nil.
    func endOfText(_ tokenizer: Tokenizer) throws -> TokenID? {
        guard output != .text else {
            if eot != nil { throw ValidationError("--eot applies to --output u16 and u32 (text output writes one line per document)") }
            return nil
        }
        let id = tokenizer.specialTokenID("<|endoftext|>")
        switch eot {
        case nil:
            if id == nil && !quiet {
                FileHandle.standardError.write(Data("encode: the vocabulary has no <|endoftext|>: documents are written back to back (--eot none)\n".utf8))
            }
            return id
        case .none?:
            return nil
        case .before?, .after?:
            guard let id else { throw ValidationError("--eot \(eot!.rawValue): the vocabulary has no <|endoftext|> token; use --eot none") }
            return id
        }
    }

    func readDocuments(_ file: String) throws -> [[UInt8]] {
        let raw = try InputFile.read(file)
        let name = file == "-" ? "<stdin>" : file
        switch inputFormat {
        case .text:
            return [try validated(raw, source: name)]
        case .jsonl:
            return try JSONLines.texts(in: raw, field: textField, source: name).map { record in
                try validated(record.text, source: "\(name):\(record.line)")
            }
        }
    }

    func validated(_ bytes: [UInt8], source: String) throws -> [UInt8] {
        if let offset = bytes.withUnsafeBufferPointer({ UTF8Validation.firstInvalidOffset($0) }) {
            if lossy { return UTF8Validation.repair(bytes).bytes }
            throw TokenizerError.invalidUTF8(source: source, offset: offset)
        }
        return bytes
    }

    /// Appends one document's output to `out`: decimal ids written digit by digit (no `String`
    /// per id), or the ids as little-endian integers (Shards' `TokenBytes`, as `export` writes
    /// them). O(ids).
    func append(_ ids: [TokenID], endOfText: TokenID?, to out: inout [UInt8]) throws {
        switch output {
        case .text:
            out.reserveCapacity(out.count + ids.count * 6 + 1)
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            for (i, id) in ids.enumerated() {
                if i > 0 { out.append(0x20) }
                var v = id, n = 0
                withUnsafeMutableBytes(of: &digits) { d in
                    repeat { d[n] = 0x30 + UInt8(v % 10); v /= 10; n += 1 } while v > 0
                    while n > 0 { n -= 1; out.append(d[n]) }
                }
            }
            out.append(0x0A)
        case .u16, .u32:
            let width = output == .u16 ? 2 : 4
            if width == 2, let bad = ids.first(where: { $0 > UInt16.max }) ?? endOfText.flatMap({ $0 > UInt16.max ? $0 : nil }) {
                throw ValidationError("token id \(bad) does not fit in 16 bits: use --output u32")
            }
            if let endOfText, eot != .after { TokenBytes.append([endOfText][...], width: width, to: &out) }
            TokenBytes.append(ids[...], width: width, to: &out)
            if let endOfText, eot == .after { TokenBytes.append([endOfText][...], width: width, to: &out) }
        }
    }
}
