import BPE
import Corpus
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A piece of input: bytes and the end offsets of the documents in it (the last one may
/// continue in the next chunk of the same file; its end is then a safe cut).
struct Chunk {
    var bytes: [UInt8]
    var documentEnds: [Int]
}

/// Files named on the command line, expanded and put in canonical order: directories are walked
/// (hidden entries skipped), and all paths are sorted by their UTF-8 bytes, so the order they
/// were given in does not matter. "-" (standard input) stays last.
func expandInputs(_ paths: [String]) throws -> [String] {
    var files: [String] = []
    var stdin = false
    let fm = FileManager.default
    for path in paths {
        if path == "-" { stdin = true; continue }
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { throw InputError(.io, path: path, "\(path): \(InputFiles.problem(path) ?? "cannot be read")") }
        if isDirectory.boolValue {
            files += InputFiles.walk(path)
        } else {
            files.append(path)
        }
    }
    var seen = Set<String>()
    files = files.filter { seen.insert($0).inserted }
    files.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    if stdin { files.append("-") }
    return files
}

extension BPETrainer {
    /// The files `train(files:)` would read, in its order (directories walked, sorted by path;
    /// "-" last): what a job divides among its ranks.
    public static func inputFiles(_ paths: [String]) throws -> [String] { try expandInputs(paths) }
}

/// A safe cut at or after `from`: just before a "\n" that follows an ASCII letter or digit.
/// With the gpt2, cl100k and o200k patterns a piece always ends after such a letter or digit and
/// another starts at the "\n" (whatever precedes it), and Unicode normalization cannot join across
/// it, so cutting there gives the same pieces as the uncut text. (Cutting *after* a newline would
/// not: `\s+(?!\S)` matches differently at the end of the input.)
func safeCut(_ b: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
    var i = max(from, 1)
    while i < to {
        if b[i] == 0x0A {
            let p = b[i - 1] | 0x20
            if (p >= 0x61 && p <= 0x7A) || (b[i - 1] >= 0x30 && b[i - 1] <= 0x39) { return i }
        }
        i += 1
    }
    return nil
}

/// Produces chunks from the inputs, in order, independent of the thread count. Text files (a file
/// is a document) and JSONL records go through one `DocumentChunker`, so small files share chunks.
struct ChunkSource {
    let files: [String]
    let options: TrainerOptions
    var fileIndex = 0
    /// The text file being read block by block (decompressed on the fly: .gz, .zst, .bz2).
    var stream: (any ByteStream)? = nil
    /// The JSONL file being read record by record (Corpus's `DocumentReader`, over its
    /// `LineReader`).
    var records: DocumentReader? = nil
    var chunker: DocumentChunker
    /// Bytes read after decompression: whole text files; for JSONL, the text fields' UTF-8.
    var bytesRead = 0
    var documents = 0

    init(files: [String], options: TrainerOptions) {
        self.files = files
        self.options = options
        chunker = DocumentChunker(chunkSize: options.chunkSize)
    }

    /// The next chunk, or nil at the end of all inputs.
    mutating func next() throws -> Chunk? {
        while true {
            if !chunker.ready.isEmpty { return chunker.ready.removeFirst() }
            if stream != nil {
                try readBlock()
                continue
            }
            if records != nil {
                try readRecords()
                continue
            }
            guard fileIndex < files.count else {
                chunker.flush()
                if chunker.ready.isEmpty { return nil }
                continue
            }
            let path = files[fileIndex]
            fileIndex += 1
            if options.inputFormat == .text {
                stream = try openByteStream(path)
                documents += 1
            } else {
                records = try DocumentReader(path: path, options: ReaderOptions(format: .jsonl, textField: options.textField))
            }
        }
    }

    /// One block of a text file (compressed or not) into the open document; the file's end
    /// closes the document.
    private mutating func readBlock() throws {
        guard let block = try stream!.next() else {
            stream = nil
            chunker.endDocument()
            return
        }
        bytesRead += block.count
        block.withUnsafeBufferPointer { chunker.append($0) }
    }

    /// Reads JSONL records until a chunk is ready or the file ends. Memory: one chunk plus the
    /// longest line. A record that is not a JSON object with the text field stops training with
    /// an error naming the file and line.
    private mutating func readRecords() throws {
        while chunker.ready.isEmpty {
            guard let document = try records!.next() else {
                records = nil
                return
            }
            if let problem = document.problem {
                throw InputError(.malformed, path: document.location, "\(document.location): \(problem); fix or remove that line (each line must be a JSON object with a string field \"\(options.textField)\")")
            }
            if document.bytes.isEmpty { continue }
            documents += 1
            bytesRead += document.bytes.count
            document.bytes.withUnsafeBufferPointer { chunker.add($0) }
        }
    }
}
