import DataLoaderModule
import Dispatch
import Foundation
import GPTModule
import Shards
import TokenmillSupport

/// Pretraining of a `GPT` on a shard directory (see docs/gpt.md, "Training").
///
/// The run folder holds `metrics.jsonl` (one JSON object a line: `run`, `train`, `val`),
/// `loss.svg` (train and validation loss), `step-NNNNNN/` checkpoints and `latest` (the name of
/// the newest complete checkpoint, replaced atomically).
public final class PretrainRun {
    public enum Start: Sendable, Equatable {
        /// A new run; the run folder must not hold a run already.
        case fresh
        /// Continue the run in the run folder from its latest checkpoint (weights, optimizer,
        /// loader, step): the loss curve continues bit for bit (same thread count).
        case resume
        /// Weights (only) from a checkpoint; fresh optimizer, loader and step counter.
        case initFrom(String)
    }

    /// The first shard set (the one whose tokenizer the run records).
    public let dataDirectory: String
    /// The shard sets trained on, with their mixture weights (one, unless `--data` was repeated).
    public let sources: [LoaderSource]
    public let runDirectory: String
    public private(set) var options: PretrainOptions
    public let model: GPT
    public let optimizer: AdamW
    public let manifest: Manifest
    /// Every source's manifest, in `sources` order (the first is `manifest`).
    public let manifests: [Manifest]
    public private(set) var step: Int
    public private(set) var tokensSeen: Int
    public let threads: Int
    /// The ranks of a data-parallel job (nil: this process alone).
    public let group: DataParallelGroup?
    public var rank: Int { group?.rank ?? 0 }
    public var worldSize: Int { group?.size ?? 1 }
    /// cblas_sgemm GFLOP/s measured at start (the MFU reference).
    public let sgemmGFLOPS: Double
    /// Train records of this process (and, after a resume, of the earlier ones).
    public private(set) var trainHistory: [(step: Int, loss: Float)] = []
    public private(set) var valHistory: [(step: Int, loss: Float)] = []
    /// Stop after this update (a checkpoint is written there); nil: run to `options.steps`.
    public var stopAt: Int?
    /// Human-readable progress lines (default: stderr).
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    private var loader: DataLoader
    private let fingerprintHex: String
    private let tokenizerJSON: Data?
    private var metrics: FileHandle?

    /// Opens (or continues) a run. `config` is the model shape for `.fresh` (its vocabulary must
    /// cover the shard set's tokenizer); `.resume` and `.initFrom` take it from the checkpoint.
    /// `.resume` refuses a damaged latest checkpoint, naming the newest intact one;
    /// `takeIntactCheckpoint` continues from that one instead.
    public convenience init(data: String, out: String, config: GPTConfig?, options: PretrainOptions, start: Start,
                            threads: Int, sgemmGFLOPS: Double? = nil, group: DataParallelGroup? = nil, takeIntactCheckpoint: Bool = false) throws {
        try self.init(sources: [LoaderSource(name: "data", directory: data)], out: out, config: config, options: options, start: start,
                      threads: threads, sgemmGFLOPS: sgemmGFLOPS, group: group, takeIntactCheckpoint: takeIntactCheckpoint)
    }

