import Foundation
import Shards
import TestSupport
import Testing

/// Issue 16, item 8: checkpoints carry checksums (`SHA256SUMS`), and every load (`--resume`,
/// `generate`) checks them, refuses non-finite weights and names the file of a broken JSON.
/// Checkpoints are made by the CLI from the Fixtures shard set; damage is made here.
@Suite(.serialized) struct CheckpointFaultTests {
    /// A run with checkpoints at steps 2 and 4 (latest: step-000004).
    static func run(_ name: String) throws -> (data: String, run: String) {
        let data = try GPTRunFixture.shards.get()
        let run = try GPTRunFixture.temporaryDirectory(name) + "/run"
        let r = try GPTRunFixture.cli(["pretrain", "--data", data, "--preset", "tiny", "--steps", "4", "--batch", "2", "--context", "32",
                                       "--checkpoint-every", "2", "--eval-every", "0", "--threads", "1", "--sgemm-gflops", "100", "--quiet", "--out", run])
        #expect(r.status == 0, "\(r.stderr)")
        return (data, run)
    }

    static func resume(_ data: String, _ run: String, _ extra: [String] = []) throws -> GPTRunFixture.Output {
        try GPTRunFixture.cli(["pretrain", "--data", data, "--out", run, "--resume", "--steps", "6", "--threads", "1", "--sgemm-gflops", "100", "--quiet"] + extra)
    }

    static func generate(_ checkpoint: String) throws -> GPTRunFixture.Output {
        try GPTRunFixture.cli(["generate", "--checkpoint", checkpoint, "--max-tokens", "3", "--prompt", "The"])
    }

