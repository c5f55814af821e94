import GPTModule

/// Everything that shapes a pretraining run (saved in each checkpoint's `trainer.json`).
public struct PretrainOptions: Codable, Sendable, Equatable {
    /// Optimizer updates in the whole run (the cosine schedule's length unless `decaySteps` is set).
    public var steps = 1000
    /// Rows per micro-batch (B).
    public var batchSize = 8
    /// Tokens per row (T ≤ the model's context length).
    public var context = 256
    /// Micro-batches per optimizer update (gradient accumulation).
    public var gradAccum = 1
    public var learningRate: Float = 6e-4
    /// Floor of the cosine decay; nil: learningRate / 10.
    public var minLearningRate: Float? = nil
    public var warmupSteps = 100
    /// Step where the cosine reaches the floor; nil: `steps`.
    public var decaySteps: Int? = nil
    public var weightDecay: Float = 0.1
    public var beta1: Float = 0.9
    public var beta2: Float = 0.95
    public var eps: Float = 1e-8
    /// Global gradient-norm clip; 0 or less: no clipping (the norm is still reported).
    public var gradClip: Float = 1.0
    /// Evaluate on the validation split every N updates (and at step 0 and at the end); 0: never.
    public var evalEvery = 100
    /// Validation batches per evaluation (the val stream is read from its start each time).
    public var evalBatches = 20
    /// Checkpoint every N updates (and at the end); 0: only at the end.
    public var checkpointEvery = 0
    /// Checkpoint directories kept in the run folder (older ones are deleted).
    public var keepCheckpoints = 2
    /// Seeds the model initialization and the loader's shuffle.
    public var seed: UInt64 = 1337
    /// Restart position ids at document starts (from the loader's `Batch.positions`).
    public var documentPositions = false

    public init() {}

    public var schedule: LRSchedule {
        LRSchedule(maxLR: learningRate, minLR: minLearningRate ?? learningRate / 10, warmupSteps: warmupSteps, decaySteps: decaySteps ?? steps)
    }

    public func validate(config: GPTConfig) throws {
        func bad(_ s: String) -> PipelineError { .invalidPretrainOptions(s) }
        guard steps > 0 else { throw bad("steps must be ≥ 1 (got \(steps))") }
        guard batchSize > 0, gradAccum > 0 else { throw bad("batch size and gradient accumulation must be ≥ 1") }
        guard context > 0, context <= config.contextLength else {
            throw bad("context \(context) must be in 1…\(config.contextLength) (the model's n_positions); pass a smaller --context or a config with a larger contextLength")
        }
        guard learningRate > 0, learningRate.isFinite else { throw bad("learning rate must be positive (got \(learningRate))") }
        guard warmupSteps >= 0, evalEvery >= 0, evalBatches >= 0, checkpointEvery >= 0, keepCheckpoints >= 1 else {
            throw bad("warmup, eval-every, eval-batches and checkpoint-every must be ≥ 0, keep-checkpoints ≥ 1")
        }
    }
}
