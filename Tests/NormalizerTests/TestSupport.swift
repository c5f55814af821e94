import Corpus
import Foundation
import Synchronization
import Normalizer
import TestSupport
import Testing

/// Where the test data lives, found from this file's path so tests run from any directory.
enum TestData {
    /// `<repo>`, two levels above `Tests/NormalizerTests/`.
    static func repoRoot(_ file: String = #filePath) -> String {
        URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    static let corpora = Repository.sharedLocation + "/corpora"
    static let corporaAvailable = Repository.hasShared
    static let corporaMissing: Comment = Repository.sharedMissing

    /// Files under `corpora/<folder>`, recursively, sorted.
    static func files(under folder: String) -> [String] {
        let root = corpora + "/" + folder
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var paths: [String] = []
        for case let relative as String in walker {
            var isDirectory: ObjCBool = false
            let path = root + "/" + relative
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                paths.append(path)
            }
        }
        return paths.sorted()
    }

    static func read(_ path: String) throws -> [UInt8] { try InputFile.read(path) }
}

/// Runs `pipeline` as a stream fed `chunk` bytes at a time.
func streamed(_ pipeline: NormalizerPipeline, _ input: [UInt8], chunk: Int) throws -> NormalizationResult {
    var stream = pipeline.makeStream()
    var output: [UInt8] = []
    var start = 0
    try input.withUnsafeBufferPointer { all in
        while start < all.count {
            let end = min(start + chunk, all.count)
            try stream.feed(UnsafeBufferPointer(rebasing: all[start..<end]), into: &output)
            start = end
        }
    }
    try stream.finish(into: &output)
    return NormalizationResult(output: output, report: stream.report)
}

/// Index of the first differing byte, for failure messages.
func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int? {
    let n = min(a.count, b.count)
    for i in 0..<n where a[i] != b[i] { return i }
    return a.count == b.count ? nil : n
}

extension Array where Element == UInt8 {
    init(_ text: String) { self = Array(text.utf8) }
    var text: String { String(decoding: self, as: UTF8.self) }
}

/// Per-iteration flags written from `concurrentPerform` (each index by one thread only).
final class Results: @unchecked Sendable {
    private var flags: [Bool]
    private let lock = Locked()
    init(count: Int) { flags = Array(repeating: false, count: count) }
    func set(_ index: Int, _ value: Bool) { lock.locked { flags[index] = value } }
    var all: Bool { lock.locked { flags.allSatisfy { $0 } } }
}

final class Locked: Sendable {
    private let mutex = Mutex(())
    func locked<T>(_ body: () -> T) -> T { mutex.withLock { _ in body() } }
}
