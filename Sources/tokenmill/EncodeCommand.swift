import ArgumentParser
import BPE
import Corpus
import Foundation

struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode documents to token ids.",
        discussion: """
        A document is a whole text file, or one record of a JSONL file. With --output text (the
        default) each document becomes one line of space-separated ids; u16 and u32 write the ids
        of all documents back to back as raw little-endian integers.
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

    @Option(name: .shortAndLong, help: "Write here instead of standard output.")
    var outputFile: String?

    @Option(help: "Threads for encoding (default: all cores).")
    var threads: Int = Tokenizer.defaultThreadCount

    @Argument(help: "Input files (.gz, .zst and .bz2 are decompressed), or - for standard input.")
    var files: [String] = ["-"]

    enum InputFormat: String, ExpressibleByArgument { case text, jsonl }
    enum OutputFormat: String, ExpressibleByArgument { case text, u16, u32 }

    func run() throws {
        let tokenizer = try tokenizerOptions.load()
        var writer = try OutputWriter(path: outputFile)
        for file in files {
            let documents = try readDocuments(file)
            let encoded = try tokenizer.encodeBatch(documents, specials: special, threads: threads)
            for ids in encoded { try write(ids, to: &writer) }
        }
        try writer.close()
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

    func write(_ ids: [TokenID], to writer: inout OutputWriter) throws {
        switch output {
        case .text:
            var line = ids.map(String.init).joined(separator: " ")
            line.append("\n")
            try writer.write(Array(line.utf8))
        case .u16:
            var bytes: [UInt8] = []
            bytes.reserveCapacity(ids.count * 2)
            for id in ids {
                guard id <= UInt16.max else {
                    throw ValidationError("token id \(id) does not fit in 16 bits: use --output u32")
                }
                bytes.append(UInt8(id & 0xFF)); bytes.append(UInt8(id >> 8))
            }
            try writer.write(bytes)
        case .u32:
            var bytes: [UInt8] = []
            bytes.reserveCapacity(ids.count * 4)
            for id in ids { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((id >> UInt32(shift)) & 0xFF)) } }
            try writer.write(bytes)
        }
    }
}
