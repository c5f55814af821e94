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
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { throw InputError("\(path): no such file or directory") }
        if isDirectory.boolValue {
            guard let walker = fm.enumerator(atPath: path) else { throw InputError("\(path): cannot list the directory") }
            while let entry = walker.nextObject() as? String {
                if entry.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
                let full = (path as NSString).appendingPathComponent(entry)
                var sub: ObjCBool = false
                if fm.fileExists(atPath: full, isDirectory: &sub), !sub.boolValue { files.append(full) }
            }
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

/// Produces chunks from the inputs, in order, independent of the thread count.
struct ChunkSource {
    let files: [String]
    let options: TrainerOptions
    var fileIndex = 0
    /// The text file being read block by block (decompressed on the fly: .gz, .zst, .bz2).
    var stream: (any ByteStream)? = nil
    var pending: [UInt8] = []
    var queued: [Chunk] = []
    var bytesRead = 0
    var documents = 0

    init(files: [String], options: TrainerOptions) {
        self.files = files
        self.options = options
    }

    /// The next chunk, or nil at the end of all inputs.
    mutating func next() throws -> Chunk? {
        while true {
            if !queued.isEmpty { return queued.removeFirst() }
            if stream != nil {
                if let chunk = try readStreaming() { return chunk }
                continue
            }
            guard fileIndex < files.count else { return nil }
            let path = files[fileIndex]
            fileIndex += 1
            if options.inputFormat == .text {
                stream = try openByteStream(path)
                pending.removeAll(keepingCapacity: true)
                documents += 1
            } else {
                try loadWholeJSONL(path)
            }
        }
    }

    /// Reads a text file (compressed or not) block by block; emits a chunk when `chunkSize` bytes are pending
    /// and a safe cut exists, and the rest at end of file.
    private mutating func readStreaming() throws -> Chunk? {
        let size = options.chunkSize
        while true {
            if pending.count >= size {
                let cut = pending.withUnsafeBufferPointer { safeCut($0, from: size, to: $0.count) }
                if let cut {
                    let chunk = Chunk(bytes: Array(pending[0..<cut]), documentEnds: [cut])
                    pending.removeFirst(cut)
                    return chunk
                }
            }
            guard let block = try stream!.next() else {
                stream = nil
                if pending.isEmpty { return nil }
                let chunk = Chunk(bytes: pending, documentEnds: [pending.count])
                pending = []
                return chunk
            }
            bytesRead += block.count
            pending.append(contentsOf: block)
        }
    }

    /// JSONL files are read whole (decompressed through Corpus's byte streams), then cut into
    /// chunks at record boundaries.
    private mutating func loadWholeJSONL(_ path: String) throws {
        let raw = try InputFile.readDecompressed(path)
        bytesRead += raw.count
        let size = options.chunkSize
        let texts = try JSONLines.texts(in: raw, field: options.textField, source: path)
        var chunk = Chunk(bytes: [], documentEnds: [])
        for (_, text) in texts {
            let bytes = Array(text.utf8)
            if bytes.isEmpty { continue }
            documents += 1
            chunk.bytes.append(contentsOf: bytes)
            chunk.documentEnds.append(chunk.bytes.count)
            if chunk.bytes.count >= size { queued.append(chunk); chunk = Chunk(bytes: [], documentEnds: []) }
        }
        if !chunk.bytes.isEmpty { queued.append(chunk) }
    }
}