    /// Rewrites `SHA256SUMS` as `save` would, after a test changed a file on purpose (to reach the
    /// checks behind the checksums: finiteness, JSON).
    static func resum(_ dir: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0 != "SHA256SUMS" }.sorted()
        let lines = try names.map { "\(try ShardJob.hashFile(dir + "/" + $0).1)  \($0)\n" }.joined()
        try lines.write(toFile: dir + "/SHA256SUMS", atomically: true, encoding: .utf8)
    }

    static func flip(_ path: String, at offset: Int, mask: UInt8 = 0x04) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[offset] ^= mask
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// A generator failure is a runtime error (exit 1, the message alone); it was rethrown as an
    /// argument-parser usage error before (exit 64, followed by the usage text).
    @Test func aCheckpointWithoutItsTokenizerIsARuntimeErrorNotAUsageError() throws {
        let (_, run) = try Self.run("ckpt-no-tokenizer")
        try FileManager.default.removeItem(atPath: run + "/step-000004/tokenizer.json")
        try Self.resum(run + "/step-000004")   // SHA256SUMS without it, to reach the generator's own check
        let gen = try Self.generate(run + "/step-000004")
        #expect(gen.status == 1, "\(gen.status) \(gen.stderr)")
        #expect(gen.stderr == "Error: \(run)/step-000004 has no tokenizer.json: generation needs the tokenizer the model was trained with\n", "\(gen.stderr)")
    }

    @Test func aFlippedBitIsRefusedNamingTheFileAndTheNewestIntactCheckpointIsOffered() throws {
        let (data, run) = try Self.run("ckpt-flip")
        let weights = run + "/step-000004/model.safetensors"
        let size = try FileManager.default.attributesOfItem(atPath: weights)[.size] as! Int
        try Self.flip(weights, at: size / 2)
        let refused = try Self.resume(data, run)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains(weights) && refused.stderr.contains("SHA-256"), "\(refused.stderr)")
        #expect(refused.stderr.contains(run + "/step-000002") && refused.stderr.contains("--use-intact-checkpoint"), "\(refused.stderr)")
        #expect(try String(contentsOfFile: run + "/latest", encoding: .utf8) == "step-000004\n")
        let gen = try Self.generate(run)
        #expect(gen.status == 1 && gen.stderr.contains(weights), "\(gen.stderr)")
        let taken = try Self.resume(data, run, ["--use-intact-checkpoint"])
        #expect(taken.status == 0, "\(taken.stderr)")
        #expect(taken.stderr.contains("resuming from the newest intact checkpoint, \(run)/step-000002"), "\(taken.stderr)")
        #expect(try String(contentsOfFile: run + "/latest", encoding: .utf8) == "step-000006\n")
        #expect(try Self.generate(run).status == 0)
    }

    @Test func anEditedStepInTrainerJSONIsRefused() throws {
        let (data, run) = try Self.run("ckpt-step")
        let trainer = run + "/step-000004/trainer.json"
        let text = try String(contentsOfFile: trainer, encoding: .utf8)
        #expect(text.contains("\"step\" : 4"))
        try text.replacingOccurrences(of: "\"step\" : 4", with: "\"step\" : 3").write(toFile: trainer, atomically: true, encoding: .utf8)
        for r in [try Self.resume(data, run), try Self.generate(run + "/step-000004")] {
            #expect(r.status == 1 && r.stderr.contains(trainer) && r.stderr.contains("SHA-256"), "\(r.stderr)")
        }
    }

    @Test func nonFiniteWeightsAreRefusedOnLoadNamingTheTensor() throws {
        let (_, run) = try Self.run("ckpt-nan")
        let dir = run + "/step-000004", weights = dir + "/model.safetensors"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: weights)))
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as! [String: Any]
        let wpe = (header["wpe.weight"] as! [String: Any])["data_offsets"] as! [Int]
        let at = 8 + headerLength + wpe[0] + 4 * 5   // wpe.weight element 5
        bytes.replaceSubrange(at..<(at + 4), with: [0x00, 0x00, 0xC0, 0x7F])   // a quiet NaN
        try Data(bytes).write(to: URL(fileURLWithPath: weights))
        try Self.resum(dir)
        let r = try Self.generate(dir)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains(weights + ": tensor wpe.weight holds nan at element 5"), "\(r.stderr)")
    }

    @Test func brokenJSONInACheckpointNamesTheFile() throws {
        let (data, run) = try Self.run("ckpt-json")
        let dir = run + "/step-000004"
        let config = try Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))
        try config.prefix(config.count / 2).write(to: URL(fileURLWithPath: dir + "/config.json"))
        try Self.resum(dir)
        let gen = try Self.generate(dir)
        #expect(gen.status == 1 && gen.stderr.contains(dir + "/config.json: not valid JSON"), "\(gen.stderr)")
        #expect(!gen.stderr.contains("NSCocoaErrorDomain"), "\(gen.stderr)")
        try config.write(to: URL(fileURLWithPath: dir + "/config.json"))
        // A checkpoint written before checksums existed: the JSON checks still name the file.
        try FileManager.default.removeItem(atPath: dir + "/SHA256SUMS")
        try Data("{\"position\": ".utf8).write(to: URL(fileURLWithPath: dir + "/loader.json"))
        let resumed = try Self.resume(data, run)
        #expect(resumed.status == 1 && resumed.stderr.contains(dir + "/loader.json: not valid JSON"), "\(resumed.stderr)")
        let trainer = try Data(contentsOf: URL(fileURLWithPath: dir + "/trainer.json"))
        try trainer.prefix(40).write(to: URL(fileURLWithPath: dir + "/trainer.json"))
        let gen2 = try Self.generate(dir)
        #expect(gen2.status == 1 && gen2.stderr.contains(dir + "/trainer.json: not valid JSON"), "\(gen2.stderr)")
    }

    /// Issue 16, item 15: `--resume` with the run's own `--preset` repeated is accepted.
    @Test func resumeAcceptsTheOriginalPresetAndRefusesAnother() throws {
        let (data, run) = try Self.run("ckpt-preset")
        let other = try Self.resume(data, run, ["--preset", "b"])
        #expect(other.status != 0 && other.stderr.contains("--preset"), "\(other.stderr)")
        let same = try Self.resume(data, run, ["--preset", "tiny"])
        #expect(same.status == 0, "\(same.stderr)")
        #expect(try String(contentsOfFile: run + "/latest", encoding: .utf8) == "step-000006\n")
    }
}