    /// Opens (or continues) a run on a weighted mixture of shard sets (the DataLoader's mixing);
    /// every set must have been sharded with the same tokenizer.
    public init(sources: [LoaderSource], out: String, config: GPTConfig?, options: PretrainOptions, start: Start,
                threads: Int, sgemmGFLOPS: Double? = nil, group: DataParallelGroup? = nil, takeIntactCheckpoint: Bool = false) throws {
        guard let first = sources.first else { throw PipelineError.noTrainingData }
        self.group = group
        self.sources = sources
        let rank = group?.rank ?? 0, worldSize = group?.size ?? 1
        let data = first.directory
        dataDirectory = data
        runDirectory = out.count > 1 && out.hasSuffix("/") ? String(out.dropLast()) : out
        self.threads = max(1, threads)
        GPTThreads.set(self.threads)
        let fm = FileManager.default
        manifests = try sources.map { try Manifest.load(directory: $0.directory) }
        manifest = manifests[0]
        fingerprintHex = manifest.tokenizer.fingerprint
        for (source, m) in zip(sources, manifests).dropFirst() where m.tokenizer.fingerprint != fingerprintHex {
            throw PipelineError.mixtureTokenizerMismatch(directory: source.directory, fingerprint: m.tokenizer.fingerprint, first: data, firstFingerprint: fingerprintHex)
        }
        tokenizerJSON = try manifest.tokenizerCopy(directory: data)
        // Only rank 0 writes into the run folder (metrics, curves, checkpoints); the others read it.
        if rank == 0 { try fm.createDirectory(atPath: out, withIntermediateDirectories: true) } else { log = { _ in } }

        var options = options
        var loaderState: LoaderState? = nil
        var resumeDirectory: String? = nil
        let model: GPT
        switch start {
        case .fresh:
            if rank == 0, fm.fileExists(atPath: out + "/latest") || fm.fileExists(atPath: out + "/metrics.jsonl") {
                throw PipelineError.runExists(directory: out, initFrom: false)
            }
            guard let config else { throw PipelineError.noModelConfiguration }
            try Self.checkVocabulary(config, manifest: manifest)
            try options.validate(config: config)
            model = try GPT(config: config, seed: options.seed)
            step = 0; tokensSeen = 0
        case .resume:
            let dir = try GPTCheckpoint.resolveForResume(out, takeIntact: takeIntactCheckpoint)
            resumeDirectory = dir
            let info = try GPTCheckpoint.loadInfo(from: dir)
            try Self.checkFingerprint(checkpoint: info.tokenizerFingerprint, data: fingerprintHex, dataDirectory: data)
            // The saved options define the run; only how long it runs and how often it reports may change.
            var saved = info.options
            saved.steps = options.steps; saved.evalEvery = options.evalEvery; saved.evalBatches = options.evalBatches
            saved.checkpointEvery = options.checkpointEvery; saved.keepCheckpoints = options.keepCheckpoints
            if saved.decaySteps == nil && options.steps != info.options.steps { saved.decaySteps = info.options.steps }
            options = saved
            model = try GPTCheckpoint.loadModel(from: dir)
            guard model.config == info.config else { throw PipelineError.checkpointConfigsDisagree(directory: dir, configJSON: model.config, trainerJSON: info.config) }
            try options.validate(config: model.config)
            guard let ls = fm.contents(atPath: dir + "/loader.json") else {
                throw PipelineError.checkpointNotResumable(directory: dir)
            }
            loaderState = try GPTCheckpoint.decodeJSON(dir + "/loader.json") { _ in try LoaderState.from(json: ls) }
            // Rank 0 saves the loader state; with batch slices every rank stands at the same
            // position, so each resumes from it under its own rank.
            loaderState?.rank = rank
            step = info.step; tokensSeen = info.tokensSeen
            if info.threads != self.threads {
                FileHandle.standardError.write(Data("note: the checkpoint was trained with \(info.threads) threads, resuming with \(self.threads): the loss curve will not be bit-identical\n".utf8))
            }
        case .initFrom(let path):
            if rank == 0, fm.fileExists(atPath: out + "/latest") || fm.fileExists(atPath: out + "/metrics.jsonl") {
                throw PipelineError.runExists(directory: out, initFrom: true)
            }
            let dir = try GPTCheckpoint.resolve(path)
            if fm.fileExists(atPath: dir + "/trainer.json") {
                let info = try GPTCheckpoint.loadInfo(from: dir)
                try Self.checkFingerprint(checkpoint: info.tokenizerFingerprint, data: fingerprintHex, dataDirectory: data)
            }
            model = try GPTCheckpoint.loadModel(from: dir)
            if let config, config != model.config {
                throw PipelineError.initFromConfigDiffers(checkpoint: dir, found: model.config, requested: config)
            }
            try Self.checkVocabulary(model.config, manifest: manifest)
            try options.validate(config: model.config)
            step = 0; tokensSeen = 0
        }
        if worldSize > 1, options.batchSize % worldSize != 0 {
            throw PipelineError.batchNotDivisibleByRanks(batch: options.batchSize, ranks: worldSize)
        }
        self.options = options
        self.model = model
        optimizer = AdamW(parameterCount: model.parameterCount, beta1: options.beta1, beta2: options.beta2,
                          eps: options.eps, weightDecay: options.weightDecay)
        if let resumeDirectory { try GPTCheckpoint.loadOptimizer(from: resumeDirectory, into: optimizer) }
        loader = try DataLoader(sources: sources, options: Self.loaderOptions(options, fingerprintHex: fingerprintHex, rank: rank, worldSize: worldSize, validation: false),
                                resumeFrom: loaderState)
        self.sgemmGFLOPS = sgemmGFLOPS ?? GPTKernels.measureSGEMM()
        try openMetrics(resumeAt: start == .resume ? step : nil)
    }

