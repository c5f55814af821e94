import DataLoaderModule
import TestSupport
import Foundation
import Shards

/// Shard sets built once per test process from the real text in Fixtures/corpus.
enum Fixture {
    static var root: String { CLI.root }

    static func temporaryDirectory(_ name: String) throws -> String { try CLI.temporaryDirectory("loader-" + name) }

    static func build(_ name: String, inputs: [String], valFraction: Double) throws -> String {
        let dir = try temporaryDirectory(name)
        var options = ShardOptions(inputs: try ShardJob.expandInputs(inputs.map { root + "/Fixtures/corpus/" + $0 }))
        options.reader.split = .blankLines   // many documents: boundaries inside most rows
        options.valFraction = valFraction
        options.shardTokens = 120_000        // several shards
        options.blockTokens = 4096           // many blocks
        _ = try ShardJob(options: options, directory: dir, threads: 2).run()
        return dir
    }

    /// All of Fixtures/corpus: several train shards, a val split.
    static let main: Result<String, Error> = Result { try build("main", inputs: ["books", "articles", "multilingual", "web", "messy"], valFraction: 0.1) }
    /// A second, different set for mixing.
    static let books: Result<String, Error> = Result { try build("books", inputs: ["books"], valFraction: 0) }

    /// The split's token stream and document starts, read shard by shard without the loader.
    static func stream(_ dir: String, split: DataSplit = .train) throws -> (tokens: [UInt32], docStarts: [Int]) {
        let manifest = try Manifest.load(directory: dir)
        var tokens: [UInt32] = [], starts: [Int] = []
        for s in manifest.shards where s.split == split {
            let r = try ShardReader(path: dir + "/" + s.file)
            let base = tokens.count
            for d in 0..<r.documentCount { starts.append(base + Int(r.documentStarts[d])) }
            tokens += try r.tokens(0..<r.tokenCount)
        }
        return (tokens, starts)
    }

    /// Runs the built `tokenmill` executable.
    static func cli(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let result = try CLI.run(arguments)
        return (result.status, result.text, result.stderr)
    }
}

/// FNV-1a of (inputs, targets, positions), as `tokenmill loader-bench --print-hashes` prints it.
func fnv(_ b: Batch) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for array in [b.inputs, b.targets, b.positions] {
        array.withUnsafeBytes { raw in for byte in raw { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 } }
    }
    return String(format: "%016llx", h)
}

extension Batch {
    /// Everything a model sees, for bit-for-bit comparison.
    var content: [[Int32]] { [inputs, targets, positions, segments, sources] }
}

func drain(_ loader: DataLoader, max: Int = .max) throws -> [Batch] {
    var out: [Batch] = []
    while out.count < max, let b = try loader.next() { out.append(b) }
    return out
}
