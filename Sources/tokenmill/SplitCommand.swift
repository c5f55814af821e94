import ArgumentParser
import BPE
import Corpus
import Foundation
import TokenmillSupport

struct SplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Show how a split pattern (pre-tokenizer) cuts text: one JSON string per piece and line."
    )

    @Option(help: "gpt2, cl100k, o200k, or a regular expression (ICU syntax).")
    var pattern: String = "gpt2"

    @Argument(help: "Input file (.gz, .zst and .bz2 are decompressed), or - for standard input.")
    var file: String = "-"

    func run() throws {
        let split = SplitPattern(name: pattern) ?? .regex(pattern)
        let preTokenizer = try PreTokenizer(pattern: split)
        let raw = try InputFile.read(file)
        if let offset = raw.withUnsafeBufferPointer({ UTF8Validation.firstInvalidOffset($0) }) {
            throw TokenizerError.invalidUTF8(source: file, offset: offset)
        }
        var writer = try OutputWriter(path: nil)
        var failure: Error?
        raw.withUnsafeBufferPointer { bytes in
            preTokenizer.forEachPiece(in: bytes) { start, end in
                guard failure == nil else { return }
                var line: [UInt8] = []
                JSONOutput.appendString(bytes[start..<end], to: &line)
                line.append(0x0A)
                do { try writer.write(line) } catch { failure = error }
            }
        }
        if let failure { throw failure }
        try writer.close()
    }
}