    deinit { loader.close(); try? metrics?.close() }

    static func fingerprintBytes(_ hex: String) -> [UInt8]? { Hex.decode(hex) }

    /// The loader of the training stream (shuffled with the run's seed) or of the validation
    /// split (in order, once, no prefetch). `o.batchSize` is the global batch: with W ranks each
    /// loader yields its B/W-row slice of the batch one process would read, so the job trains and
    /// evaluates on exactly the single-process batches. (With one rank the layout changes
    /// nothing, and the training loader's saved state keeps the default layout.)
    static func loaderOptions(_ o: PretrainOptions, fingerprintHex: String, rank: Int, worldSize: Int, validation: Bool) -> DataLoaderOptions {
        var lo: DataLoaderOptions
        if validation {
            lo = .validation(batchSize: o.batchSize / worldSize, context: o.context)
            lo.prefetch = 0
        } else {
            lo = DataLoaderOptions(batchSize: o.batchSize / worldSize, context: o.context)
            lo.seed = o.seed
        }
        lo.expectedFingerprint = fingerprintBytes(fingerprintHex)
        if worldSize > 1 { lo.rank = rank; lo.worldSize = worldSize; lo.rankLayout = .batchSlices }
        return lo
    }

    static func checkVocabulary(_ config: GPTConfig, manifest: Manifest) throws {
        let need = manifest.tokenizer.vocabularySize
        guard config.vocabSize >= need else {
            throw PipelineError.modelVocabularyTooSmall(model: config.vocabSize, tokenizer: manifest.tokenizer.name, ids: need)
        }
    }

    static func checkFingerprint(checkpoint: String, data: String, dataDirectory: String) throws {
        guard checkpoint == data else {
            throw PipelineError.checkpointTokenizerMismatch(dataDirectory: dataDirectory, dataFingerprint: data, checkpointFingerprint: checkpoint)
        }
    }

    // MARK: metrics

    private var metricsPath: String { runDirectory + "/metrics.jsonl" }

    /// Only rank 0 writes into the run folder (metrics, loss curve, checkpoints); the other
    /// ranks of a data-parallel job hold the same replica and only read it.
    private var writesRunFolder: Bool { rank == 0 }

