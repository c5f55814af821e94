import Cleaning
import Foundation
import Shards
import TestSupport
import Testing

/// MinHash near-deduplication past its memory bound (`--minhash-memory`): the bucket entries
/// spill to sorted run files and are merged, with the same kept set as in memory, the spill
/// counted, and no run file left behind.
@Suite(.serialized) struct MinHashSpill {
    /// The index itself on real signatures (the near copies of the Python tutorial): with a
    /// bound of one document's entries it writes a run per document, and the merge finds the
    /// same near duplicates and candidate pairs as the in-memory index.
    @Test func theMergedRunsGiveTheInMemoryAnswer() throws {
        let (directory, copies) = try NearCopies.make("spill-index")
        let minhash = MinHash(MinHashConfig())
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        var memory = NearDuplicateIndex(buckets: 14)
        let spillDirectory = directory + "/runs"
        var spilling = NearDuplicateIndex(buckets: 14, memoryBytes: 1, spillDirectory: spillDirectory)
        for (i, name) in names.enumerated() {
            let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8).unicodeScalars.map(\.value)
            let digests = minhash.bucketDigests(text)
            try memory.add(i, digests)
            try spilling.add(i, digests)
        }
        #expect(spilling.spilledRuns == names.count && FileManager.default.fileExists(atPath: spillDirectory))
        let a = try memory.duplicates(), b = try spilling.duplicates()
        #expect(a.set == b.set && a.candidatePairs == b.candidatePairs)
        #expect(a.set.count == copies, "every near copy or its original is found")
        #expect(!FileManager.default.fileExists(atPath: spillDirectory), "run files and their directory removed")
        #expect(spilling.spilledEntries == 14 * names.count)
    }

    /// `shard` and `clean` with `--minhash-memory 1K` (64 entries: a run every 5 documents)
    /// against the default bound: byte-identical shards, dropped files and kept text; the spill
    /// in the counters; no `minhash-spill.tmp-*` left in the output's directory.
    @Test func shardAndCleanSpillWithTheSameOutput() throws {
        let (inputs, copies) = try NearCopies.make("spill-inputs")
        let out = try CLI.temporaryDirectory("spill-out")
        let common = [inputs, "--filters", "minhash", "--threads", "2", "--val-fraction", "0.1", "--quiet", "--json"]
        let memory = try CLI.run(["shard", "-o", out + "/memory", "--dropped-out", out + "/memory-dropped"] + common)
        #expect(memory.status == 0, "\(memory.stderr)")
        let spilled = try CLI.run(["shard", "-o", out + "/spilled", "--dropped-out", out + "/spilled-dropped", "--minhash-memory", "1K"] + common)
        #expect(spilled.status == 0, "\(spilled.stderr)")
        let a = try Manifest.load(directory: out + "/memory"), b = try Manifest.load(directory: out + "/spilled")
        #expect(a.dropped["minhash.near_duplicate"]?.count == copies)
        #expect(a.dropped == b.dropped && a.documentsKept == b.documentsKept)
        #expect(a.cleaning?["minhash.spilled_runs"] == nil)
        #expect((b.cleaning?["minhash.spilled_runs"] ?? 0) >= 5 && (b.cleaning?["minhash.spilled_entries"] ?? 0) > 0, "\(b.cleaning ?? [:])")
        #expect(a.cleaning?.filter { !$0.key.hasPrefix("minhash.spilled") } == b.cleaning?.filter { !$0.key.hasPrefix("minhash.spilled") })
        #expect(a.shards.map(\.sha256) == b.shards.map(\.sha256))
        #expect(CleaningCLI.files(out + "/memory-dropped") == CleaningCLI.files(out + "/spilled-dropped"))
        let left = try FileManager.default.contentsOfDirectory(atPath: out + "/spilled").filter { $0.contains("spill") }
        #expect(left.isEmpty, "\(left)")
        // A killed run's spill directory (its process gone) is removed by the next run there.
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        let stale = out + "/minhash-spill.tmp-\(dead.processIdentifier)"
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: stale + "/run-000000", contents: Data(count: 32))
        let cleanA = try CLI.run(["clean", inputs, "--filters", "minhash", "-o", out + "/a.jsonl"])
        #expect(!FileManager.default.fileExists(atPath: stale), "stale spill directory left")
        let cleanB = try CLI.run(["clean", inputs, "--filters", "minhash", "--minhash-memory", "2K", "-o", out + "/b.jsonl", "--json"])
        #expect(cleanA.status == 0 && cleanB.status == 0, "\(cleanB.stderr)")
        #expect(FileManager.default.contents(atPath: out + "/a.jsonl") == FileManager.default.contents(atPath: out + "/b.jsonl"))
        let summary = try JSONSerialization.jsonObject(with: cleanB.stdout) as! [String: Any]
        #expect(((summary["cleaning"] as? [String: Int])?["minhash.spilled_runs"] ?? 0) > 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.contains("spill.tmp") }.isEmpty)
        // A bound that is not a size is refused with the expected form.
        let bad = try CLI.run(["clean", inputs, "--filters", "minhash", "--minhash-memory", "lots", "-o", out + "/c.jsonl"])
        #expect(bad.status != 0 && bad.stderr.contains("512M"), "\(bad.stderr)")
    }
}
