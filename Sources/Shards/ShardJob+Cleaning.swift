import Cleaning
import Corpus
import Crypto
import Foundation
import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif

/// The cleaning side of a job: the MinHash pre-pass, `--dropped-out` and the text-only run
/// (`tokenmill clean`).
extension ShardJob {
    /// Finishes the dropped-documents file of the previous input and, for input `index`,
    /// prepares the next one (`--dropped-out`).
    func startDropped(_ state: inout State, _ index: Int?) throws {
        if let writer = state.droppedWriter { try writer.finish() }
        state.droppedWriter = nil
        guard let directory = droppedOut, let index else { return }
        let path = directory + "/" + String(format: "dropped-%06d.jsonl.zst", inputNumbers?[index] ?? index)
        Self.removeStaleTemporaries(of: path)
        state.droppedWriter = DroppedWriter(path: path)
    }

    /// Removes `PATH.tmp-PID` files that a killed run left (`OutputWriter` writes `PATH` under
    /// that name and renames it when complete; MinHash's spill directory `minhash-spill.tmp-PID`)
    /// whose process is gone, so that running a killed `clean` again leaves the same files as an
    /// uninterrupted run. A live process's file stays.
    public static func removeStaleTemporaries(of path: String) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let prefix = url.lastPathComponent + ".tmp-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: directory + "/" + name) }
        }
    }

    /// `tokenmill clean`: reads, cleans, filters and deduplicates as `run()` does, and writes
    /// each kept document as `{"text": …, "source": …}` to `path` (JSON Lines, zstd-compressed
    /// when the name ends in `.zst`; `-`: standard output). The file is written under a
    /// temporary name and renamed when complete: an interrupted run leaves no partial output,
    /// and running it again writes the same bytes.
    public func runText(to path: String) throws -> CleanReport {
        if path != "-" { Self.removeStaleTemporaries(of: path) }
        var state = State()
        let sink = try TextSink(path: path)
        textSink = sink
        defer { textSink = nil }
        try findNearDuplicates(&state, spillArea: path == "-" ? FileManager.default.temporaryDirectory.path : FileIO.parent(of: path))
        try readInputs(&state, stdinExpected: nil)
        try sink.close()
        return report(state, output: path)
    }

    /// `tokenmill clean` under mpirun, one rank's share (`DistributedClean`): as `runText`, but
    /// the kept records of each input go to `directory/part-NNNNNN.jsonl` (NNNNNN: the input's
    /// global number, `inputNumbers`; uncompressed; one file per input, empty when it keeps
    /// nothing), for rank 0 to join in input order (`TextParts.join`).
    public func runTextParts(into directory: String) throws -> CleanReport {
        var state = State()
        textParts = directory
        defer { textParts = nil; textSink = nil }
        try findNearDuplicates(&state, spillArea: directory)
        try readInputs(&state, stdinExpected: nil)
        return report(state, output: directory)
    }

    /// Starts the part file of input `index` (nil: finishes the last one), with `textParts` set.
    func startTextPart(_ index: Int?) throws {
        guard let directory = textParts else { return }
        try textSink?.close()
        textSink = nil
        guard let index else { return }
        textSink = try TextSink(path: directory + "/" + TextParts.name(inputNumbers?[index] ?? index))
    }

    func report(_ state: State, output: String) -> CleanReport {
        CleanReport(output: output, inputs: state.inputs, documentsRead: state.documentsRead, documentsKept: state.documentsKept,
                    dropped: state.dropped, bytesIn: state.bytesIn, textBytes: state.textBytes, repairs: state.repairs,
                    cleaning: state.cleaningCounters, languages: options.cleaning?.language == nil ? nil : state.languages,
                    options: options)
    }
}

/// The per-input part files of `tokenmill clean` under mpirun and their joining.
public enum TextParts {
    public static func name(_ input: Int) -> String { String(format: "part-%06d.jsonl", input) }

    /// Writes `output` (as `runText` does: zstd when the name ends in `.zst`, under a temporary
    /// name renamed when complete) from the parts of inputs `0..<inputs` in `directory`, in input
    /// order. Each record passes through the same `TextSink` buffering as in one process, so
    /// the compressed frames, and so the bytes, are one process's. A missing part is an error.
    public static func join(_ directory: String, inputs: Int, to output: String) throws {
        ShardJob.removeStaleTemporaries(of: output)
        let sink = try TextSink(path: output)
        for input in 0..<inputs {
            let path = directory + "/" + name(input)
            var stream: FileStream
            do { stream = try FileStream(path: path) } catch {
                throw ShardError("\(path): the part of input \(input) is missing (\(error)); a rank did not finish: run the same command again")
            }
            var pending: [UInt8] = []
            while let chunk = try stream.next() {
                var from = chunk.startIndex
                while let newline = chunk[from...].firstIndex(of: 0x0A) {
                    if pending.isEmpty {
                        try sink.append(record: chunk[from...newline])
                    } else {
                        pending += chunk[from...newline]
                        try sink.append(record: pending[...])
                        pending.removeAll(keepingCapacity: true)
                    }
                    from = newline + 1
                }
                pending += chunk[from...]
            }
            guard pending.isEmpty else { throw ShardError("\(path): the part of input \(input) ends inside a record; run the same command again") }
        }
        try sink.close()
    }
}

