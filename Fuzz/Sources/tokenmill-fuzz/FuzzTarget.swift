import Corpus
import Foundation

/// One parser of untrusted bytes under libFuzzer: `run` feeds it one input and ignores thrown
/// errors (a clear error is the right answer to bad bytes); only a crash, a hang or an
/// allocation past libFuzzer's limits is a finding. `seeds` are the starting corpus, made from
/// the repository's `Fixtures/` (see `SeedMaterial`); `prepare` makes what the target needs
/// beside the fuzzed bytes (a shard set, a checkpoint) once per process.
struct FuzzTarget {
    let name: String
    let summary: String
    var prepare: () throws -> Void = {}
    let seeds: () throws -> [(name: String, bytes: [UInt8])]
    let run: ([UInt8]) -> Void
}

/// A per-process scratch directory for the files the path-based parsers read.
enum FuzzWork {
    static let directory: String = {
        let path = NSTemporaryDirectory() + "/tokenmill-fuzz-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "/tokenmill-fuzz-\(getpid())") }
        return path
    }()

    /// Writes `bytes` to `name` inside the scratch directory (or `inside`) and returns its path.
    @discardableResult
    static func write(_ bytes: [UInt8], name: String, inside: String? = nil) -> String {
        let path = (inside ?? directory) + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// A fresh empty folder `name` in the scratch directory.
    static func folder(_ name: String) -> String {
        let path = directory + "/" + name
        try? FileManager.default.removeItem(atPath: path)
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Bytes handed out in small chunks, so that readers meet record boundaries inside chunks.
/// 61 bytes: a prime, so chunk edges fall at every offset of a repeated structure.
struct ChunkedBytes: ByteStream {
    var bytes: [UInt8]
    var offset = 0
    var chunk = 61
    mutating func next() throws -> [UInt8]? {
        guard offset < bytes.count else { return nil }
        let end = min(bytes.count, offset + chunk)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}

extension FuzzWork {
    /// `$TMPDIR/tokenmill-fuzz-material/NAME`, made by `make` once (under a lock, so that
    /// concurrent fuzzers agree) and then reused by every process: its content is a function of
    /// the repository's Fixtures and code alone. Delete the folder after changing either.
    static func material(_ name: String, make: (String) throws -> Void) -> String {
        let base = NSTemporaryDirectory() + "/tokenmill-fuzz-material"
        try! FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let lock = open(base + "/lock", O_CREAT | O_RDWR, 0o644)
        precondition(lock >= 0, "cannot open \(base)/lock")
        flock(lock, LOCK_EX)
        defer { flock(lock, LOCK_UN); close(lock) }
        let dir = base + "/" + name
        if !FileManager.default.fileExists(atPath: dir + "/.ready") {
            try? FileManager.default.removeItem(atPath: dir)
            try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            do { try make(dir) } catch { fatalError("cannot make fuzzing material \(dir): \(error)") }
            FileManager.default.createFile(atPath: dir + "/.ready", contents: Data())
        }
        return dir
    }
}
