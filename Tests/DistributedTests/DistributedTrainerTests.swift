import Foundation
import TestSupport
import Testing

/// `mpirun -np N tokenmill train-tokenizer`: ranks count their shares of the files, rank 0 merges
/// and trains — the same bytes as one process.
@Suite(.serialized) struct DistributedTrainerTests {
    /// Default options (hold-out 1%, all cores), on a corpus where ranks see different shares
    /// before a long document: a small file, then one longer than a chunk (4 MiB), then the
    /// fixture corpus. One process packs the small file and the long one into one chunk; under
    /// `mpirun` the long file is alone on rank 0. The hold-out (the tail of each piece of a
    /// document) must not depend on that: the same bytes held back, the same pre-tokens, the
    /// same tokenizer.json. (Before the pieces were counted from the document's start, the
    /// summaries differed in held-back bytes and pre-tokens.)
    @Test func ranksWriteTheSingleProcessTokenizer() throws {
        let out = try CLI.temporaryDirectory("mpi-train")
        let corpus = out + "/corpus"
        try FileManager.default.createDirectory(atPath: corpus, withIntermediateDirectories: true)
        // Real text: the fixture corpus's text files, joined and repeated past two chunks.
        let texts = try FileManager.default.subpathsOfDirectory(atPath: CLI.fixtures + "/corpus").sorted()
            .filter { $0.hasSuffix(".txt") }
            .map { try Data(contentsOf: URL(fileURLWithPath: CLI.fixtures + "/corpus/" + $0)) }
        var long = Data()
        while long.count < 9 << 20 { for t in texts { long.append(t) } }
        try texts[0].write(to: URL(fileURLWithPath: corpus + "/a-small.txt"))
        try long.write(to: URL(fileURLWithPath: corpus + "/b-long.txt"))
        let common = [corpus, CLI.fixtures + "/corpus", "--vocab-size", "1500", "--special", "<|endoftext|>", "--quiet", "--json"]
        let single = try CLI.run(["train-tokenizer", "-o", out + "/single.json"] + common)
        #expect(single.status == 0, "\(single.stderr)")
        let reference = try Data(contentsOf: URL(fileURLWithPath: out + "/single.json"))
        func figures(_ json: Data) throws -> [Int] {
            let o = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
            return ["held_out_bytes", "trained_bytes", "pre_tokens"].map { (o[$0] as? Int) ?? -1 }
        }
        let expected = try figures(single.stdout)
        #expect(expected[0] > 50_000, "the default hold-out holds back about 1%")
        for ranks in [2, 3] {
            let r = try MPI.run(ranks: ranks, ["train-tokenizer", "-o", out + "/np\(ranks).json", "--tiktoken", out + "/np\(ranks).tiktoken"] + common)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try figures(r.stdout) == expected, "np \(ranks): held-out bytes, trained bytes, pre-tokens")
            #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/np\(ranks).json")) == reference, "np \(ranks): tokenizer.json differs")
        }
    }

    @Test func standardInputIsRefusedWithAReason() throws {
        let r = try MPI.run(ranks: 2, ["train-tokenizer", "-", "--vocab-size", "300", "-o", "/dev/null"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("standard input"), "\(r.stderr)")
    }
}
