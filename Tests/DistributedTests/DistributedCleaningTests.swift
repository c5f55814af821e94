import ClusterModule
import Foundation
import Shards
import TestSupport
import Testing

/// `mpirun -np N tokenmill shard` with the cleaning steps against one process on the same
/// inputs: MinHash near-deduplication (ranks exchange bucket digests, rank 0 clusters) and
/// language identification give the same kept documents, the same drops and byte-identical
/// `--dropped-out` files for 1, 2 and 3 ranks.
@Suite(.serialized) struct DistributedCleaningTests {
    /// Every file of a directory (the dropped lists), by name.
    static func files(_ directory: String) -> [String: Data] {
        var out: [String: Data] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            out[name] = FileManager.default.contents(atPath: directory + "/" + name)
        }
        return out
    }

    /// Runs one process and mpirun with 1, 2 and 3 ranks; checks documents, drops, dropped
    /// files and cleaning counters against the single process; returns the single manifest.
    static func compare(_ name: String, inputs: [String], flags: [String]) throws -> Manifest {
        let out = try CLI.temporaryDirectory(name)
        let common = inputs + ["--val-fraction", "0.1", "--threads", "1", "--quiet"] + flags
        let single = try CLI.run(["shard", "-o", out + "/single", "--dropped-out", out + "/single-dropped"] + common)
        #expect(single.status == 0, "\(single.stderr)")
        let one = try Manifest.load(directory: out + "/single")
        let reference = try DistributedShardTests.documents(out + "/single")
        let dropped = Self.files(out + "/single-dropped")
        #expect(!dropped.isEmpty)
        for ranks in [1, 2, 3] {
            let dir = out + "/np\(ranks)"
            let r = try MPI.run(ranks: ranks, ["shard", "-o", dir, "--dropped-out", dir + "-dropped"] + common)
            #expect(r.status == 0, "np \(ranks): \(r.stderr)")
            let merged = try Manifest.load(directory: dir)
            #expect(merged.documentsRead == one.documentsRead && merged.documentsKept == one.documentsKept, "np \(ranks)")
            #expect(merged.dropped.mapValues(\.count) == one.dropped.mapValues(\.count), "np \(ranks)")
            #expect(merged.cleaning?.filter { !$0.key.hasPrefix("minhash.spilled") } == one.cleaning?.filter { !$0.key.hasPrefix("minhash.spilled") }, "np \(ranks)")
            #expect(merged.languages == one.languages, "np \(ranks)")
            #expect(merged.tokens == one.tokens)
            #expect(try DistributedShardTests.documents(dir) == reference, "np \(ranks): documents differ from one process's")
            #expect(Self.files(dir + "-dropped") == dropped, "np \(ranks): dropped lists differ from one process's")
        }
        return one
    }

    /// The near copies of the Python tutorial plus the WET fixtures (one real near duplicate
    /// among Common Crawl pages). Before, `--filters minhash` under mpirun was refused.
    @Test func minhashKeepsTheSingleProcessDocumentsOnOneTwoAndThreeRanks() throws {
        let (inputs, copies) = try NearCopies.make("mpi-near")
        // The pairs must straddle ranks for the exchange to matter.
        let names = try ShardJob.expandInputs([inputs])
        let sizes = names.map { Int64((try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? 0) }
        let parts = Cluster.partition(sizes: sizes, ranks: 2)
        let rankOf = Dictionary(uniqueKeysWithValues: parts.enumerated().flatMap { r, items in items.map { (names[$0], r) } })
        let split = names.filter { $0.contains("/a-para-removed-") || $0.contains("/z-footer-changed-") }.filter { copy in
            let original = inputs + "/" + URL(fileURLWithPath: copy).lastPathComponent.replacingOccurrences(of: "a-para-removed-", with: "").replacingOccurrences(of: "z-footer-changed-", with: "")
            return rankOf[copy] != rankOf[original]
        }
        #expect(split.count >= 3, "near-copy pairs on different ranks: \(split.count)")
        let one = try Self.compare("mpi-minhash", inputs: [inputs, Repository.path("Fixtures/formats/wet")],
                                   flags: ["--filters", "minhash", "--split", "file"])
        #expect((one.dropped["minhash.near_duplicate"]?.count ?? 0) >= copies)
    }

    /// The same with a 2 KiB bound: rank 0's index spills to run files (and the ranks send their
    /// digests in many small rounds); nothing is left in the rank directories.
    @Test func minhashUnderMpirunSpillsWithTheSameResult() throws {
        let (inputs, _) = try NearCopies.make("mpi-spill")
        let out = try CLI.temporaryDirectory("mpi-spill-out")
        let common = [inputs, "--filters", "minhash", "--threads", "1", "--quiet"]
        #expect(try CLI.run(["shard", "-o", out + "/single"] + common).status == 0)
        let r = try MPI.run(ranks: 2, ["shard", "-o", out + "/np2", "--minhash-memory", "2K"] + common)
        #expect(r.status == 0, "\(r.stderr)")
        let one = try Manifest.load(directory: out + "/single"), two = try Manifest.load(directory: out + "/np2")
        #expect(two.dropped.mapValues(\.count) == one.dropped.mapValues(\.count))
        #expect((two.cleaning?["minhash.spilled_runs"] ?? 0) > 0, "\(two.cleaning ?? [:])")
        #expect(try DistributedShardTests.documents(out + "/np2") == DistributedShardTests.documents(out + "/single"))
        for rank in ["rank-00000", "rank-00001"] {
            #expect(try FileManager.default.contentsOfDirectory(atPath: out + "/np2/" + rank).filter { $0.contains("spill") }.isEmpty)
        }
    }

    /// `--languages` and the quality filters under mpirun: the multilingual fixtures and the
    /// articles by paragraph, keeping German, Russian and English; per-language counts in the merged manifest
    /// equal one process's.
    @Test func languagesAndFiltersKeepTheSingleProcessDocumentsAndCounts() throws {
        let one = try Self.compare("mpi-languages", inputs: [CLI.fixtures + "/corpus/multilingual", CLI.fixtures + "/corpus/articles"],
                                   flags: ["--languages", "de,ru,en", "--filters", "gopher-rep,c4,pii", "--split", "blank-lines"])
        // Paragraphs: 16 languages detected, German and English kept (14 and 11), Russian fortunes
        // too short for C4; drops by language, Gopher and C4 rules, and exact duplicates.
        let languages = one.languages ?? [:]
        #expect(languages.count >= 4 && (languages["de"]?.kept ?? 0) > 0 && (languages["en"]?.kept ?? 0) > 0, "\(languages)")
        #expect(one.dropped.keys.contains { $0.hasPrefix("language.") } && one.dropped.keys.contains { $0.hasPrefix("c4_quality.") }, "\(one.dropped.keys)")
    }

    /// The whole FineWeb chain (Gopher repetition and quality, C4, FineWeb quality, MinHash, PII)
    /// on the WARC, WET and HTML fixtures: every filter's decisions and counters under mpirun.
    @Test func theFinewebChainKeepsTheSingleProcessDocuments() throws {
        let one = try Self.compare("mpi-fineweb", inputs: ["formats/warc", "formats/wet", "corpus/web"].map { CLI.fixtures + "/" + $0 },
                                   flags: ["--filters", "fineweb"])
        let rules = Set(one.dropped.keys.compactMap { $0.split(separator: ".").first.map(String.init) })
        #expect(rules.isSuperset(of: ["gopher_repetition", "gopher_quality", "c4_quality", "fineweb_quality"]), "\(one.dropped.keys)")
        #expect((one.cleaning?["pii.documents_redacted"] ?? 0) > 0 && (one.cleaning?["minhash.signatures"] ?? 0) > 0, "\(one.cleaning ?? [:])")
    }
}
