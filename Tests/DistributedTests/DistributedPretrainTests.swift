import Foundation
import TestSupport
import Testing

/// `mpirun -np N tokenmill pretrain`: data parallel with the same global batch gives one
/// process's loss curve (within float rounding: sums of halves differ in the last bits), resumes
/// bit-identically, and a killed rank ends the job with an error instead of a hang.
@Suite(.serialized) struct DistributedPretrainTests {
    static let data: Result<String, Error> = Result {
        let dir = try CLI.temporaryDirectory("mpi-data")
        let r = try CLI.run(["shard", CLI.fixtures + "/corpus", "-o", dir, "--tokenizer", CLI.root + "/Vocab/tokenmill-demo-8k.json",
                             "--split", "blank-lines", "--val-fraction", "0.1"])
        guard r.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: r.stderr]) }
        return dir
    }

    /// (type, step, loss) of every train and val record of a run's metrics.jsonl.
    static func curve(_ run: String) throws -> [(String, Int, Double)] {
        let text = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line in
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            guard let type = obj["type"] as? String, type == "train" || type == "val" else { return nil }
            return (type, obj["step"] as? Int ?? -1, (obj["loss"] as? NSNumber)?.doubleValue ?? .nan)
        }
    }

    static func arguments(_ data: String, _ out: String, steps: Int = 8) -> [String] {
        ["pretrain", "--data", data, "--preset", "tiny", "--steps", "\(steps)", "--batch", "6", "--threads", "1",
         "--eval-every", "4", "--eval-batches", "2", "--sgemm-gflops", "50", "--out", out]
    }

    @Test func ranksFollowTheSingleProcessLossCurve() throws {
        let data = try Self.data.get()
        let out = try CLI.temporaryDirectory("mpi-pretrain")
        let single = try CLI.run(Self.arguments(data, out + "/single"))
        #expect(single.status == 0, "\(single.stderr)")
        let reference = try Self.curve(out + "/single")
        #expect(reference.count == 8 + 3)
        for ranks in [2, 3] {
            let r = try MPI.run(ranks: ranks, Self.arguments(data, out + "/np\(ranks)"))
            #expect(r.status == 0, "\(r.stderr)")
            let curve = try Self.curve(out + "/np\(ranks)")
            #expect(curve.count == reference.count)
            for (a, b) in zip(reference, curve) {
                #expect(a.0 == b.0 && a.1 == b.1)
                #expect(abs(a.2 - b.2) <= 1e-4 * abs(a.2), "np \(ranks) \(b.0) step \(b.1): \(b.2) vs one process's \(a.2)")
            }
            // Only rank 0 writes the run folder.
            #expect(FileManager.default.fileExists(atPath: out + "/np\(ranks)/step-000008/model.safetensors"))
        }
    }

    @Test func resumeUnderMPIIsBitIdentical() throws {
        let data = try Self.data.get()
        let out = try CLI.temporaryDirectory("mpi-resume")
        #expect(try MPI.run(ranks: 2, Self.arguments(data, out + "/whole")).status == 0)
        #expect(try MPI.run(ranks: 2, Self.arguments(data, out + "/halves") + ["--stop-at", "4"]).status == 0)
        let resumed = try MPI.run(ranks: 2, ["pretrain", "--data", data, "--threads", "1", "--out", out + "/halves", "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let whole = try Self.curve(out + "/whole"), halves = try Self.curve(out + "/halves")
        #expect(whole.map(\.2) == halves.map(\.2))
        #expect(whole.map(\.1) == halves.map(\.1))
    }

    @Test func aKilledRankEndsTheJobAndARerunResumes() throws {
        let data = try Self.data.get()
        let out = try CLI.temporaryDirectory("mpi-kill") + "/run"
        let args = Self.arguments(data, out, steps: 100000) + ["--checkpoint-every", "5", "--eval-every", "0"]
        let start = Date()
        let (result, killed) = try MPI.runAndKill(ranks: 2, args, after: 4, victims: [1])
        #expect(killed)
        #expect(result.status != 0)
        #expect(Date().timeIntervalSince(start) < 60, "the surviving rank hung")
        #expect(result.stderr.contains("rank 1"), "\(result.stderr)")
        let latest = try String(contentsOfFile: out + "/latest", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let step = Int(latest.dropFirst("step-".count)) ?? 0
        #expect(step >= 5)
        let resumed = try MPI.run(ranks: 2, ["pretrain", "--data", data, "--threads", "1", "--out", out, "--resume", "--steps", "\(step + 2)"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(FileManager.default.fileExists(atPath: out + String(format: "/step-%06d", step + 2)))
    }
}
