import ArgumentParser
import BPE
import Corpus
import Foundation
import Pipeline
import TokenmillSupport

struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode documents to token ids.",
        discussion: """
        A document is a whole text file, or one record of a JSONL file. With --output text (the default) each document becomes one line of space-separated ids; u16 and u32 write the ids of all documents back to back as raw little-endian integers, with the end-of-text token before each document (--eot). Many files and documents are encoded at once on --threads cores and written in input order; a long document is encoded in parts cut where the split pattern cuts anyway (same ids as the whole), so memory stays bounded however large the input.
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

    @Option(help: "A pre-token (piece) longer than this many bytes is encoded in parts cut at this length, so memory stays bounded on one unbroken run of text (ids differ from tiktoken's only around each cut, counted in a note).")
    var maxPieceBytes: Int = PreTokenizer.defaultMaxPieceBytes

    @Flag(help: "No notes on standard error (errors are still shown).")
    var quiet = false

    @Argument(help: "Input files (.gz, .zst and .bz2 are decompressed), or - for standard input.")
    var files: [String] = ["-"]

    typealias OutputFormat = TokenOutput

    func validate() throws {
        // Corpus's one `InputFormat`; encode reads the two formats whose records need no reader.
        guard inputFormat == .text || inputFormat == .jsonl else {
            throw ValidationError("--input-format \(inputFormat.rawValue): encode reads text or jsonl; for \(inputFormat.rawValue) files use `tokenmill shard` (or `tokenmill clean` to extract their text first)")
        }
        guard maxPieceBytes >= PreTokenizer.minimumMaxPieceBytes else {
            throw ValidationError("--max-piece-bytes \(maxPieceBytes): expected at least \(PreTokenizer.minimumMaxPieceBytes) (default \(PreTokenizer.defaultMaxPieceBytes))")
        }
        guard !textField.isEmpty else { throw ValidationError("--text-field is empty: name the JSONL field that holds the text (default: text)") }
    }

    func run() throws {
        var tokenizer = try tokenizerOptions.load()
        tokenizer.maxPieceBytes = maxPieceBytes
        var options = EncodeOptions()
        options.inputFormat = inputFormat
        options.textField = textField
        options.specials = special
        options.lossy = lossy
        options.output = output
        options.endOfText = try endOfText(tokenizer)
        options.endOfTextPlacement = eot ?? .before
        options.threads = threads
        let job = try EncodeJob(tokenizer: tokenizer, options: options)
        var writer = try OutputWriter(path: outputFile)
        let summary: EncodeSummary
        do {
            summary = try job.run(files) { try writer.write($0) }
            try writer.close()
        } catch {
            writer.discard()
            throw error
        }
        // Nothing silent: what --lossy repaired is counted and said, as the pieces cut are.
        if summary.replacements > 0 && !quiet {
            FileHandle.standardError.write(Data("encode: \(summary.replacements) invalid UTF-8 sequences were replaced by U+FFFD (--lossy)\n".utf8))
        }
        if tokenizer.piecesCut > 0 && !quiet {
            FileHandle.standardError.write(Data("encode: \(tokenizer.piecesCut) pieces longer than --max-piece-bytes \(maxPieceBytes) were encoded in parts\n".utf8))
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
}

extension TokenOutput: ExpressibleByArgument {}
extension EndOfTextPlacement: ExpressibleByArgument {}
