import Foundation
import TestSupport
import Testing

/// `mpirun -np N tokenmill train-tokenizer`: ranks count their shares of the files, rank 0 merges
/// and trains — the same bytes as one process.
@Suite(.serialized) struct DistributedTrainerTests {
    @Test func ranksWriteTheSingleProcessTokenizer() throws {
        let out = try CLI.temporaryDirectory("mpi-train")
        let common = [CLI.fixtures + "/corpus", "--vocab-size", "1500", "--special", "<|endoftext|>", "--threads", "1", "--quiet"]
        let single = try CLI.run(["train-tokenizer", "-o", out + "/single.json"] + common)
        #expect(single.status == 0, "\(single.stderr)")
        let reference = try Data(contentsOf: URL(fileURLWithPath: out + "/single.json"))
        for ranks in [2, 3] {
            let r = try MPI.run(ranks: ranks, ["train-tokenizer", "-o", out + "/np\(ranks).json", "--tiktoken", out + "/np\(ranks).tiktoken"] + common)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/np\(ranks).json")) == reference, "np \(ranks): tokenizer.json differs")
        }
    }

    @Test func standardInputIsRefusedWithAReason() throws {
        let r = try MPI.run(ranks: 2, ["train-tokenizer", "-", "--vocab-size", "300", "-o", "/dev/null"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("standard input"), "\(r.stderr)")
    }
}
