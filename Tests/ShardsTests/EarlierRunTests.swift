import Foundation
import Shards
import TestSupport
import Testing

/// A shard run written by an earlier tokenmill (`Fixtures/shards/kjv-eb0d89d`, commit eb0d89d,
/// before the split and the journal entries became enums; provenance in Fixtures/SOURCES.md):
/// this tokenmill must write the same manifest and journal bytes, and resume the earlier run
/// from its journal.
@Suite struct EarlierRunTests {
    static let fixture = Repository.fixtures + "/shards/kjv-eb0d89d"
    static let arguments = [Repository.fixtures + "/corpus/books/kjv-bible.excerpt.txt",
                            "--val-fraction", "0.2", "--shard-tokens", "4000", "--split", "blank-lines"]
    /// The shards the first four shard lines of the fixture's journal name.
    static let finished = ["train-000000.tms", "train-000001.tms", "train-000002.tms", "val-000000.tms"]

    /// A fixture file's text with `@ROOT@` replaced by this checkout's path.
    static func expected(_ name: String) throws -> String {
        try String(contentsOfFile: fixture + "/" + name, encoding: .utf8).replacingOccurrences(of: "@ROOT@", with: Repository.root)
    }

    static func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test func aFreshRunWritesTheManifestAndJournalOfTheEarlierTokenmillByteForByte() throws {
        let dir = try CLI.temporaryDirectory("earlier-run") + "/out"
        let r = try CLI.run(["shard"] + Self.arguments + ["-o", dir])
        try #require(r.status == 0, "\(r.stderr)")
        #expect(try Self.text(dir + "/manifest.json") == Self.expected("manifest.json"))
        #expect(try Self.text(dir + "/journal.jsonl") == Self.expected("journal.jsonl"))
        let manifest = try Manifest.load(directory: dir)
        #expect(manifest.splits.keys.sorted() == [.train, .val])
        #expect(Set(manifest.shards.map(\.split)) == [.train, .val])
    }

    @Test func aRunTheEarlierTokenmillLeftInterruptedResumesFromItsJournalKeepingItsShards() throws {
        let dir = try CLI.temporaryDirectory("earlier-resume")
        let lines = try Self.expected("journal.jsonl").split(separator: "\n")
        let interrupted = lines.prefix(5).map { $0 + "\n" }.joined()  // start and four shard lines
        try interrupted.write(toFile: dir + "/journal.jsonl", atomically: false, encoding: .utf8)
        // A shard the resumed run rewrites (because it did not understand the journal) gets a new date.
        let old = Date(timeIntervalSince1970: 946_684_800)
        for name in Self.finished {
            try FileManager.default.copyItem(atPath: Self.fixture + "/" + name, toPath: dir + "/" + name)
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: dir + "/" + name)
        }
        let r = try CLI.run(["shard"] + Self.arguments + ["-o", dir])
        try #require(r.status == 0, "\(r.stderr)")
        for name in Self.finished {
            let date = try FileManager.default.attributesOfItem(atPath: dir + "/" + name)[.modificationDate] as? Date
            #expect(date == old, "\(name) was written again: the earlier journal's shard lines were not taken")
        }
        #expect(try Self.text(dir + "/manifest.json") == Self.expected("manifest.json"))
        #expect(try Self.text(dir + "/journal.jsonl") == Self.expected("journal.jsonl"))
    }

    @Test func aSplitNameOtherThanTrainOrValIsRefusedSayingWhatIsExpected() throws {
        #expect(try DataSplit(parsing: "val") == .val)
        #expect(throws: ShardError.self) { try DataSplit(parsing: "test") }
        do { _ = try DataSplit(parsing: "Train") } catch { #expect("\(error)".contains("expected train or val")) }
        let r = try CLI.run(["loader-bench", Self.fixture, "--split", "test"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("'test'") && r.stderr.contains("train") && r.stderr.contains("val"), "\(r.stderr)")
    }
}
