import Foundation
import GPTModule
import Pipeline
import TestSupport
import Shards
import Testing

/// Hugging Face interoperability of a checkpoint written by `tokenmill pretrain` itself: in the
/// serialized TrainingTests suite (it trains through the CLI, like the other tests there).
extension TrainingTests {

    /// `tokenmill pretrain` (tiny preset, 30 updates on the Fixtures shard set), then
    /// `transformers.GPT2LMHeadModel.from_pretrained(checkpoint)` must load it with no missing or
    /// unexpected weights and give Tokenmill's logits for real validation tokens within 1e-4 of
    /// the largest logit (scripts/check_hf_checkpoint.py --require-transformers). Skipped when the
    /// peers' python has no transformers (`pip install transformers`): `make test` needs no Python.
    @Test(.enabled(if: Python.with("torch", "transformers") != nil, Python.missing("torch", "transformers")))
    func pretrainCheckpointLoadsInTransformers() throws {
        let python = try #require(Python.with("torch", "transformers"))
        let data = try shards
        let dir = try GPTRunFixture.temporaryDirectory("hf-pretrain")
        let r = try GPTRunFixture.cli(["pretrain", "--data", data, "--preset", "tiny", "--steps", "30", "--batch", "4", "--context", "64",
                                       "--lr", "3e-3", "--warmup", "5", "--eval-every", "0", "--seed", "3", "--threads", "2",
                                       "--sgemm-gflops", "100", "--quiet", "--out", dir + "/run"])
        #expect(r.status == 0, "\(r.stderr)")
        let checkpoint = try GPTCheckpoint.resolve(dir + "/run")
        let model = try GPTCheckpoint.loadModel(from: checkpoint)
        // Real text: the first n_positions tokens of the validation split.
        let manifest = try Manifest.load(directory: data)
        let shard = try #require(manifest.shards.first { $0.split == .val })
        let reader = try ShardReader(path: data + "/" + shard.file)
        let T = min(model.config.contextLength, Int(reader.tokenCount))
        let ids = try reader.tokens(0..<T).map { Int32($0) }
        try model.forward(inputs: ids, targets: nil, positions: nil, batchSize: 1, sequenceLength: T)
        let logits = model.withLogits { Array($0) }
        try JSONSerialization.data(withJSONObject: ids.map(Int.init)).write(to: URL(fileURLWithPath: dir + "/ids.json"))
        try logits.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: dir + "/logits.f32")) }
        let (status, text) = try GPTRunFixture.runHFCheck(python, [checkpoint, "--ids", dir + "/ids.json", "--logits", dir + "/logits.f32", "--require-transformers"])
        print("pretrainCheckpointLoadsInTransformers: \(text)")
        #expect(status == 0, "\(text)")
        #expect(text.contains("transformers GPT2LMHeadModel.from_pretrained"))
    }
}