extension CleanReport {
    /// One report over the ranks' reports of one `clean` job: inputs in the order of
    /// `options.inputs`, counts summed, drop examples the first five in input order (as one
    /// process's, `DropReport.merge`).
    public static func merge(_ parts: [CleanReport], options: ShardOptions, output: String) -> CleanReport {
        let order = Dictionary(options.inputs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var merged = CleanReport(output: output, inputs: [], documentsRead: 0, documentsKept: 0, dropped: [:], bytesIn: 0, textBytes: 0,
                                 repairs: RepairReport(), cleaning: [:], languages: nil, options: options)
        merged.inputs = parts.flatMap(\.inputs).sorted { (order[$0.path] ?? .max) < (order[$1.path] ?? .max) }
        merged.dropped = DropReport.merge(parts.map(\.dropped), inputs: options.inputs)
        for part in parts {
            merged.documentsRead += part.documentsRead
            merged.documentsKept += part.documentsKept
            merged.bytesIn += part.bytesIn
            merged.textBytes += part.textBytes
            merged.repairs.add(part.repairs)
            merged.cleaning.merge(part.cleaning, uniquingKeysWith: +)
            if let languages = part.languages {
                merged.languages = (merged.languages ?? [:]).merging(languages) { LanguageCount(documents: $0.documents + $1.documents, kept: $0.kept + $1.kept) }
            }
        }
        return merged
    }

    /// The report as ranks send it to rank 0: plain JSON, without `json()`'s snake-case key
    /// conversion, which would also rewrite the counters' own keys on the way back.
    public func encoded() throws -> [UInt8] { Array(try JSONEncoder().encode(self)) }
    public static func decode(_ bytes: [UInt8]) throws -> CleanReport {
        try JSONDecoder().decode(CleanReport.self, from: Data(bytes))
    }
}

/// What `tokenmill clean` did (its `--json` summary, snake case).
public struct CleanReport: Sendable, Codable {
    public var output: String
    public var inputs: [InputRecord]
    public var documentsRead: Int
    public var documentsKept: Int
    public var dropped: [String: DropReport]
    public var bytesIn: Int
    public var textBytes: Int
    public var repairs: RepairReport
    public var cleaning: [String: Int]
    /// Per detected language, documents seen and kept (with `--languages`/`--min-language-score`).
    public var languages: [String: LanguageCount]?
    public var options: ShardOptions

    public func json() throws -> String {
        String(decoding: try JSONOutput.encode(self, .document), as: UTF8.self)
    }
}

/// JSON Lines output, zstd-compressed (one frame per 4 MiB of records; concatenated frames are
/// one zstd stream) when the name ends in `.zst`.
final class TextSink {
    var writer: OutputWriter
    let compress: Bool
    var buffer: [UInt8] = []

    init(path: String) throws {
        writer = try OutputWriter(path: path)
        compress = path.hasSuffix(".zst")
    }

    /// One `{"text": …, "source": …}` record; with language identification also
    /// `"language": "en", "language_score": 0.97` (datatrove's metadata names).
    func write(text: [UInt8], source: String, language: LanguageDetection? = nil) throws {
        JSONLine.record([("text", text), ("source", Array(source.utf8))], to: &buffer)
        if let language {
            buffer.removeLast(2)   // "}\n"
            buffer += Array(",\"language\":".utf8)
            JSONOutput.appendString(language.language.utf8, to: &buffer)
            buffer += Array(",\"language_score\":\(String(format: "%.2f", language.score))}\n".utf8)
        }
        if buffer.count >= 4 << 20 { try flush() }
    }

    /// One record already encoded (a line of a part file, newline included), buffered as
    /// `write` buffers it.
    func append(record: ArraySlice<UInt8>) throws {
        buffer += record
        if buffer.count >= 4 << 20 { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try writer.write(compress ? Zstd.compress(buffer, level: 3) : buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        try writer.close()
    }
}

/// `--dropped-out DIR`: the documents one input lost, as datatrove's exclusion writers keep
/// them: `{"source": …, "reason": …, "text": …}` per line, zstd-compressed, written atomically
/// when the input is finished. Opened at the first drop, so an input without drops has no file.
final class DroppedWriter {
    let path: String
    var sink: TextSink?
    var buffer: [UInt8] = []
    var failure: Error?

    init(path: String) { self.path = path }

    func append(source: String, reason: String, text: [UInt8]) throws {
        guard failure == nil else { return }
        do {
            if sink == nil {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                sink = try TextSink(path: path)
            }
            JSONLine.record([("source", Array(source.utf8)), ("reason", Array(reason.utf8)), ("text", text)], to: &sink!.buffer)
            if sink!.buffer.count >= 4 << 20 { try sink!.flush() }
        } catch {
            failure = error
        }
    }

    func finish() throws {
        if let failure { throw ShardError("--dropped-out: cannot write \(path): \(failure)") }
        try sink?.close()
        sink = nil
    }
}