    /// Opens metrics.jsonl for appending; on resume keeps only records up to the checkpoint's
    /// step (a crashed run may have logged further) and reloads the loss history.
    private func openMetrics(resumeAt: Int?) throws {
        guard writesRunFolder else { return }
        let fm = FileManager.default
        if let resumeAt, let data = fm.contents(atPath: metricsPath) {
            var kept: [Substring] = []
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
                let type = obj["type"] as? String ?? "", s = obj["step"] as? Int ?? 0
                if (type == "train" || type == "val") && s > resumeAt { continue }
                kept.append(line)
                if let l = (obj["loss"] as? NSNumber)?.floatValue {
                    if type == "train" { trainHistory.append((s, l)) } else if type == "val" { valHistory.append((s, l)) }
                }
            }
            try DurableFiles.replace(metricsPath, with: Array(kept.joined(separator: "\n").utf8) + (kept.isEmpty ? [] : [0x0A]))
        } else if !fm.fileExists(atPath: metricsPath) {
            _ = fm.createFile(atPath: metricsPath, contents: nil)
        }
        metrics = FileHandle(forWritingAtPath: metricsPath)
        metrics?.seekToEndOfFile()
    }

    private func emit(_ fields: [(String, String)]) {
        let line = "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}\n"
        metrics?.write(Data(line.utf8))
    }

    private static func num(_ x: Float) -> String { x.isFinite ? "\(x)" : "null" }
    private static func num(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
    private static func str(_ s: String) -> String {
        JSONOutput.quoted(s, escapingSlashes: true)
    }

    // MARK: training

    public var flopsPerToken: Double { model.config.trainingFLOPsPerToken(sequenceLength: options.context) }

    /// Positions for the model: the loader's document positions, made row-relative where the
    /// row starts inside a document (`min(position, index in row)`), so they stay < T.
    static func rowPositions(_ b: Batch) -> [Int32] {
        var p = b.positions
        let T = b.context
        for i in 0..<p.count { p[i] = min(p[i], Int32(i % T)) }
        return p
    }

    /// Mean validation loss over up to `evalBatches` batches from the start of the val split
    /// (token-weighted); nil when the shard set has no validation sequences.
    /// With several sources, each source's val split contributes up to `evalBatches` batches and
    /// the loss is token-weighted over all of them.
    public func evaluate() throws -> Float? {
        guard options.evalBatches > 0 else { return nil }
        let withVal = zip(sources, manifests).filter { ($0.1.splits[.val]?.tokens ?? 0) > options.context }
        guard !withVal.isEmpty else { return nil }
        let vo = Self.loaderOptions(options, fingerprintHex: fingerprintHex, rank: rank, worldSize: worldSize, validation: true)
        var sum = 0.0, count = 0
        for (source, _) in withVal {
            let val = try DataLoader(directory: source.directory, options: vo)
            defer { val.close() }
            for _ in 0..<options.evalBatches {
                guard let b = try val.next() else { break }
                let loss = try model.forward(inputs: b.inputs, targets: b.targets,
                                             positions: options.documentPositions ? Self.rowPositions(b) : nil,
                                             batchSize: b.rows, sequenceLength: b.context) ?? 0
                let n = b.targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
                sum += Double(loss) * Double(n); count += n
            }
        }
        if let group {
            // A rank whose slices ran out early still joins: the sums carry every rank's part.
            var totals = [sum, Double(count)]
            try group.sumValues(&totals)
            sum = totals[0]; count = Int(totals[1])
        }
        return count == 0 ? nil : Float(sum / Double(count))
    }

    private func evaluateAndRecord() throws {
        let t0 = DispatchTime.now().uptimeNanoseconds
        guard let v = try evaluate() else { return }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        valHistory.append((step, v))
        emit([("type", "\"val\""), ("step", "\(step)"), ("loss", Self.num(v)), ("ms", Self.num(ms))])
        log(String(format: "val   step %6d | loss %.4f | %.0f ms", step, v, ms))
        try writeLossCurve()
    }

    /// One optimizer update: `gradAccum` micro-batches forward/backward, clip, AdamW.
    public func trainStep() throws -> StepRecord {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let o = options
        model.zeroGradients()
        var lossSum = 0.0
        let W = worldSize
        var commNanos: UInt64 = 0
        for micro in 0..<o.gradAccum {
            guard let b = try loader.next() else { throw PipelineError.trainingStreamEnded(directory: dataDirectory) }
            let loss = try model.forward(inputs: b.inputs, targets: b.targets,
                                         positions: o.documentPositions ? Self.rowPositions(b) : nil,
                                         batchSize: b.rows, sequenceLength: b.context) ?? 0
            if let group, micro == o.gradAccum - 1 {
                commNanos += try backwardReducing(group, lossScale: 1 / Float(o.gradAccum * W))
            } else {
                try model.backward(lossScale: 1 / Float(o.gradAccum * W))
            }
            lossSum += Double(loss)
            tokensSeen += b.rows * b.context * W
        }
        if let group {
            let c0 = DispatchTime.now().uptimeNanoseconds
            var l = [lossSum]
            try group.sumValues(&l)
            lossSum = l[0] / Double(W)
            commNanos += DispatchTime.now().uptimeNanoseconds - c0
        }
        let lr = o.schedule.learningRate(at: step)
        let norm = GradientTools.norm(model)
        let scale = o.gradClip > 0 ? GradientTools.clipScale(norm: norm, maxNorm: o.gradClip) : 1
        optimizer.update(model, learningRate: lr, gradientScale: scale)
        step += 1
        let loss = Float(lossSum / Double(o.gradAccum))
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let tokens = Double(o.gradAccum * o.batchSize * o.context)
        let tps = tokens / seconds
        let mfu = tps * flopsPerToken / (sgemmGFLOPS * 1e9 * Double(W))  // per rank: each has its own cores
        var r = StepRecord(step: step, loss: loss, learningRate: lr, gradNorm: norm, tokensPerSecond: tps, mfu: mfu, milliseconds: seconds * 1e3)
        r.communicationMilliseconds = Double(commNanos) / 1e6
        trainHistory.append((step, loss))
        emit([("type", "\"train\""), ("step", "\(step)"), ("loss", Self.num(loss)), ("lr", Self.num(lr)), ("grad_norm", Self.num(norm)),
              ("tokens", "\(tokensSeen)"), ("tokens_per_s", Self.num(tps.rounded())), ("mfu", Self.num((mfu * 1e4).rounded() / 1e4)),
              ("ms", Self.num((seconds * 1e5).rounded() / 100))] + (W > 1 ? [("comm_ms", Self.num((r.communicationMilliseconds * 100).rounded() / 100))] : []))
        log(String(format: "step %6d/%d | loss %.4f | lr %.2e | norm %.3f | %.0f tok/s | MFU %.1f%% | %.0f ms",
                   step, o.steps, loss, lr, norm, tps, mfu * 100, seconds * 1e3) + (W > 1 ? String(format: " | comm %.1f ms", r.communicationMilliseconds) : ""))
        if let nonFinite = PipelineError.NonFinite(loss) { throw PipelineError.trainingDiverged(step: step, loss: nonFinite) }
        return r
    }

    /// The last backward of a step, with each gradient group's sum over the ranks started as
    /// soon as the model reports it final (overlapping the rest of backward), then waited for.
    /// Why per tensor slice rather than one allreduce at the end: the blocks' gradients are final
    /// one layer at a time, and shared-memory and network transports both move a layer's worth
    /// while the next layer computes. Why not fixed-size buckets: llm.c's layout keeps a layer's
    /// tensors apart, so a layer is twelve contiguous ranges already.
    /// Returns the nanoseconds spent waiting after backward.
    private func backwardReducing(_ group: DataParallelGroup, lossScale: Float) throws -> UInt64 {
        var pending: [any PendingReduction] = []
        var reported = 0  // checked in debug builds: GPT reports every range exactly once
        var failure: Error? = nil
        model.gradientsReady = { [model] ranges in
            guard failure == nil else { return }
            do {
                try model.withGradients { g in
                    for r in ranges { pending.append(try group.startSum(UnsafeMutableBufferPointer(rebasing: g[r]))) }
                }
                reported += ranges.reduce(0) { $0 + $1.count }
                for p in pending { try p.test() }
            } catch { failure = error }
        }
        defer { model.gradientsReady = nil }
        try model.backward(lossScale: lossScale)
        if let failure { throw failure }
        let t0 = DispatchTime.now().uptimeNanoseconds
        for p in pending { try p.wait() }
        assert(reported == model.parameterCount, "GPT.backward reported \(reported) of \(model.parameterCount) gradients as final")
        return DispatchTime.now().uptimeNanoseconds - t0
    }

    public struct Summary: Sendable {
        public var step: Int
        public var finalTrainLoss: Float?
        public var finalValLoss: Float?
        public var tokensPerSecond: Double
        public var mfu: Double
        public var checkpoint: String?
        /// The time the training loop waited for the loader, as a fraction of the loop's wall
        /// time (the loader prefetches on its own thread; this is what it failed to hide).
        public var loaderWaitFraction: Double
    }

    /// Trains to `options.steps` (or `stopAt`), evaluating and checkpointing on schedule.
    @discardableResult
    public func run() throws -> Summary {
        let o = options
        let last = min(o.steps, stopAt ?? o.steps)
        let cfg = model.config
        emit([("type", "\"run\""), ("step", "\(step)"), ("vocab_size", "\(cfg.vocabSize)"), ("n_positions", "\(cfg.contextLength)"),
              ("n_layer", "\(cfg.layers)"), ("n_head", "\(cfg.heads)"), ("n_embd", "\(cfg.channels)"), ("parameters", "\(model.parameterCount)"),
              ("batch", "\(o.batchSize)"), ("context", "\(o.context)"), ("grad_accum", "\(o.gradAccum)"), ("threads", "\(threads)"), ("ranks", "\(worldSize)"),
              ("sgemm_gflops", Self.num((sgemmGFLOPS * 10).rounded() / 10)), ("flops_per_token", Self.num(flopsPerToken)),
              ("data", Self.str(sources.count == 1 ? dataDirectory : sources.map { "\($0.weight):\($0.directory)" }.joined(separator: ",")))])
        log(String(format: "model: %d parameters (V %d, T %d, L %d, NH %d, C %d); batch %d×%d×%d; %d threads; sgemm %.1f GFLOP/s",
                   model.parameterCount, cfg.vocabSize, cfg.contextLength, cfg.layers, cfg.heads, cfg.channels,
                   o.gradAccum, o.batchSize, o.context, threads, sgemmGFLOPS)
            + (worldSize > 1 ? " per rank; \(worldSize) ranks of \(o.batchSize / worldSize) rows, \(model.parameterCount * 4) gradient bytes summed per step" : ""))
        if step == 0, o.evalEvery > 0 { try evaluateAndRecord() }
        var tps: [Double] = [], mfus: [Double] = []
        var checkpoint: String? = nil
        let loopStart = DispatchTime.now().uptimeNanoseconds
        let waitBefore = loader.stats.consumerWaitSeconds
        while step < last {
            let r = try trainStep()
            if step > 1 || last == 1 { tps.append(r.tokensPerSecond); mfus.append(r.mfu) }  // skip the warm-up step
            if o.evalEvery > 0 && (step % o.evalEvery == 0 || step == o.steps) { try evaluateAndRecord() }
            if (o.checkpointEvery > 0 && step % o.checkpointEvery == 0) || step == last { checkpoint = try saveCheckpoint() }
        }
        let loopSeconds = Double(DispatchTime.now().uptimeNanoseconds - loopStart) / 1e9
        let waited = loader.stats.consumerWaitSeconds - waitBefore
        try writeLossCurve()
        let median: ([Double]) -> Double = { a in a.isEmpty ? 0 : a.sorted()[a.count / 2] }
        return Summary(step: step, finalTrainLoss: trainHistory.last?.loss, finalValLoss: valHistory.last?.loss,
                       tokensPerSecond: median(tps), mfu: median(mfus), checkpoint: checkpoint,
                       loaderWaitFraction: loopSeconds > 0 ? waited / loopSeconds : 0)
    }

    /// Writes `step-NNNNNN/` atomically, points `latest` at it, prunes old checkpoints; returns
    /// its path. Does nothing and returns nil on the ranks that do not write the run folder.
    @discardableResult
    public func saveCheckpoint() throws -> String? {
        guard writesRunFolder else { return nil }
        let name = String(format: "step-%06d", step)
        let dir = runDirectory + "/" + name
        let info = CheckpointInfo(step: step, config: model.config, options: options, tokenizerFingerprint: fingerprintHex,
                                  endOfText: manifest.tokenizer.endOfText.map(Int.init), tokensSeen: tokensSeen, threads: threads)
        try GPTCheckpoint.save(to: dir, model: model, optimizer: optimizer, loaderStateJSON: try loader.state().json(),
                               info: info, tokenizerJSON: tokenizerJSON)
        try DurableFiles.replace(runDirectory + "/latest", with: Array((name + "\n").utf8))
        metrics?.synchronizeFile()
        let fm = FileManager.default
        let all = ((try? fm.contentsOfDirectory(atPath: runDirectory)) ?? [])
            .filter { $0.hasPrefix("step-") && !$0.contains(".tmp") }.sorted()
        for old in all.dropLast(options.keepCheckpoints) where old != name { try? fm.removeItem(atPath: runDirectory + "/" + old) }
        log("checkpoint \(dir)")
        return dir
    }

    /// `loss.svg` in the run folder (replaced atomically); nothing on the ranks that do not write it.
    public func writeLossCurve() throws {
        guard writesRunFolder else { return }
        try DurableFiles.replace(runDirectory + "/loss.svg", with: Array(LossCurve.svg(train: trainHistory, val: valHistory).utf8))
    }
}
