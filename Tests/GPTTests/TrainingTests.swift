import Foundation
import GPTModule
import Pipeline
import TestSupport
import Testing
import TokenmillSupport

/// Pretraining, checkpoints and sampling through the CLI on real shards (Fixtures/corpus, gpt2).
/// Serialized: the runs time themselves and share 2 cores.
@Suite(.serialized)
struct TrainingTests {
    var shards: String { get throws { try GPTRunFixture.shards.get() } }

    @Test func learnsBelowUnigramEntropy() throws {
        let data = try shards
        let run = try GPTRunFixture.temporaryDirectory("learn") + "/run"
        let r = try GPTRunFixture.cli(["pretrain", "--data", data, "--preset", "tiny", "--steps", "120", "--batch", "8", "--context", "64",
                                       "--lr", "1e-2", "--warmup", "10", "--eval-every", "60", "--eval-batches", "8", "--seed", "7",
                                       "--threads", "2", "--out", run, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let entropy = try GPTRunFixture.unigramEntropy(data)
        let val = try GPTRunFixture.records(run, type: "val").map { ($0["step"] as! Int, ($0["loss"] as! NSNumber).doubleValue) }
        let train = try GPTRunFixture.records(run, type: "train")
        print("learning: unigram entropy of train tokens \(entropy) nats; val \(val); \(train.count) steps")
        #expect(val.map(\.0) == [0, 60, 120])
        #expect(train.count == 120)
        // Starts near ln(V) and ends well below what a unigram model can do.
        #expect(abs(val[0].1 - log(50304.0)) < 0.5)
        #expect(val.last!.1 < entropy - 0.7, "final val loss \(val.last!.1) vs unigram entropy \(entropy)")
        // Reporting: every train record has lr, grad norm, tokens/s and MFU; the SVG has both curves.
        for rec in train {
            for key in ["lr", "grad_norm", "tokens_per_s", "mfu", "tokens"] { #expect(rec[key] is NSNumber, "\(key) missing in \(rec)") }
        }
        let svg = try String(contentsOfFile: run + "/loss.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.components(separatedBy: "<polyline").count == 3)
        #expect(r.stderr.contains("tok/s") && r.stderr.contains("MFU"))
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect((summary?["mfu"] as? NSNumber)?.doubleValue ?? 0 > 0)
    }

    /// N steps in one go vs N/2, stop, resume for N/2: the same losses bit for bit, the same weights.
    @Test func resumeIsBitIdentical() throws {
        let data = try shards
        let dir = try GPTRunFixture.temporaryDirectory("resume")
        let common = ["pretrain", "--data", data, "--preset", "tiny", "--steps", "8", "--batch", "4", "--context", "32",
                      "--grad-accum", "2", "--lr", "3e-3", "--warmup", "2", "--eval-every", "2", "--eval-batches", "2",
                      "--checkpoint-every", "4", "--seed", "11", "--threads", "2", "--sgemm-gflops", "100", "--document-positions", "--quiet"]
        let a = try GPTRunFixture.cli(common + ["--out", dir + "/a"])
        #expect(a.status == 0, "\(a.stderr)")
        let b1 = try GPTRunFixture.cli(common + ["--out", dir + "/b", "--stop-at", "4"])
        #expect(b1.status == 0, "\(b1.stderr)")
        #expect(try GPTRunFixture.losses(dir + "/b", type: "train").count == 4)
        let b2 = try GPTRunFixture.cli(["pretrain", "--data", data, "--out", dir + "/b", "--resume", "--threads", "2", "--sgemm-gflops", "100", "--quiet"])
        #expect(b2.status == 0, "\(b2.stderr)")
        let la = try GPTRunFixture.losses(dir + "/a", type: "train"), lb = try GPTRunFixture.losses(dir + "/b", type: "train")
        #expect(la.count == 8)
        #expect(la == lb)
        #expect(try GPTRunFixture.losses(dir + "/a", type: "val") == GPTRunFixture.losses(dir + "/b", type: "val"))
        for file in ["model.safetensors", "optimizer.safetensors", "loader.json"] {
            let x = FileManager.default.contents(atPath: dir + "/a/step-000008/" + file)
            #expect(x != nil && x == FileManager.default.contents(atPath: dir + "/b/step-000008/" + file), "\(file) differs")
        }
        // The checkpoint folder holds what the issue lists, and nothing half-written.
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/b/step-000008"))
        #expect(files == ["model.safetensors", "config.json", "optimizer.safetensors", "loader.json", "trainer.json", "tokenizer.json",
                          "tokenizer_config.json", "special_tokens_map.json", "SHA256SUMS"])
        #expect(try String(contentsOfFile: dir + "/b/latest", encoding: .utf8) == "step-000008\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/b").allSatisfy { !$0.contains(".tmp") })
        // Resume refuses changed training options; a fresh run refuses a used folder.
        let bad = try GPTRunFixture.cli(["pretrain", "--data", data, "--out", dir + "/b", "--resume", "--lr", "1e-3"])
        #expect(bad.status != 0 && bad.stderr.contains("--lr"))
        let again = try GPTRunFixture.cli(["pretrain", "--data", data, "--out", dir + "/b", "--steps", "1"])
        #expect(again.status != 0 && again.stderr.contains("--resume"))
        // --init-from takes weights only: a new run whose first loss equals the checkpoint's next loss is not required,
        // but it must start from those weights (val loss at step 0 = the checkpoint's last val loss).
        let c = try GPTRunFixture.cli(["pretrain", "--data", data, "--init-from", dir + "/a", "--steps", "1", "--batch", "4", "--context", "32",
                                       "--eval-every", "1", "--eval-batches", "2", "--document-positions", "--sgemm-gflops", "100", "--quiet", "--out", dir + "/c"])
        #expect(c.status == 0, "\(c.stderr)")
        #expect(try GPTRunFixture.losses(dir + "/c", type: "val").first?.dropFirst(2) == GPTRunFixture.losses(dir + "/a", type: "val").last?.dropFirst(2))
    }

    @Test func refusesSmallVocabularyAndOtherTokenizer() throws {
        let data = try shards
        let dir = try GPTRunFixture.temporaryDirectory("refuse")
        let cfg = dir + "/small.json"
        try Data(#"{"vocabSize": 1000, "contextLength": 32, "layers": 1, "heads": 1, "channels": 16}"#.utf8).write(to: URL(fileURLWithPath: cfg))
        let small = try GPTRunFixture.cli(["pretrain", "--data", data, "--config", cfg, "--steps", "1", "--out", dir + "/small"])
        #expect(small.status != 0 && small.stderr.contains("50257"), "\(small.stderr)")
        // A Pipeline failure, not the model's: it said "invalid GPT config: …" before.
        #expect(small.stderr.hasPrefix("Error: the model's vocabulary (1000) is smaller than the shard set's tokenizer gpt2 (50257 ids)"), "\(small.stderr)")
        // A shard set of another tokenizer (cl100k_base) refuses a gpt2 checkpoint.
        let other = dir + "/cl100k"
        let s = try GPTRunFixture.cli(["shard", "--tokenizer", "cl100k_base", "--val-fraction", "0.1", "-o", other,
                                       GPTRunFixture.root + "/Fixtures/corpus/books"])
        #expect(s.status == 0, "\(s.stderr)")
        let base = try GPTRunFixture.cli(["pretrain", "--data", data, "--preset", "tiny", "--steps", "1", "--batch", "2", "--context", "16",
                                          "--eval-every", "0", "--sgemm-gflops", "100", "--quiet", "--out", dir + "/base"])
        #expect(base.status == 0, "\(base.stderr)")
        let mismatch = try GPTRunFixture.cli(["pretrain", "--data", other, "--init-from", dir + "/base", "--steps", "1", "--out", dir + "/x"])
        #expect(mismatch.status != 0 && mismatch.stderr.contains("tokenizer mismatch"), "\(mismatch.stderr)")
    }

    @Test func generateIsDeterministicPerSeed() throws {
        let data = try shards
        let dir = try GPTRunFixture.temporaryDirectory("generate")
        let t = try GPTRunFixture.cli(["pretrain", "--data", data, "--preset", "tiny", "--steps", "3", "--batch", "4", "--context", "32",
                                       "--eval-every", "0", "--sgemm-gflops", "100", "--quiet", "--out", dir + "/run"])
        #expect(t.status == 0, "\(t.stderr)")
        func gen(_ extra: [String]) throws -> String {
            let r = try GPTRunFixture.cli(["generate", "--checkpoint", dir + "/run", "--prompt", "The river", "--max-tokens", "24", "--ignore-eot"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            return r.stdout
        }
        let a = try gen(["--seed", "5", "--temperature", "0.9", "--top-k", "50", "--top-p", "0.95"])
        let b = try gen(["--seed", "5", "--temperature", "0.9", "--top-k", "50", "--top-p", "0.95"])
        let c = try gen(["--seed", "6", "--temperature", "0.9", "--top-k", "50", "--top-p", "0.95"])
        #expect(a == b)
        #expect(a != c)
        #expect(a.hasPrefix("The river") && a.count > "The river".count + 5)
        #expect(try gen(["--temperature", "0"]) == gen(["--temperature", "0", "--seed", "9"]))
    }

    /// Save → load gives the same parameters and the AdamW moments after a real step; the header
    /// has GPT-2's names and Conv1D shapes.
    @Test func safetensorsRoundTripInHFLayout() throws {
        let cfg = GPTConfig(vocabSize: 96, contextLength: 16, layers: 2, heads: 2, channels: 32)
        let model = try GPT(config: cfg, seed: 3)
        let dir = try GPTRunFixture.temporaryDirectory("st") + "/ckpt"
        var options = PretrainOptions(); options.context = 16
        let info = CheckpointInfo(step: 0, config: cfg, options: options, tokenizerFingerprint: "00", endOfText: 95, tokensSeen: 0, threads: 1)
        // One real AdamW step first, so that the saved moments are not the zeros of a new optimizer.
        let optimizer = AdamW(parameterCount: model.parameterCount)
        let ids: [Int32] = (0..<32).map { Int32(($0 * 37 + 5) % 96) }
        model.zeroGradients()
        try model.forward(inputs: Array(ids[0..<30]), targets: Array(ids[1..<31]), batchSize: 2, sequenceLength: 15)
        try model.backward()
        optimizer.update(model, learningRate: 1e-3)
        try GPTCheckpoint.save(to: dir, model: model, optimizer: optimizer, loaderStateJSON: nil, info: info, tokenizerJSON: nil)
        let loaded = try GPTCheckpoint.loadModel(from: dir)
        #expect(loaded.config == cfg)
        let p0 = model.withParameters { Array($0) }, p1 = loaded.withParameters { Array($0) }
        #expect(p0.map(\.bitPattern) == p1.map(\.bitPattern))

        let bytes = Array(FileManager.default.contents(atPath: dir + "/model.safetensors")!)
        let (entries, metadata, _) = try Safetensors.header(bytes)
        let C = 32, V = 96
        var want: [String: [Int]] = ["wte.weight": [V, C], "wpe.weight": [16, C], "ln_f.weight": [C], "ln_f.bias": [C]]
        for l in 0..<2 {
            let p = "h.\(l)."
            want[p + "ln_1.weight"] = [C]; want[p + "ln_1.bias"] = [C]; want[p + "ln_2.weight"] = [C]; want[p + "ln_2.bias"] = [C]
            want[p + "attn.c_attn.weight"] = [C, 3 * C]; want[p + "attn.c_attn.bias"] = [3 * C]
            want[p + "attn.c_proj.weight"] = [C, C]; want[p + "attn.c_proj.bias"] = [C]
            want[p + "mlp.c_fc.weight"] = [C, 4 * C]; want[p + "mlp.c_fc.bias"] = [4 * C]
            want[p + "mlp.c_proj.weight"] = [4 * C, C]; want[p + "mlp.c_proj.bias"] = [C]
        }
        #expect(Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.shape) }) == want)
        #expect(metadata["format"] == "pt")
        // The transpose: HF c_fc.weight[i][o] is the arena's fcw[o][i].
        let (tensors, _) = try Safetensors.decode(bytes)
        let fc = tensors["h.1.mlp.c_fc.weight"]!.values
        let t = model.parameterTensors.first { $0.name == "transformer.h.1.mlp.c_fc.weight" }!
        #expect(fc[5 * 4 * C + 7] == p0[t.offset + 7 * C + 5])
        // config.json in GPT2Config's fields.
        let json = try JSONSerialization.jsonObject(with: FileManager.default.contents(atPath: dir + "/config.json")!) as! [String: Any]
        #expect(json["model_type"] as? String == "gpt2")
        #expect(json["vocab_size"] as? Int == V && json["n_positions"] as? Int == 16 && json["n_embd"] as? Int == C)
        #expect(json["n_layer"] as? Int == 2 && json["n_head"] as? Int == 2)
        // Optimizer state round trip: the moments after the step, bit for bit.
        #expect(optimizer.m.contains { $0 != 0 } && optimizer.v.contains { $0 != 0 })
        let opt = AdamW(parameterCount: model.parameterCount)
        try GPTCheckpoint.loadOptimizer(from: dir, into: opt)
        #expect(opt.step == 1)
        #expect(opt.m.map(\.bitPattern) == optimizer.m.map(\.bitPattern))
        #expect(opt.v.map(\.bitPattern) == optimizer.v.map(\.bitPattern))
    }

    /// The logits of a checkpoint as Hugging Face GPT-2 computes them: transformers'
    /// GPT2LMHeadModel when the peers' venv has it, otherwise scripts/check_hf_checkpoint.py's
    /// numpy GPT-2 on the HF names and Conv1D layout.
    @Test(.enabled(if: Python.with("numpy") != nil, Python.missing("numpy")))
    func hfLayoutGivesSameLogits() throws {
        let python = try #require(Python.with("numpy"))
        let cfg = GPTConfig(vocabSize: 96, contextLength: 16, layers: 2, heads: 2, channels: 32)
        let model = try GPT(config: cfg, seed: 5)
        model.withParameters { p in   // non-trivial biases and LayerNorm weights too
            var rng = SplitMix64(seed: 9)
            for i in 0..<p.count { p[i] += rng.nextGaussian() * 0.05 }
        }
        let dir = try GPTRunFixture.temporaryDirectory("hf")
        let info = CheckpointInfo(step: 0, config: cfg, options: PretrainOptions(), tokenizerFingerprint: "00", endOfText: nil, tokensSeen: 0, threads: 1)
        try GPTCheckpoint.save(to: dir + "/ckpt", model: model, optimizer: nil, loaderStateJSON: nil, info: info, tokenizerJSON: nil)
        let ids: [Int32] = [3, 17, 95, 0, 42, 42, 7, 60, 1, 2, 88, 13]
        try model.forward(inputs: ids, targets: nil, positions: nil, batchSize: 1, sequenceLength: ids.count)
        let logits = model.withLogits { Array($0) }
        try Data(try JSONSerialization.data(withJSONObject: ids.map(Int.init))).write(to: URL(fileURLWithPath: dir + "/ids.json"))
        try logits.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: dir + "/logits.f32")) }
        let (status, text) = try GPTRunFixture.runHFCheck(python, [dir + "/ckpt", "--ids", dir + "/ids.json", "--logits", dir + "/logits.f32"])
        print("hfLayoutGivesSameLogits: \(text)")
        #expect(status == 0, "\(text)")
    }
}
