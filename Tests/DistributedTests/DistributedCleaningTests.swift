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
            // Counts and examples: the first five of each reason in input order, as one process
            // records them (the merge used to take them in rank order).
            #expect(merged.dropped == one.dropped, "np \(ranks)")
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

    /// The same with a 1 KiB bound on 2 and 3 ranks: every rank's signature records spill to
    /// its own file while it reads (`minhash.spilled_signatures` in each rank's manifest), they
    /// go to rank 0 in many small rounds (`minhash.spilled_rounds`), rank 0's index spills to run
    /// files; the documents and drops are one process's, and nothing is left in the rank
    /// directories. Before, ranks held their records in memory whatever the bound.
    @Test func minhashUnderMpirunSpillsWithTheSameResult() throws {
        let (inputs, _) = try NearCopies.make("mpi-spill")
        let out = try CLI.temporaryDirectory("mpi-spill-out")
        let common = [inputs, "--filters", "minhash", "--threads", "1", "--quiet"]
        #expect(try CLI.run(["shard", "-o", out + "/single", "--dropped-out", out + "/single-dropped"] + common).status == 0)
        let one = try Manifest.load(directory: out + "/single")
        for ranks in [2, 3] {
            let dir = out + "/np\(ranks)"
            let r = try MPI.run(ranks: ranks, ["shard", "-o", dir, "--dropped-out", dir + "-dropped", "--minhash-memory", "1K"] + common)
            #expect(r.status == 0, "\(r.stderr)")
            let merged = try Manifest.load(directory: dir)
            #expect(merged.dropped == one.dropped, "np \(ranks)")
            #expect(merged.cleaning?.filter { !$0.key.hasPrefix("minhash.spilled") } == one.cleaning, "np \(ranks)")
            #expect((merged.cleaning?["minhash.spilled_runs"] ?? 0) > 0, "\(merged.cleaning ?? [:])")
            #expect((merged.cleaning?["minhash.spilled_rounds"] ?? 0) > 1, "\(merged.cleaning ?? [:])")
            #expect(try DistributedShardTests.documents(dir) == DistributedShardTests.documents(out + "/single"))
            #expect(Self.files(dir + "-dropped") == Self.files(out + "/single-dropped"), "np \(ranks)")
            for rank in 0..<ranks {
                let rankDir = dir + "/" + String(format: "rank-%05d", rank)
                let counters = try Manifest.load(directory: rankDir).cleaning ?? [:]
                #expect((counters["minhash.spilled_signatures"] ?? 0) > 0, "rank \(rank) of \(ranks): \(counters)")
                let left = try FileManager.default.contentsOfDirectory(atPath: rankDir).filter { $0.contains("spill") || $0.contains("signatures") }
                #expect(left.isEmpty, "\(left)")
            }
        }
    }

    /// `mpirun -np N tokenmill clean` against one process, for 1, 2 and 3 ranks, with the
    /// default bound and with 2 KiB (ranks' records and rank 0's index spilled, many rounds):
    /// the same `.jsonl.zst` bytes, the same `--dropped-out` files and the same `--json` summary
    /// (but for the time, the output's name and the spill counters); no work folder or spill
    /// file left. Before, `clean` did not join the MPI job: every rank cleaned every input,
    /// wrote the whole file and printed its own summary (N summaries on standard output).
    @Test func cleanUnderMpirunWritesTheSingleProcessBytes() throws {
        let (copies, _) = try NearCopies.make("mpi-clean-near")
        let inputs = [copies] + ["formats/warc", "formats/wet", "corpus/web", "corpus/multilingual"].map { CLI.fixtures + "/" + $0 }
        let out = try CLI.temporaryDirectory("mpi-clean")
        // Gopher repetition, language, MinHash and PII: every kind of decision with many signed
        // documents (the FineWeb chain leaves two signatures on these fixtures, too few to spill).
        let common = inputs + ["--filters", "gopher-rep,minhash,pii", "--min-language-score", "0.5", "--threads", "1", "--json"]
        // Within the bound the summary is one process's but for the time and the name; past it,
        // but for the spill counters too.
        func summary(_ result: CLI.Result, spilled: Bool = false) throws -> [String: Any] {
            var object = try JSONSerialization.jsonObject(with: result.stdout) as! [String: Any]
            for key in ["seconds", "mb_per_s", "output"] { object.removeValue(forKey: key) }
            if spilled { object["cleaning"] = (object["cleaning"] as? [String: Int])?.filter { !$0.key.hasPrefix("minhash.spilled") } }
            return object
        }
        let single = try CLI.run(["clean", "-o", out + "/single.jsonl.zst", "--dropped-out", out + "/single-dropped"] + common)
        #expect(single.status == 0, "\(single.stderr)")
        let reference = try summary(single)
        let bytes = FileManager.default.contents(atPath: out + "/single.jsonl.zst")
        let dropped = Self.files(out + "/single-dropped")
        #expect(!dropped.isEmpty && (bytes?.count ?? 0) > 0)
        #expect(((reference["cleaning"] as? [String: Int])?["minhash.near_duplicates"] ?? 0) > 0, "\(reference)")
        for bound in ["1G", "2K"] {
            for ranks in [1, 2, 3] {
                let name = out + "/np\(ranks)-\(bound)"
                let r = try MPI.run(ranks: ranks, ["clean", "-o", name + ".jsonl.zst", "--dropped-out", name + "-dropped", "--minhash-memory", bound] + common)
                #expect(r.status == 0, "np \(ranks) \(bound): \(r.stderr)")
                #expect(FileManager.default.contents(atPath: name + ".jsonl.zst") == bytes, "np \(ranks) \(bound): output differs from one process's")
                #expect(Self.files(name + "-dropped") == dropped, "np \(ranks) \(bound): dropped files differ")
                let got = try summary(r, spilled: bound == "2K")
                #expect(NSDictionary(dictionary: got).isEqual(to: reference), "np \(ranks) \(bound): \(got) vs \(reference)")
                if bound == "2K" && ranks > 1 {
                    let counters = try JSONSerialization.jsonObject(with: r.stdout) as! [String: Any]
                    let cleaning = counters["cleaning"] as? [String: Int] ?? [:]
                    #expect((cleaning["minhash.spilled_signatures"] ?? 0) > 0 && (cleaning["minhash.spilled_rounds"] ?? 0) > 1, "\(cleaning)")
                }
            }
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.contains(".tmp") || $0.contains("spill") }
        #expect(left.isEmpty, "\(left)")
        // Standard output cannot take the ranks' parts: refused with the way out.
        let refused = try MPI.run(ranks: 2, ["clean", "-o", "-"] + inputs)
        #expect(refused.status != 0 && refused.stderr.contains("must be a file"), "\(refused.stderr)")
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
