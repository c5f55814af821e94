import ArgumentParser
import Corpus
import Foundation
import Normalizer
import TokenmillSupport

/// `tokenmill normalize`: the text cleanup pipeline over files or standard input, streaming in
/// fixed-size chunks, so memory stays bounded whatever the input size.
struct NormalizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalize",
        abstract: "Clean up text and apply a Unicode normalization form (streaming).",
        discussion: """
        Steps, in order: UTF-8 decoding (strict, --lossy, or --fallback-encoding for files that are \
        clearly not UTF-8), BOM removal, CRLF/CR → LF, --strip-controls, --strip-ignorables, the \
        normalization form, --lowercase, --trim-whitespace. Files are processed one after another \
        and their outputs concatenated; each gets its own summary line on stderr (bytes in/out, \
        replacements, changed characters), then a total. Exit status 1 on the first error.
        """
    )

    @Option(help: "Normalization form: nfc, nfkc, nfkc-cf (NFKC + case folding) or none (default: nfkc).",
            transform: { value in
                guard let form = NormalizationForm(rawValue: value.lowercased()) else {
                    throw ValidationError("unknown form \"\(value)\": expected nfc, nfkc, nfkc-cf or none")
                }
                return form
            })
    var form: NormalizationForm = .nfkc

    @Flag(help: "Replace invalid UTF-8 with U+FFFD (counted in the summary) instead of stopping with an error.")
    var lossy = false

    @Option(help: "Decode files that are clearly not UTF-8 (judged on their first 64 KiB) as latin1 or cp1252.",
            transform: { value in
                guard let encoding = LegacyEncoding(rawValue: value.lowercased()) ?? (value.lowercased() == "windows-1252" ? .windows1252 : nil) else {
                    throw ValidationError("unknown fallback encoding \"\(value)\": expected latin1 or cp1252")
                }
                return encoding
            })
    var fallbackEncoding: LegacyEncoding?

    @Flag(help: "Remove C0/C1 control characters (NUL, ESC, DEL, U+0080–U+009F …) except tab and newline.")
    var stripControls = false

    @Flag(help: "Remove default-ignorable code points (zero-width space and joiners, soft hyphen, variation selectors …).")
    var stripIgnorables = false

    @Flag(help: "Remove trailing whitespace on each line and collapse runs of blank lines to one.")
    var trimWhitespace = false

    @Flag(help: "Lowercase after normalizing (full Unicode lowercase, final sigma included).")
    var lowercase = false

    @Flag(help: "Keep a byte-order mark at the start of a file.")
    var keepBOM = false

    @Flag(help: "Keep CRLF and CR line ends as they are.")
    var keepNewlines = false

    @Flag(help: "Print the summary on stderr as JSON (one object: files and total).")
    var json = false

    @Flag(help: "No per-file summary lines on stderr (errors are still shown).")
    var quiet = false

    @Option(help: "Bytes read per chunk.")
    var chunkSize: Int = 1 << 20

    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    @Argument(help: "Input files; - (the default) reads standard input.")
    var files: [String] = ["-"]

    func validate() throws {
        if chunkSize < 1 { throw ValidationError("--chunk-size must be at least 1, got \(chunkSize)") }
    }

    var pipeline: NormalizerPipeline {
        NormalizerPipeline(form: form, utf8Policy: lossy ? .repair : .strict, fallbackEncoding: fallbackEncoding,
                           removeBOM: !keepBOM, normalizeNewlines: !keepNewlines, stripControls: stripControls,
                           stripIgnorables: stripIgnorables, lowercase: lowercase, trimWhitespace: trimWhitespace)
    }

    func run() throws {
        // Atomic for a file (temporary name, fsync, rename on close): a failed run leaves no
        // half-written output under the real name.
        var out = try OutputWriter(path: output)
        var reports: [(String, NormalizationReport)] = []
        var total = NormalizationReport()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(chunkSize + chunkSize / 4)
        for file in files {
            // .gz, .zst and .bz2 are undone as every other command does.
            var input: any ByteStream
            do { input = try openByteStream(file, chunkSize: chunkSize) } catch { fail("\(error)", discarding: out) }
            var stream = pipeline.makeStream()
            do {
                while true {
                    let chunk: [UInt8]
                    do { guard let next = try input.next() else { break }; chunk = next } catch { fail("\(error)", discarding: out) }
                    buffer.removeAll(keepingCapacity: true)
                    try chunk.withUnsafeBufferPointer { try stream.feed($0, into: &buffer) }
                    try out.write(buffer)
                }
                buffer.removeAll(keepingCapacity: true)
                try stream.finish(into: &buffer)
                try out.write(buffer)
            } catch let error as NormalizerError {
                fail("\(file): \(error.description)", discarding: out)
            }
            reports.append((file, stream.report))
            total.add(stream.report)
            if !json && !quiet { FileHandle.standardError.write(Data("\(file): \(stream.report.summary)\n".utf8)) }
        }
        try out.close()
        if json {
            FileHandle.standardError.write(Data((try jsonSummary(reports, total: total) + "\n").utf8))
        } else if files.count > 1 && !quiet {
            FileHandle.standardError.write(Data("total: \(total.summary)\n".utf8))
        }
    }

    private func jsonSummary(_ reports: [(String, NormalizationReport)], total: NormalizationReport) throws -> String {
        struct Entry: Encodable { let file: String; let report: NormalizationReport }
        struct Summary: Encodable { let form: String; let files: [Entry]; let total: NormalizationReport }
        let summary = Summary(form: form.rawValue, files: reports.map { Entry(file: $0.0, report: $0.1) }, total: total)
        return String(decoding: try JSONOutput.encode(summary, .line), as: UTF8.self)
    }

    private func fail(_ message: String, discarding out: OutputWriter) -> Never {
        out.discard()
        FileHandle.standardError.write(Data("tokenmill normalize: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
