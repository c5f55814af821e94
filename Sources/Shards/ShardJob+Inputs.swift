import BPE
import Cleaning
import Corpus
import Crypto
import Dispatch
import Foundation
import Normalizer
import Synchronization
import TokenmillSupport
#if canImport(Glibc)
import Glibc
#endif


/// Inputs of a shard job: expanding paths, standard input, reading every input in order with
/// its journal record, and hashing whole files.
extension ShardJob {
    static func checkStandardInput(_ options: ShardOptions) throws {
        if options.inputs.contains("-") {
            guard options.inputs.filter({ $0 == "-" }).count == 1 else { throw ShardError("standard input (-) can be read only once; it is named \(options.inputs.filter { $0 == "-" }.count) times among the inputs") }
            guard let format = options.reader.format else {
                throw ShardError("reading standard input (-) needs --input-format (text, jsonl, html, warc, wet or wikipedia): there is no file name to guess it from")
            }
            guard format != .parquet else {
                throw ShardError("Parquet cannot be read from standard input (its index is at the end of the file); save it to a file and pass the file")
            }
        }
    }

    /// Expands directories (recursively, hidden entries skipped, `InputFiles.walk`) into their
    /// files, sorted by path, so that the order — and so the output — is the same on every
    /// machine. Files inside `output` (the run's own shard directory) are never inputs.
    public static func expandInputs(_ paths: [String], excluding output: String? = nil) throws -> [String] {
        var files: [String] = []
        let fm = FileManager.default
        for path in paths {
            if path == "-" { files.append(path); continue }  // standard input
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw InputError(.io, path: path, "input \(path) \(InputFiles.problem(path) ?? "cannot be read"); expected a file or a directory")
            }
            if isDirectory.boolValue {
                files += InputFiles.walk(path, excluding: output)
            } else {
                files.append(path)
            }
        }
        return files
    }

    /// Reads, cleans, filters and deduplicates every input in order, handing the kept documents
    /// of each batch to the shards (or, for a text-only job, to `textSink`).
    func readInputs(_ state: inout State, stdinExpected: (bytes: Int, sha256: String)?) throws {
        let started = Date()
        let pipeline = options.normalization.pipeline
        let sizes = options.inputs.map { path -> Int64 in
            var st = stat()
            return stat(path, &st) == 0 ? Int64(st.st_size) : 0
        }
        inputBytesTotal = sizes.reduce(0, +)
        for (inputIndex, path) in options.inputs.enumerated() {
            defer { state.inputBytesDone += sizes[inputIndex] }
            try startDropped(&state, inputIndex)
            try startTextPart(inputIndex)
            let reader = readerOptions(for: path)
            var record = InputRecord(path: path, format: reader.format!.rawValue,
                                     size: 0, sha256: "", documents: 0, kept: 0, error: nil)
            do {
                if path != "-" {   // standard input is checked as it is read (StandardInput)
                    (record.size, record.sha256) = try Self.hashFile(path)
                    try checkUnchanged(record, state)
                }
                state.reading = record
            } catch let error as ShardError {
                throw error
            } catch {
                if path != "-" { try checkUnchanged(record, state) }
                record.error = "\(error)"
                try dropInput(&state, record: record, reason: .unreadableInput, error: error)
                continue
            }
            state.bytesIn += record.size
            var batch = Batch()
            let stdin = path == "-" ? StandardInput(expected: stdinExpected) : nil
            state.stdin = stdin
            defer {
                if let stdin { state.bytesIn += stdin.consumed }
                state.stdin = nil
            }
            do {
                var documents = try DocumentReader(path: path, options: reader, stream: try stdin?.stream())
                while let document = try documents.next() {
                    batch.append(document)
                    if batch.isFull {
                        try process(&batch, inputIndex, &state, &record, pipeline)
                        report(started, inputIndex, state)
                    }
                }
                try process(&batch, inputIndex, &state, &record, pipeline)
                if let stdin { (record.size, record.sha256) = (stdin.consumed, stdin.sha256) }
                try releaseHeldBack(&state)
            } catch let error as ShardError {
                throw error
            } catch {
                // The documents read before the error are kept (they are valid); the rest of
                // this input is lost and reported.
                try process(&batch, inputIndex, &state, &record, pipeline)
                if let stdin {
                    (record.size, record.sha256) = (stdin.consumed, stdin.sha256)
                    guard stdin.verified else {
                        throw ShardError("standard input failed (\(error)) after \(stdin.consumed) bytes, before the \(stdin.expected!.bytes) bytes the interrupted run had read into its finished shards could be checked; pipe in exactly the same data to resume, or choose a new output directory")
                    }
                }
                try releaseHeldBack(&state)
                record.error = "\(error)"
                try dropInput(&state, record: record, reason: .inputError, error: error)
                continue
            }
            state.inputs.append(record)
            try journal?.append(.input(record))
            report(started, inputIndex, state)
        }
        try startDropped(&state, nil)
        try startTextPart(nil)
    }

    /// `options.reader` with the input's format settled: `InputFormat.guess` may open the file
    /// (Wikipedia sniffing of `.xml` names), so it runs once per input and the record and the
    /// reader share its answer.
    func readerOptions(for path: String) -> ReaderOptions {
        var reader = options.reader
        reader.format = reader.format ?? InputFormat.guess(path: path)
        return reader
    }

    /// Size and hex SHA-256 of a file, streamed (inputs, shards, checkpoint files).
    public static func hashFile(_ path: String) throws -> (Int, String) {
        var stream = try FileStream(path: path)
        var hasher = SHA256()
        var size = 0
        while let chunk = try stream.next() { hasher.update(data: chunk); size += chunk.count }
        return (size, Hex.encode(hasher.finalize()))
    }
}
