import ArgumentParser
import ClusterModule
import Foundation
import DataLoaderModule
import GPTModule
import Pipeline
import Shards
import TokenmillSupport

struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Pretrain the bundled GPT on a shard directory (AdamW, warmup + cosine, clipping, accumulation, eval, checkpoints).",
        discussion: """
        The run folder gets metrics.jsonl (JSON lines: run, train, val), loss.svg, step-NNNNNN/ checkpoints \
        (model.safetensors + config.json in Hugging Face GPT-2 layout, optimizer, loader state, tokenizer) and `latest`. \
        Presets take the shard set's vocabulary size; a --config file must name vocabSize ≥ the tokenizer's.
        """)

    @Option(help: "A shard directory written by `tokenmill shard`; repeat as WEIGHT:DIR (e.g. --data 0.7:web --data 0.3:books) to train on a weighted mixture.") var data: [String]
    @Option(help: "Model shape as JSON: {\"vocabSize\", \"contextLength\", \"layers\", \"heads\", \"channels\"} (or an HF GPT-2 config.json).") var config: String?
    @Option(help: "tiny, A (small) or B.") var preset: String?
    @Option(help: "Optimizer updates in the run (default 1000).") var steps: Int?
    @Option(help: "Stop after this update (writing a checkpoint), as if interrupted; --resume continues.") var stopAt: Int?
    @Option(help: "Rows per micro-batch (default 8).") var batch: Int?
    @Option(help: "Tokens per row (default: the model's context length, at most 256 for presets).") var context: Int?
    @Option(help: "Peak learning rate (default 6e-4).") var lr: Float?
    @Option(help: "Final learning rate of the cosine decay (default lr/10).") var minLr: Float?
    @Option(help: "Linear warmup steps (default min(100, steps/10)).") var warmup: Int?
    @Option(help: "Cosine decay length in steps (default: --steps).") var decaySteps: Int?
    @Option(help: "AdamW weight decay on 2-D weights (default 0.1).") var weightDecay: Float?
    @Option(help: "Gradient-norm clip (default 1.0; 0: none).") var gradClip: Float?
    @Option(help: "Micro-batches per update (default 1).") var gradAccum: Int?
    @Option(help: "Evaluate on the val split every N updates (default 100; 0: never).") var evalEvery: Int?
    @Option(help: "Validation batches per evaluation (default 20).") var evalBatches: Int?
    @Option(help: "Checkpoint every N updates (default 0: only at the end).") var checkpointEvery: Int?
    @Option(help: "Checkpoints kept in the run folder (default 2).") var keepCheckpoints: Int?
    @Option(help: "Threads for the kernels and OpenBLAS.") var threads = 2
    @Option(help: "Seed of the initialization and the data order (default 1337).") var seed: UInt64?
    @Flag(help: "Restart position ids at document starts (from the loader).") var documentPositions = false
    @Option(help: "Use this sgemm rate (GFLOP/s) for MFU instead of measuring it.") var sgemmGflops: Double?
    @Option(help: "The run folder.") var out: String
    @Flag(help: "Continue the run in --out from its latest checkpoint.") var resume = false
    @Flag(help: "With --resume: when the latest checkpoint is damaged (its SHA256SUMS do not match), continue from the newest intact one.") var useIntactCheckpoint = false
    @Option(help: "Start from the weights of a checkpoint (or run folder); fresh optimizer and data order.") var initFrom: String?
    @Flag(help: "Print a JSON summary on stdout.") var json = false
    @Flag(help: "No per-step lines on stderr.") var quiet = false

    func validate() throws {
        if useIntactCheckpoint && !resume { throw ValidationError("--use-intact-checkpoint goes with --resume") }
        if resume && initFrom != nil { throw ValidationError("--resume and --init-from exclude each other: --resume continues --out, --init-from starts a new run from weights") }
        if config != nil && preset != nil { throw ValidationError("give --config or --preset, not both") }
    }

    func run() throws { try Ranks.run(run(on:)) }

    /// Under `mpirun -np N`, the ranks train one model data-parallel: --batch is the global batch
    /// (each rank takes its B/N rows), gradients are averaged, and only rank 0 writes.
    func run(on cluster: Cluster) throws {
        let sources = try DataSources.parse(data)
        let manifest = try Manifest.load(directory: sources[0].directory)
        var modelConfig: GPTConfig? = nil
        if let config {
            guard let d = FileManager.default.contents(atPath: config) else { throw ValidationError("cannot read --config \(config)") }
            if let c = try? JSONDecoder().decode(GPTConfig.self, from: d) { modelConfig = c }
            else if let c = try? HFGPT2.config(fromJSON: d) { modelConfig = c }
            else { throw ValidationError("--config \(config): expected {\"vocabSize\", \"contextLength\", \"layers\", \"heads\", \"channels\"} or a Hugging Face GPT-2 config.json") }
        } else if initFrom == nil && (!resume || preset != nil) {   // with --resume: checked against the checkpoint below
            let name = preset ?? "tiny"
            guard let base = GPTConfig.preset(name) else { throw ValidationError("unknown --preset \(name): expected tiny, A (small) or B") }
            let c = base.covering(vocabulary: manifest.tokenizer.vocabularySize)   // presets follow the data's tokenizer
            if c.vocabSize != base.vocabSize && !quiet {
                FileHandle.standardError.write(Data("note: preset \(name) widened to vocabSize \(c.vocabSize) for \(manifest.tokenizer.name) (\(manifest.tokenizer.vocabularySize) ids)\n".utf8))
            }
            modelConfig = c
        }
        var o = PretrainOptions()
        if let steps { o.steps = steps }
        if let batch { o.batchSize = batch }
        o.context = context ?? min(256, modelConfig?.contextLength ?? 256)
        if let lr { o.learningRate = lr }
        o.minLearningRate = minLr
        o.warmupSteps = warmup ?? min(100, o.steps / 10)
        o.decaySteps = decaySteps
        if let weightDecay { o.weightDecay = weightDecay }
        if let gradClip { o.gradClip = gradClip }
        if let gradAccum { o.gradAccum = gradAccum }
        if let evalEvery { o.evalEvery = evalEvery }
        if let evalBatches { o.evalBatches = evalBatches }
        if let checkpointEvery { o.checkpointEvery = checkpointEvery }
        if let keepCheckpoints { o.keepCheckpoints = keepCheckpoints }
        if let seed { o.seed = seed }
        o.documentPositions = documentPositions
        let start: PretrainRun.Start = resume ? .resume : initFrom.map { .initFrom($0) } ?? .fresh
        if resume {   // only how long and how often may change; the rest comes from the checkpoint
            // The warning about a damaged latest checkpoint comes from the run itself, below.
            let info = try GPTCheckpoint.loadInfo(from: try GPTCheckpoint.resolveForResume(out, takeIntact: useIntactCheckpoint, log: { _ in }))
            let saved = info.options
            if steps == nil { o.steps = saved.steps }
            if evalEvery == nil { o.evalEvery = saved.evalEvery }
            if evalBatches == nil { o.evalBatches = saved.evalBatches }
            if checkpointEvery == nil { o.checkpointEvery = saved.checkpointEvery }
            if keepCheckpoints == nil { o.keepCheckpoints = saved.keepCheckpoints }
            var changed: [String] = []
            // --resume takes the model from the checkpoint; repeating the original --preset or
            // --config is accepted, another model is not.
            if let modelConfig, modelConfig != info.config { changed.append(config != nil ? "--config" : "--preset") }
            if let batch, batch != saved.batchSize { changed.append("--batch") }
            if let context, context != saved.context { changed.append("--context") }
            if let lr, lr != saved.learningRate { changed.append("--lr") }
            if let seed, seed != saved.seed { changed.append("--seed") }
            if let gradAccum, gradAccum != saved.gradAccum { changed.append("--grad-accum") }
            if let warmup, warmup != saved.warmupSteps { changed.append("--warmup") }
            if documentPositions && !saved.documentPositions { changed.append("--document-positions") }
            if !changed.isEmpty {
                throw ValidationError("--resume continues the saved run; \(changed.joined(separator: ", ")) differ from the checkpoint's options. Drop them, or use --init-from \(out) to start a new run from its weights")
            }
        }
        let runner = try PretrainRun(sources: sources, out: out, config: modelConfig, options: o, start: start,
                                     threads: threads, sgemmGFLOPS: sgemmGflops, group: cluster.isDistributed ? cluster : nil,
                                     takeIntactCheckpoint: useIntactCheckpoint)
        runner.stopAt = stopAt
        if quiet { runner.log = { _ in } }
        let s = try runner.run()
        guard cluster.isRoot else { return }
        if json {
            var obj: [String: Any] = ["step": s.step, "tokens_per_s": s.tokensPerSecond.rounded(), "mfu": s.mfu,
                                      "sgemm_gflops": runner.sgemmGFLOPS, "parameters": runner.model.parameterCount, "out": out,
                                      "loader_wait_fraction": s.loaderWaitFraction]
            if let l = s.finalTrainLoss { obj["train_loss"] = Double(l) }
            if let l = s.finalValLoss { obj["val_loss"] = Double(l) }
            if let c = s.checkpoint { obj["checkpoint"] = c }
            print(try JSONOutput.text(obj, .summary))
        } else {
            print(String(format: "step %d: train loss %.4f, val loss %@, %.0f tok/s, MFU %.1f%% (sgemm %.1f GFLOP/s), loader wait %.2f%% of training time; checkpoint %@",
                         s.step, s.finalTrainLoss ?? .nan, s.finalValLoss.map { String(format: "%.4f", $0) } ?? "-",
                         s.tokensPerSecond, s.mfu * 100, runner.sgemmGFLOPS, s.loaderWaitFraction * 100, s.checkpoint ?? "-"))
        }
    }
}
